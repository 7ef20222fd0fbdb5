/* The metadata instructions on a typed image config; see buildcfg.h
 * (hutch_build_apply). Words are expanded as docker's dispatchers expand
 * them: ENV, LABEL, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL; CMD,
 * ENTRYPOINT, HEALTHCHECK, SHELL and ONBUILD keep their text. */
#include "buildcfg.h"

#include "dockerignore.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int expand(const struct hutch_build_vars *v, const char *w, char **out,
                  struct hutch_error **err) {
  return hutch_shlex_expand(w, v->escape, v->lookup, v->ud, out, err);
}

static const char *const default_shell[] = {"/bin/sh", "-c", NULL};

char **hutch_build_command(const struct hutch_build_config *bc, const struct hutch_df_instr *in) {
  if (in->json)
    return hutch_strv_dup(in->args);
  char **v = hutch_strv_dup(bc->shell ? bc->shell : (char *const *)default_shell);
  if (v && hutch_strv_push(&v, in->args[0]) < 0) {
    hutch_strv_free(v);
    return NULL;
  }
  return v;
}

/* ENV and LABEL: key/value pairs, both expanded. */
static int apply_pairs(char ***target, const struct hutch_df_instr *in,
                       const struct hutch_build_vars *v, struct hutch_error **err) {
  for (size_t i = 0; in->args[i] && in->args[i + 1]; i += 2) {
    _cleanup_free_ char *k = NULL, *val = NULL;
    if (expand(v, in->args[i], &k, err) < 0 || expand(v, in->args[i + 1], &val, err) < 0)
      return -1;
    if (hutch_kv_set(target, k, val) < 0)
      return hutch_error_set(err, ENOMEM, "%s", in->original);
  }
  return 0;
}

static int add_unique(char ***v, const char *s) {
  for (size_t i = 0; *v && (*v)[i]; i++)
    if (strcmp((*v)[i], s) == 0)
      return 0;
  if (!*v && !(*v = calloc(1, sizeof(char *))))
    return -ENOMEM;
  return hutch_strv_push(v, s);
}

