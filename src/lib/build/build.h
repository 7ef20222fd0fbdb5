/* hutch build: a Dockerfile into images, as docker's classic builder
 * does it: every instruction makes an image (metadata-only steps an
 * empty layer), RUN through a temporary engine container whose upper dir
 * becomes the layer, COPY/ADD as a layer written from the context; a
 * cache of (parent image, instruction, content) → image in the store;
 * only the stages the target needs are built. */
#pragma once

#include "engine/engine.h"

#include <stdbool.h>
#include <stdio.h>

struct hutch_build_opts {
  const char *context;         /* a directory */
  const char *dockerfile;      /* its path; NULL: <context>/Dockerfile */
  const char *dockerfile_text; /* given instead (stdin), or NULL */
  char *const *tags;           /* -t, NULL-ended, may be NULL */
  char *const *build_args;     /* --build-arg K=V (or K: from our environment) */
  char *const *labels;         /* --label K=V */
  const char *target;          /* --target STAGE */
  const char *network;         /* none | host | default (NULL) */
  const char *platform;        /* --platform for pulls */
  bool no_cache, pull, quiet;
  FILE *out; /* the step display (stdout; -q: NULL) */
};

/* Build; *id gets the final image's id (sha256:…). */
int hutch_build(struct hutch_engine *e, const struct hutch_build_opts *o, char **id,
                struct hutch_error **err);
