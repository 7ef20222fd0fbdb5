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
  char diff_id[72]; /* also the blob's digest */
  uint64_t size;
};

/* A layer written by fill into the store (blob committed). */
typedef int (*hutch_layer_fill_fn)(struct hutch_tar_writer *w, void *ud, struct hutch_error **err);
int hutch_build_write_layer(struct hutch_store *s, hutch_layer_fill_fn fill, void *ud,
                            struct hutch_new_layer *out, struct hutch_error **err);
/* The overlay upper dir at path as a layer. */
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
