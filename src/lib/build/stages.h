/* A parsed Dockerfile cut into stages (FROM … up to the next FROM), the
 * global ARGs before the first FROM, and which stages a target needs
 * (FROM <stage>, COPY --from=<stage>). Pure. */
#pragma once

#include "dockerfile.h"

#include <stdbool.h>

struct hutch_stage {
  const struct hutch_df_instr *from;
  const char *name;                      /* AS name as written, or NULL */
  const struct hutch_df_instr *const *v; /* the instructions after FROM */
  size_t n;
  bool needed;
};

struct hutch_stages {
  const struct hutch_df_instr **meta_args; /* ARGs before the first FROM */
  size_t n_meta;
  struct hutch_stage *v;
  size_t n;
  const struct hutch_df_instr **all; /* storage for the stages' v */
};

int hutch_stages_split(const struct hutch_dockerfile *df, struct hutch_stages *out,
                       struct hutch_error **err);
void hutch_stages_clear(struct hutch_stages *st);
/* The stage a name or index ("0", "build") refers to among the first
 * `before` stages: its index, or -1. */
int hutch_stage_find(const struct hutch_stages *st, const char *ref, size_t before);
/* Mark target (NULL: the last) and what it needs; *target_idx set.
 * Names are compared case-insensitively, as docker does. */
int hutch_stages_mark(struct hutch_stages *st, const char *target, size_t *target_idx,
                      struct hutch_error **err);
