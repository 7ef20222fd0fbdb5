/* docker update: new resource limits and restart policy for a container,
 * applied live through the runtime's cgroup update when it runs, and
 * kept in its record and bundle for its next start. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct hutch_update_opts {
  /* each value counts only with its has_ flag */
  bool has_memory, has_memory_swap, has_memory_reservation, has_nano_cpus, has_cpu_shares,
      has_cpu_quota, has_cpu_period, has_pids_limit, has_blkio_weight;
  int64_t memory, memory_swap, memory_reservation; /* bytes; swap -1: unlimited */
  int64_t nano_cpus, cpu_shares, cpu_quota, cpu_period, pids_limit, blkio_weight;
  const char *cpuset_cpus; /* NULL: unchanged */
  const char *restart;     /* NULL: unchanged; "no", "always", "on-failure[:N]"… */
};

/* true when u changes anything (docker refuses an update without flags). */
bool hutch_update_any(const struct hutch_update_opts *u);
/* Check u on its own and against the host (docker's rules and messages):
 * 0, or -EINVAL with *err. */
int hutch_update_validate(const struct hutch_update_opts *u, long ncpu, struct hutch_error **err);
/* Does this host's blkio (v1) or io (v2) controller take a weight?
 * docker discards --blkio-weight with a warning where it does not. */
bool hutch_blkio_weight_supported(void);
/* The OCI linux.resources object u sets (a new reference). */
json_t *hutch_update_resources(const struct hutch_update_opts *u);
/* Apply u to c (locks it): live when it runs, then its bundle and record. */
int hutch_ctr_update(struct hutch_engine *e, struct hutch_ctr *c, const struct hutch_update_opts *u,
                     struct hutch_error **err);
