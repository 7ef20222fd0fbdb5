/* Stages of a Dockerfile; see stages.h. */
#include "stages.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void hutch_stages_clear(struct hutch_stages *st) {
  free(st->meta_args);
  free(st->v);
  free(st->all);
  memset(st, 0, sizeof(*st));
}

int hutch_stages_split(const struct hutch_dockerfile *df, struct hutch_stages *out,
                       struct hutch_error **err) {
  struct hutch_stages st = {0};
  st.meta_args = calloc(df->n + 1, sizeof(*st.meta_args));
  st.v = calloc(df->n + 1, sizeof(*st.v));
  st.all = calloc(df->n + 1, sizeof(*st.all));
  if (!st.meta_args || !st.v || !st.all) {
    hutch_stages_clear(&st);
    return hutch_error_set(err, ENOMEM, "stages");
  }
  size_t k = 0;
  for (size_t i = 0; i < df->n; i++) {
    const struct hutch_df_instr *in = &df->v[i];
    if (in->kind == HUTCH_DF_FROM) {
      struct hutch_stage *s = &st.v[st.n++];
      s->from = in;
      s->name = in->args[1] ? in->args[2] : NULL;
      s->v = &st.all[k];
      for (size_t j = 0; j + 1 < st.n; j++)
        if (s->name && st.v[j].name && strcasecmp(s->name, st.v[j].name) == 0) {
          hutch_stages_clear(&st);
          return hutch_error_say(err, EINVAL, "Dockerfile:%d: duplicate stage name \"%s\"",
                                 in->line, in->args[2]);
        }
    } else if (st.n == 0) {
      st.meta_args[st.n_meta++] = in;
    } else {
      st.all[k++] = in;
      st.v[st.n - 1].n++;
    }
  }
  *out = st;
  return 0;
}

int hutch_stage_find(const struct hutch_stages *st, const char *ref, size_t before) {
  for (size_t i = 0; i < before && i < st->n; i++)
    if (st->v[i].name && strcasecmp(st->v[i].name, ref) == 0)
      return (int)i;
  char *end;
  long n = strtol(ref, &end, 10);
  if (*ref && !*end && isdigit((unsigned char)*ref) && n >= 0 && (size_t)n < before)
    return (int)n;
  return -1;
}

static void mark(struct hutch_stages *st, size_t i) {
  if (st->v[i].needed)
    return;
  st->v[i].needed = true;
  int dep = hutch_stage_find(st, st->v[i].from->args[0], i);
  if (dep >= 0)
    mark(st, (size_t)dep);
  for (size_t j = 0; j < st->v[i].n; j++) {
    const struct hutch_df_instr *in = st->v[i].v[j];
    const char *f =
        in->kind == HUTCH_DF_COPY || in->kind == HUTCH_DF_ADD ? hutch_df_flag(in, "from") : NULL;
    int d = f ? hutch_stage_find(st, f, i) : -1;
    if (d >= 0)
      mark(st, (size_t)d);
  }
}

int hutch_stages_mark(struct hutch_stages *st, const char *target, size_t *target_idx,
                      struct hutch_error **err) {
  int t = (int)st->n - 1;
  if (target) {
    t = -1;
    for (size_t i = 0; i < st->n; i++)
      if (st->v[i].name && strcasecmp(st->v[i].name, target) == 0)
        t = (int)i;
    if (t < 0)
      return hutch_error_say(err, ENOENT, "target stage \"%s\" could not be found", target);
  }
  mark(st, (size_t)t);
  *target_idx = (size_t)t;
  return 0;
}
