/* Capabilities: the five sets of process.capabilities as bitmasks, applied
 * with libcap around the uid change:
 *   1. hutch_caps_prepare(): before setuid, drop the bounding set and ask
 *      the kernel to keep permitted caps across setuid (PR_SET_KEEPCAPS);
 *   2. (caller changes uid/gid)
 *   3. hutch_caps_apply(): set effective/permitted/inheritable, then ambient. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "spec/spec.h"
#include "util/error.h"

struct hutch_caps {
  uint64_t bounding, effective, permitted, inheritable, ambient;
};

/* Unknown names → error naming the name; names the running kernel lacks
 * (above CAP_LAST_CAP) are skipped with a debug note. */
int hutch_caps_from_spec(const struct spec_capabilities *sc, struct hutch_caps *out,
                         struct hutch_error **err);
int hutch_caps_from_names(char *const *names, uint64_t *mask, struct hutch_error **err);
int hutch_cap_from_name(const char *name); /* "CAP_KILL" or "KILL" → number, -EINVAL */
int hutch_cap_last(void);                  /* /proc/sys/kernel/cap_last_cap */
int hutch_caps_prepare(const struct hutch_caps *c, struct hutch_error **err);
int hutch_caps_apply(const struct hutch_caps *c, struct hutch_error **err);
