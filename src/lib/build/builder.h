/* The builder's internal state, shared by builder.c (stages, FROM,
 * metadata steps, the cache) and steps.c (RUN, COPY, ADD). Private. */
#pragma once

#include "build.h"
#include "buildcfg.h"
#include "dockerfile.h"
#include "dockerignore.h"
#include "image_write.h"
#include "stages.h"

struct builder {
  struct hutch_engine *e;
  struct hutch_store *s;
  const struct hutch_build_opts *o;
  struct hutch_dockerfile *df;
  struct hutch_stages stages;
  struct hutch_ignore *ignore;
  int ctxfd;
  char **meta_args; /* the global ARGs with their values, "K=V" */
  char **stage_ids; /* each built stage's image id, NULL when not built */
  int step, n_steps;
};

/* Where a stage is: its current image (NULL: scratch, nothing yet) and
 * config; the ARGs it declared with their values. */
struct stage_state {
  struct hutch_image *img;
  struct hutch_build_config *bc;
  char **args; /* "K=V" */
  size_t index;
};

/* Variable lookup for expansion: ENV, then the stage's ARGs. */
const char *hutch_builder_lookup(void *ud, const char *name);
struct hutch_build_vars hutch_builder_vars(struct builder *b, struct stage_state *st);

/* Step output, unless quiet. */
void hutch_builder_say(struct builder *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A new image for st: its config (with a history entry for
 * created_by/empty_layer, stamped now) on its image plus layer (NULL:
 * none); st->img becomes it, and the cache records key → it. */
int hutch_builder_commit(struct builder *b, struct stage_state *st, const char *created_by,
                         struct hutch_new_layer *layer, const char *key, struct hutch_error **err);

int hutch_builder_run(struct builder *b, struct stage_state *st, const struct hutch_df_instr *in,
                      const char *key, struct hutch_error **err);
/* COPY/ADD: the layer is written first; its content id completes the
 * cache key (key_base), then cached() says whether the step is done. */
int hutch_builder_copy(struct builder *b, struct stage_state *st, const struct hutch_df_instr *in,
                       const char *key_base,
                       int (*cached)(struct builder *, struct stage_state *, const char *key,
                                     struct hutch_error **),
                       struct hutch_error **err);

/* The layer cache (cache.c): key from the parent image, the instruction
 * and extra text (build args, content digest). */
void hutch_build_cache_key(const struct hutch_image *parent, const char *text, const char *extra,
                           char key[72]);
/* 1 and *img when key has an image still in the store, 0 when not. */
int hutch_build_cache_get(struct hutch_store *s, const char *key, struct hutch_image **img,
                          struct hutch_error **err);
int hutch_build_cache_put(struct hutch_store *s, const char *key, const char *manifest_digest,
                          struct hutch_error **err);
