/* docker commit: a container's changes (its overlay upper dir) as a new
 * layer on its image, with config changes in Dockerfile syntax (-c) and a
 * history entry. */
#pragma once

#include "engine/engine.h"

#include <stdbool.h>

struct hutch_commit_opts {
  char *const *changes; /* "CMD [\"sh\"]", "ENV A=1"…, NULL-ended, may be NULL */
  const char *message, *author;
  const char *name; /* REPO[:TAG], may be NULL */
  bool pause;       /* freeze a running container meanwhile */
};

int hutch_ctr_commit(struct hutch_engine *e, struct hutch_ctr *c, const struct hutch_commit_opts *o,
                     struct hutch_image **out, struct hutch_error **err);

/* Apply -c changes to bc: only the instructions docker commit takes
 * (CMD ENTRYPOINT ENV EXPOSE HEALTHCHECK LABEL ONBUILD STOPSIGNAL USER
 * VOLUME WORKDIR). */
struct hutch_build_config;
int hutch_commit_apply_changes(struct hutch_build_config *bc, char *const *changes,
                               struct hutch_error **err);
