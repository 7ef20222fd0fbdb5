/* docker push: an image of the store to its registry, as a Docker v2
 * schema 2 manifest (the default, as docker pushes) or an OCI manifest.
 * Layers the store keeps uncompressed (built, committed, imported) are
 * gzipped on the way, deterministically; pulled ones go as they came. */
#pragma once

#include "image.h"

struct hutch_push_event {
  const char *digest; /* a blob, or the manifest's at the end */
  enum hutch_blob_push how;
  const char *mounted_from; /* HUTCH_BLOB_MOUNTED */
  const char *tag;          /* the end: tag and manifest size */
  size_t size;
};

struct hutch_push_opts {
  bool oci; /* --format oci */
  struct hutch_registry_opts registry;
  uint64_t chunk; /* upload in PATCHes of this many bytes above it; 0: one PUT */
  void (*progress)(void *ud, const struct hutch_push_event *ev);
  void *ud;
};

/* name: how the image is known in the store and where it goes. */
int hutch_image_push(struct hutch_store *s, const char *name, const struct hutch_push_opts *o,
                     struct hutch_error **err);
