/* hutch build: stages, FROM, the metadata steps and the step display;
 * see build.h. RUN, COPY and ADD are in steps.c, the cache in cache.c. */
#include "builder.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void hutch_builder_say(struct builder *b, const char *fmt, ...) {
  if (!b->o->out)
    return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(b->o->out, fmt, ap);
  va_end(ap);
  fflush(b->o->out);
}

/* The global ARGs (before the first FROM) see only each other. */
static const char *meta_lookup(void *ud, const char *name) {
  return hutch_kv_get(ud, name);
}

static const char *lookup(void *ud, const char *name) {
  struct stage_state *st = ud;
  const char *v = hutch_kv_get(st->bc ? st->bc->c->env : NULL, name);
  return v ? v : hutch_kv_get(st->args, name);
}

const char *hutch_builder_lookup(void *ud, const char *name) {
  return lookup(ud, name);
}

struct hutch_build_vars hutch_builder_vars(struct builder *b, struct stage_state *st) {
  return (struct hutch_build_vars){b->df->escape, lookup, st};
}

static const char *short_id(const char *id) {
  static char buf[13];
  const char *h = strncmp(id, "sha256:", 7) == 0 ? id + 7 : id;
  snprintf(buf, sizeof(buf), "%.12s", h);
  return buf;
}

static void stage_state_clear(struct stage_state *st) {
  hutch_image_free(st->img);
  hutch_build_config_free(st->bc);
  hutch_strv_free(st->args);
  memset(st, 0, sizeof(*st));
}

static int set_image(struct stage_state *st, struct hutch_image *img, struct hutch_error **err) {
  struct hutch_build_config *bc = NULL;
  if (hutch_build_config_parse(img->config_json, img->config_len, &bc, err) < 0) {
    hutch_image_free(img);
    return -1;
  }
  if (st->bc)
    bc->cmd_set = st->bc->cmd_set;
  hutch_build_config_free(st->bc);
  hutch_image_free(st->img);
  st->bc = bc;
  st->img = img;
  return 0;
}

int hutch_builder_commit(struct builder *b, struct stage_state *st, const char *created_by,
                         struct hutch_new_layer *layer, const char *key, struct hutch_error **err) {
  char now[64];
  hutch_build_now(now);
  free(st->bc->c->created);
  st->bc->c->created = strdup(now);
  if (hutch_build_config_add_history(st->bc, now, created_by, NULL, NULL, layer == NULL) < 0 ||
      (layer && hutch_build_config_add_layer(st->bc, layer->diff_id) < 0))
    return hutch_error_set(err, ENOMEM, "build");
  struct hutch_image *img = NULL;
  if (hutch_build_store_image(b->s, st->img, st->bc, layer, NULL, &img, err) < 0)
    return -1;
  if (hutch_build_cache_put(b->s, key, img->manifest_digest, err) < 0) {
    hutch_image_free(img);
    return -1;
  }
  return set_image(st, img, err);
}

/* 1 when the cache has key (st moves to its image), 0 when not. */
static int cached(struct builder *b, struct stage_state *st, const char *key,
                  struct hutch_error **err) {
  if (b->o->no_cache)
    return 0;
  struct hutch_image *img = NULL;
  int r = hutch_build_cache_get(b->s, key, &img, err);
  if (r <= 0)
    return r;
  if (set_image(st, img, err) < 0)
    return -1;
  hutch_builder_say(b, " ---> Using cache\n");
  return 1;
}

/* The ARGs in scope with values, "K=V K=V": part of every cache key. */
static char *args_text(const struct stage_state *st) {
  size_t n = 1;
  for (char **a = st->args; a && *a; a++)
    n += strlen(*a) + 1;
  char *s = calloc(1, n);
  for (char **a = st->args; s && a && *a; a++) {
    strcat(s, *a);
    strcat(s, " ");
  }
  return s;
}

/* --build-arg K=V, or K (its value from our environment): the value of
 * name, or NULL when not given. */
static const char *build_arg(struct builder *b, const char *name) {
  size_t n = strlen(name);
  for (char *const *a = b->o->build_args; a && *a; a++) {
    if (strncmp(*a, name, n) == 0 && (*a)[n] == '=')
      return *a + n + 1;
    if (strcmp(*a, name) == 0)
      return getenv(name);
  }
  return NULL;
}

