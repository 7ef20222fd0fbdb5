/* New images from a parent and a typed config, for build and commit:
 * layers (a container's upper dir, or COPY content) become uncompressed
 * OCI layer blobs, whose digest is their diff-id, as `hutch import`
 * stores them; push compresses them. */
#pragma once

#include "buildcfg.h"
#include "image/image.h"
#include "tarwrite.h"

#include <stdint.h>

struct hutch_new_layer {
  char diff_id[72];    /* also the blob's digest */
  char content_id[72]; /* the entries without times (tarwrite.h) */
  uint64_t size;
  char *tmp; /* written, not yet in the store (hutch_build_layer_keep/drop) */
};

/* A layer written by fill into a temporary file of the store: keep it
 * (into blobs/) or drop it (a cache hit). */
typedef int (*hutch_layer_fill_fn)(struct hutch_tar_writer *w, void *ud, struct hutch_error **err);
int hutch_build_write_layer(struct hutch_store *s, hutch_layer_fill_fn fill, void *ud,
                            struct hutch_new_layer *out, struct hutch_error **err);
int hutch_build_layer_keep(struct hutch_store *s, struct hutch_new_layer *l,
                           struct hutch_error **err);
void hutch_build_layer_drop(struct hutch_new_layer *l);
/* The overlay upper dir at path as a layer, kept. */
int hutch_build_layer_from_upper(struct hutch_store *s, const char *upper,
                                 struct hutch_new_layer *out, struct hutch_error **err);

/* Store bc as an image: parent's layers (parent NULL: none) plus layer
 * (NULL: none; its diff-id must already be in bc), named name (NULL:
 * unnamed). parent_id is recorded in the index (docker's Parent), which
 * hides intermediate build images from listings. */
int hutch_build_store_image(struct hutch_store *s, const struct hutch_image *parent,
                            const struct hutch_build_config *bc,
                            const struct hutch_new_layer *layer, const char *name,
                            struct hutch_image **out, struct hutch_error **err);

/* RFC 3339 UTC now, with nanoseconds as docker writes it. */
void hutch_build_now(char buf[64]);