/* "80", "80/udp", "8000-8002/tcp" → "80/tcp"… */
static int expose(char ***ports, const char *spec, struct hutch_error **err) {
  const char *slash = strchr(spec, '/');
  _cleanup_free_ char *proto = strdup(slash ? slash + 1 : "tcp");
  if (!proto)
    return hutch_error_set(err, ENOMEM, "EXPOSE");
  for (char *p = proto; *p; p++)
    *p = (char)tolower((unsigned char)*p);
  char *end;
  long lo = strtol(spec, &end, 10), hi = lo;
  if (*end == '-')
    hi = strtol(end + 1, &end, 10);
  if (end == spec || (*end && *end != '/') || lo < 1 || hi > 65535 || hi < lo ||
      (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
    return hutch_error_say(err, EINVAL, "EXPOSE: invalid port %s", spec);
  for (long p = lo; p <= hi; p++) {
    char s[32];
    snprintf(s, sizeof(s), "%ld/%s", p, proto);
    if (add_unique(ports, s) < 0)
      return hutch_error_set(err, ENOMEM, "EXPOSE");
  }
  return 0;
}

static int apply_health(struct hutch_build_config *bc, const struct hutch_df_instr *in,
                        struct hutch_error **err) {
  struct hutch_build_health *h = calloc(1, sizeof(*h));
  if (!h)
    return hutch_error_set(err, ENOMEM, "HEALTHCHECK");
  int r = 0;
  if (!in->json && in->args[0] && strcmp(in->args[0], "NONE") == 0 && in->n_flags == 0) {
    h->test = calloc(2, sizeof(char *));
    r = h->test && (h->test[0] = strdup("NONE")) ? 0 : -ENOMEM;
  } else {
    h->test = calloc(1, sizeof(char *));
    r = h->test ? hutch_strv_push(&h->test, in->json ? "CMD" : "CMD-SHELL") : -ENOMEM;
    for (size_t i = 0; r == 0 && in->args[i]; i++)
      r = hutch_strv_push(&h->test, in->args[i]);
  }
  static const char *const names[] = {"interval", "timeout", "start-period", "start-interval"};
  int64_t *vals[] = {&h->interval, &h->timeout, &h->start_period, &h->start_interval};
  for (size_t i = 0; r == 0 && i < 4; i++) {
    const char *f = hutch_df_flag(in, names[i]);
    if (f && hutch_parse_go_duration(f, vals[i]) < 0)
      r = hutch_error_say(err, EINVAL, "HEALTHCHECK: invalid --%s: %s", names[i], f);
  }
  const char *rt = hutch_df_flag(in, "retries");
  if (r == 0 && rt && hutch_parse_int64(rt, 0, INT32_MAX, &h->retries) < 0)
    r = hutch_error_say(err, EINVAL, "HEALTHCHECK: invalid --retries: %s", rt);
  if (r < 0) {
    hutch_strv_free(h->test);
    free(h);
    return r == -ENOMEM ? hutch_error_set(err, ENOMEM, "HEALTHCHECK") : r;
  }
  if (bc->health)
    hutch_strv_free(bc->health->test);
  free(bc->health);
  bc->health = h;
  return 0;
}

/* One expanded word (USER, STOPSIGNAL, WORKDIR). */
static int one_word(const struct hutch_df_instr *in, const struct hutch_build_vars *v, char **out,
                    struct hutch_error **err) {
  return expand(v, in->args[0], out, err);
}

static int workdir(struct hutch_image_config *c, const char *dir, struct hutch_error **err) {
  _cleanup_free_ char *joined = NULL;
  if (asprintf(&joined, "%s/%s", dir[0] == '/' ? "" : (c->working_dir ?: "/"), dir) < 0)
    return hutch_error_set(err, ENOMEM, "WORKDIR");
  char *clean = hutch_path_clean(joined[0] == '/' ? joined : joined);
  if (!clean)
    return hutch_error_set(err, ENOMEM, "WORKDIR");
  free(c->working_dir);
  c->working_dir = clean;
  return 0;
}

static int words_each(const struct hutch_df_instr *in, const struct hutch_build_vars *v,
                      int (*fn)(struct hutch_image_config *, const char *, struct hutch_error **),
                      struct hutch_image_config *c, struct hutch_error **err) {
  for (size_t i = 0; in->args[i]; i++) {
    _cleanup_free_ char *w = NULL;
    if (expand(v, in->args[i], &w, err) < 0 || fn(c, w, err) < 0)
      return -1;
  }
  return 0;
}

static int expose_one(struct hutch_image_config *c, const char *w, struct hutch_error **err) {
  return expose(&c->exposed_ports, w, err);
}

static int volume_one(struct hutch_image_config *c, const char *w, struct hutch_error **err) {
  if (!*w)
    return hutch_error_say(err, EINVAL, "VOLUME specified can not be an empty string");
  return add_unique(&c->volumes, w) < 0 ? hutch_error_set(err, ENOMEM, "VOLUME") : 0;
}

static int replace_strv(char ***slot, char **v, struct hutch_error **err) {
  if (!v)
    return hutch_error_set(err, ENOMEM, "config");
  hutch_strv_free(*slot);
  *slot = v;
  return 0;
}

static int apply_kind(struct hutch_build_config *bc, const struct hutch_df_instr *in,
                      const struct hutch_build_vars *v, struct hutch_error **err) {
  struct hutch_image_config *c = bc->c;
  _cleanup_free_ char *w = NULL;
  switch (in->kind) {
  case HUTCH_DF_ENV:
    return apply_pairs(&c->env, in, v, err);
  case HUTCH_DF_LABEL:
    return apply_pairs(&c->labels, in, v, err);
  case HUTCH_DF_CMD:
    bc->cmd_set = true;
    return replace_strv(&c->cmd, hutch_build_command(bc, in), err);
  case HUTCH_DF_ENTRYPOINT:
    if (!bc->cmd_set) { /* docker: a new ENTRYPOINT drops an inherited CMD */
      hutch_strv_free(c->cmd);
      c->cmd = NULL;
    }
    return replace_strv(&c->entrypoint, hutch_build_command(bc, in), err);
  case HUTCH_DF_SHELL:
    return replace_strv(&bc->shell, hutch_strv_dup(in->args), err);
  case HUTCH_DF_ONBUILD:
    if (!bc->onbuild && !(bc->onbuild = calloc(1, sizeof(char *))))
      return hutch_error_set(err, ENOMEM, "ONBUILD");
    return hutch_strv_push(&bc->onbuild, in->args[0]) < 0 ? hutch_error_set(err, ENOMEM, "ONBUILD")
                                                          : 0;
  case HUTCH_DF_HEALTHCHECK:
    return apply_health(bc, in, err);
  case HUTCH_DF_EXPOSE:
    return words_each(in, v, expose_one, c, err);
  case HUTCH_DF_VOLUME:
    return words_each(in, v, volume_one, c, err);
  case HUTCH_DF_WORKDIR:
    return one_word(in, v, &w, err) < 0 ? -1 : workdir(c, w, err);
  case HUTCH_DF_USER:
    if (one_word(in, v, &w, err) < 0)
      return -1;
    free(c->user);
    c->user = TAKE_PTR(w);
    return 0;
  case HUTCH_DF_STOPSIGNAL:
    if (one_word(in, v, &w, err) < 0)
      return -1;
    if (hutch_parse_signal(w) < 0)
      return hutch_error_say(err, EINVAL, "STOPSIGNAL: invalid signal: %s", w);
    free(c->stop_signal);
    c->stop_signal = TAKE_PTR(w);
    return 0;
  case HUTCH_DF_MAINTAINER:
    free(c->author);
    c->author = strdup(in->args[0]);
    return 0;
  default:
    return hutch_error_say(err, ENOTSUP, "%s is not a configuration instruction",
                           hutch_df_kind_name(in->kind));
  }
}

int hutch_build_apply(struct hutch_build_config *bc, const struct hutch_df_instr *in,
                      const struct hutch_build_vars *v, struct hutch_error **err) {
  return apply_kind(bc, in, v, err);
}