/* ARG NAME[=default]...: the build arg, else the default, else (in a
 * stage) the global ARG's value. */
static int declare_args(struct builder *b, char ***into, const struct hutch_df_instr *in,
                        struct stage_state *st, struct hutch_error **err) {
  for (char **w = in->args; *w; w++) {
    char *eq = strchr(*w, '=');
    _cleanup_free_ char *name = eq ? strndup(*w, (size_t)(eq - *w)) : strdup(*w);
    _cleanup_free_ char *dflt = NULL;
    if (!name)
      return hutch_error_set(err, ENOMEM, "ARG");
    struct hutch_build_vars v =
        st ? hutch_builder_vars(b, st)
           : (struct hutch_build_vars){b->df->escape, meta_lookup, b->meta_args};
    if (eq && hutch_shlex_expand(eq + 1, b->df->escape, v.lookup, v.ud, &dflt, err) < 0)
      return -1;
    const char *val = build_arg(b, name);
    if (!val)
      val = dflt ? dflt : (st ? hutch_kv_get(b->meta_args, name) : NULL);
    if (val && hutch_kv_set(into, name, val) < 0)
      return hutch_error_set(err, ENOMEM, "ARG");
  }
  return 0;
}

static int step_meta(struct builder *b, struct stage_state *st, const struct hutch_df_instr *in,
                     const char *key, struct hutch_error **err) {
  struct hutch_build_vars v = hutch_builder_vars(b, st);
  if (in->kind != HUTCH_DF_ARG && hutch_build_apply(st->bc, in, &v, err) < 0)
    return -1;
  _cleanup_free_ char *by = NULL;
  if (asprintf(&by, "/bin/sh -c #(nop) %s%s", in->kind == HUTCH_DF_WORKDIR ? "" : " ",
               in->original) < 0)
    return hutch_error_set(err, ENOMEM, "build");
  return hutch_builder_commit(b, st, by, NULL, key, err);
}

/* One instruction of a stage. */
static int step(struct builder *b, struct stage_state *st, const struct hutch_df_instr *in,
                struct hutch_error **err) {
  /* an ARG is in scope from its own step on, cached or not */
  if (in->kind == HUTCH_DF_ARG && declare_args(b, &st->args, in, st, err) < 0)
    return hutch_error_wrap(err, "Dockerfile:%d: ARG", in->line);
  _cleanup_free_ char *args = args_text(st);
  char key[72];
  if (!args)
    return hutch_error_set(err, ENOMEM, "build");
  /* a heredoc's lines are part of the instruction */
  _cleanup_free_ char *text = NULL;
  if (asprintf(&text, "%s%s%s", in->original, in->body ? "\n" : "", in->body ? in->body : "") < 0)
    return hutch_error_set(err, ENOMEM, "build");
  hutch_build_cache_key(st->img, text, args, key);
  int r = 0;
  if (in->kind == HUTCH_DF_COPY || in->kind == HUTCH_DF_ADD)
    r = hutch_builder_copy(b, st, in, key, cached, err);
  else if ((r = cached(b, st, key, err)) != 0)
    r = r < 0 ? -1 : 0;
  else if (in->kind == HUTCH_DF_RUN)
    r = hutch_builder_run(b, st, in, key, err);
  else
    r = step_meta(b, st, in, key, err);
  if (in->kind == HUTCH_DF_CMD && st->bc)
    st->bc->cmd_set = true;
  if (r < 0)
    return hutch_error_wrap(err, "Dockerfile:%d: %s", in->line, hutch_df_kind_name(in->kind));
  if (st->img)
    hutch_builder_say(b, " ---> %s\n", short_id(st->img->id));
  return 0;
}

