/* An image for run, create and build's FROM: looked up in the store,
 * pulled when missing (or always), never with "never"; docker.io's
 * busybox comes from the host's busybox-static (busybox.c) when it is
 * not in the store, so tests and demos need no registry. */
#include "engine.h"

#include "image/reference.h"
#include "util/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int hutch_engine_image_get(struct hutch_engine *e, const char *ref, const char *pull,
                           const char *platform, struct hutch_image **img,
                           struct hutch_error **err) {
  struct hutch_store *s;
  if (hutch_engine_store(e, &s, err) < 0)
    return -1;
  struct hutch_pull_opts po = {.platform = platform};
  if (pull && strcmp(pull, "always") == 0)
    return hutch_image_pull(s, ref, &po, img, err);
  struct hutch_error *lerr = NULL;
  if (hutch_image_lookup(s, ref, img, &lerr) == 0)
    return 0;
  int code = hutch_error_code(lerr);
  hutch_error_free(lerr);
  if (code != -ENOENT || (pull && strcmp(pull, "never") == 0))
    return hutch_image_lookup(s, ref, img, err);
  _cleanup_reference_ struct hutch_reference *r = NULL;
  if (hutch_reference_parse(ref, &r, NULL) == 0) {
    _cleanup_free_ char *full = hutch_reference_string(r);
    if (full && strcmp(full, "docker.io/library/busybox:latest") == 0)
      return hutch_engine_busybox_image(e, img, err);
  }
  fprintf(stderr, "Unable to find image '%s' locally\n", ref);
  return hutch_image_pull(s, ref, &po, img, err);
}
