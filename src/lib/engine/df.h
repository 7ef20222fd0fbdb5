/* docker system df: what images, containers and volumes take on disk,
 * and what a prune would give back. */
#pragma once

#include <stdint.h>

#include "engine.h"

struct hutch_df_volume {
  char *name;
  int links; /* containers that mount it */
  int64_t size;
};

struct hutch_df {
  struct hutch_image **images; /* hutch_image_list()'s */
  size_t n_images;
  int *image_users;        /* containers per image, same order */
  int64_t *image_shared;   /* bytes of its layers another image has too */
  struct hutch_ctr **ctrs; /* with their configuration */
  size_t n_ctrs;
  int64_t *ctr_size; /* the overlay's upper dir */
  int *ctr_volumes;  /* volumes each mounts */
  struct hutch_df_volume *volumes;
  size_t n_volumes;
};

int hutch_engine_df(struct hutch_engine *e, struct hutch_df *df, struct hutch_error **err);
void hutch_df_clear(struct hutch_df *df);

/* The summary rows: count, active, size, reclaimable bytes. */
struct hutch_df_row {
  const char *type; /* "Images", "Containers", "Local Volumes", "Build Cache" */
  long total, active;
  int64_t size, reclaimable;
};
/* rows[4] from df. */
void hutch_df_summary(struct hutch_engine *e, const struct hutch_df *df,
                      struct hutch_df_row rows[4]);