/* The base of a stage: scratch, an earlier stage, or an image. */
static int from(struct builder *b, struct stage_state *st, const struct hutch_stage *sg,
                struct hutch_error **err) {
  _cleanup_free_ char *base = NULL;
  if (hutch_shlex_expand(sg->from->args[0], b->df->escape, meta_lookup, b->meta_args, &base, err) <
      0)
    return hutch_error_wrap(err, "Dockerfile:%d: FROM", sg->from->line);
  if (!*base)
    return hutch_error_say(err, EINVAL, "Dockerfile:%d: FROM: base name (%s) should not be blank",
                           sg->from->line, sg->from->args[0]);
  if (strcmp(base, "scratch") == 0)
    return hutch_build_config_scratch(&st->bc, err);
  int dep = hutch_stage_find(&b->stages, base, st->index);
  struct hutch_image *img = NULL;
  const char *plat = hutch_df_flag(sg->from, "platform");
  int r = dep >= 0 ? hutch_image_lookup(b->s, b->stage_ids[dep], &img, err)
                   : hutch_engine_image_get(b->e, base, b->o->pull ? "always" : NULL,
                                            plat ? plat : b->o->platform, &img, err);
  if (r < 0)
    return hutch_error_wrap(err, "Dockerfile:%d: FROM %s", sg->from->line, base);
  return set_image(st, img, err);
}

/* The base image's ONBUILD triggers run right after FROM, then go. */
static int onbuild(struct builder *b, struct stage_state *st, struct hutch_error **err) {
  if (!st->bc->onbuild || !st->bc->onbuild[0])
    return 0;
  _cleanup_strv_ char **trig = TAKE_PTR(st->bc->onbuild);
  hutch_builder_say(b, "# Executing %zu build trigger%s\n", hutch_strv_len(trig),
                    hutch_strv_len(trig) == 1 ? "" : "s");
  for (char **t = trig; *t; t++) {
    struct hutch_df_instr in = {0};
    if (hutch_df_parse_line(*t, b->df->escape, 0, "ONBUILD", &in, err) < 0)
      return -1;
    int r = step(b, st, &in, err);
    hutch_df_instr_clear(&in);
    if (r < 0)
      return -1;
  }
  return 0;
}

static int build_stage(struct builder *b, size_t i, struct hutch_error **err) {
  const struct hutch_stage *sg = &b->stages.v[i];
  struct stage_state st = {.index = i};
  hutch_builder_say(b, "Step %d/%d : %s\n", ++b->step, b->n_steps, sg->from->original);
  int r = from(b, &st, sg, err);
  if (r == 0 && st.img)
    hutch_builder_say(b, " ---> %s\n", short_id(st.img->id));
  if (r == 0)
    r = onbuild(b, &st, err);
  for (size_t k = 0; r == 0 && k < sg->n; k++) {
    hutch_builder_say(b, "Step %d/%d : %s\n", ++b->step, b->n_steps, sg->v[k]->original);
    r = step(b, &st, sg->v[k], err);
  }
  if (r == 0 && !st.img)
    r = hutch_error_say(err, EINVAL, "stage %zu (FROM scratch) made no image: it has no steps", i);
  if (r == 0 && !(b->stage_ids[i] = strdup(st.img->manifest_digest)))
    r = hutch_error_set(err, ENOMEM, "build");
  stage_state_clear(&st);
  return r;
}

/* --label K=V on the final image, as a last LABEL step. */
static int final_labels(struct builder *b, size_t t, struct hutch_error **err) {
  if (!b->o->labels || !b->o->labels[0])
    return 0;
  struct stage_state st = {.index = t};
  struct hutch_image *img = NULL;
  if (hutch_image_lookup(b->s, b->stage_ids[t], &img, err) < 0 || set_image(&st, img, err) < 0)
    return -1;
  int r = 0;
  _cleanup_free_ char *text = strdup("LABEL");
  for (char *const *l = b->o->labels; r == 0 && *l; l++) {
    const char *eq = strchr(*l, '=');
    _cleanup_free_ char *k = eq ? strndup(*l, (size_t)(eq - *l)) : strdup(*l);
    char *nt = NULL;
    if (!k || hutch_kv_set(&st.bc->c->labels, k, eq ? eq + 1 : "") < 0 ||
        asprintf(&nt, "%s %s", text, *l) < 0)
      r = hutch_error_set(err, ENOMEM, "--label");
    free(text);
    text = nt;
  }
  _cleanup_free_ char *by = NULL;
  char key[72];
  hutch_build_cache_key(st.img, text ? text : "", NULL, key);
  if (r == 0 && asprintf(&by, "/bin/sh -c #(nop)  %s", text) < 0)
    r = hutch_error_set(err, ENOMEM, "--label");
  if (r == 0)
    r = hutch_builder_commit(b, &st, by, NULL, key, err);
  if (r == 0) {
    free(b->stage_ids[t]);
    b->stage_ids[t] = strdup(st.img->manifest_digest);
  }
  stage_state_clear(&st);
  return r;
}

static int read_inputs(struct builder *b, char **text, struct hutch_error **err) {
  const struct hutch_build_opts *o = b->o;
  b->ctxfd = open(o->context, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (b->ctxfd < 0)
    return hutch_error_set(err, errno, "unable to prepare context: path \"%s\" not found",
                           o->context);
  if (o->dockerfile_text) {
    *text = strdup(o->dockerfile_text);
  } else {
    _cleanup_free_ char *p = NULL;
    if (!o->dockerfile && asprintf(&p, "%s/Dockerfile", o->context) < 0)
      return hutch_error_set(err, ENOMEM, "build");
    size_t len;
    int r = hutch_read_file(o->dockerfile ? o->dockerfile : p, text, &len);
    if (r < 0)
      return hutch_error_set(err, r, "open %s", o->dockerfile ? o->dockerfile : p);
  }
  _cleanup_free_ char *ign = NULL;
  size_t len;
  if (hutch_read_file_at(b->ctxfd, ".dockerignore", &ign, &len) == 0 &&
      hutch_ignore_parse(ign, &b->ignore, err) < 0)
    return -1;
  return *text ? 0 : hutch_error_set(err, ENOMEM, "build");
}

static int build_all(struct builder *b, char **id, struct hutch_error **err) {
  _cleanup_free_ char *text = NULL;
  size_t t;
  if (read_inputs(b, &text, err) < 0 ||
      hutch_dockerfile_parse(text, "Dockerfile", &b->df, err) < 0 ||
      hutch_stages_split(b->df, &b->stages, err) < 0 ||
      hutch_stages_mark(&b->stages, b->o->target, &t, err) < 0)
    return -1;
  for (size_t i = 0; i < b->stages.n_meta; i++)
    if (declare_args(b, &b->meta_args, b->stages.meta_args[i], NULL, err) < 0)
      return -1;
  b->stage_ids = calloc(b->stages.n + 1, sizeof(char *));
  if (!b->stage_ids)
    return hutch_error_set(err, ENOMEM, "build");
  for (size_t i = 0; i <= t; i++)
    if (b->stages.v[i].needed)
      b->n_steps += 1 + (int)b->stages.v[i].n;
  for (size_t i = 0; i <= t; i++)
    if (b->stages.v[i].needed && build_stage(b, i, err) < 0)
      return -1;
  if (final_labels(b, t, err) < 0)
    return -1;
  struct hutch_image *img = NULL;
  if (hutch_image_lookup(b->s, b->stage_ids[t], &img, err) < 0)
    return -1;
  *id = strdup(img->id);
  hutch_image_free(img);
  for (char *const *tag = b->o->tags; *id && tag && *tag; tag++)
    if (hutch_image_tag(b->s, *id, *tag, err) < 0)
      return -1;
  return *id ? 0 : hutch_error_set(err, ENOMEM, "build");
}

int hutch_build(struct hutch_engine *e, const struct hutch_build_opts *o, char **id,
                struct hutch_error **err) {
  struct builder b = {.e = e, .o = o, .ctxfd = -EBADF};
  int r = hutch_engine_store(e, &b.s, err);
  if (r == 0)
    r = build_all(&b, id, err);
  if (b.ctxfd >= 0)
    close(b.ctxfd);
  for (size_t i = 0; b.stage_ids && i < b.stages.n; i++)
    free(b.stage_ids[i]);
  free(b.stage_ids);
  hutch_ignore_free(b.ignore);
  hutch_stages_clear(&b.stages);
  hutch_dockerfile_free(b.df);
  hutch_strv_free(b.meta_args);
  return r;
}
