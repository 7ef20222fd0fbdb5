/* Pure conversions of the OCI (cgroup v1 flavoured) resource values to the
 * cgroup v2 files, following the runtime-spec's cgroup v2 guidance and what
 * runc and crun write. No I/O, so they are unit-tested as tables. */
#include "linux/cgroup_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

uint64_t hutch_cgroup_shares_to_weight(uint64_t shares) {
  if (shares == 0)
    return 0;
  /* The kernel clamps shares to [2, 262144]; so do we, or the formula
   * underflows or leaves the weight range. */
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t hutch_cgroup_blkio_to_io_weight(uint64_t weight) {
  if (weight == 0)
    return 0;
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  /* Linear map of [10, 1000] onto [1, 10000], as crun does. */
  return 1 + ((weight - 10) * 9999) / 990;
}

int hutch_cgroup_swap_to_v2(int64_t memsw, int64_t limit, int64_t *out) {
  /* memory unlimited and swap unset means "both unlimited" in v1 terms. */
  if (limit == -1 && memsw == 0) {
    *out = -1;
    return 0;
  }
  if (memsw == -1 || memsw == 0) {
    *out = memsw;
    return 0;
  }
  if (limit <= 0 || memsw < limit)
    return -EINVAL;
  /* v1 limits memory+swap together; v2's swap.max is the swap part only. */
  *out = memsw - limit;
  return 0;
}

const char *hutch_cgroup_v2_limit(int64_t v, char buf[static 24]) {
  if (v < 0)
    return strcpy(buf, "max");
  snprintf(buf, 24, "%" PRId64, v);
  return buf;
}

void hutch_cgroup_cpu_max(int64_t quota, uint64_t period, char buf[static 48]) {
  if (period == 0)
    period = 100000;
  if (quota < 0)
    snprintf(buf, 48, "max %" PRIu64, period);
  else
    snprintf(buf, 48, "%" PRId64 " %" PRIu64, quota, period);
}

bool hutch_cgroup_valid_page_size(const char *s) {
  /* "2MB", "1GB", "64KB": digits then a unit; it becomes part of a file
   * name, so nothing else may pass. */
  size_t i = 0;
  while (s[i] >= '0' && s[i] <= '9')
    i++;
  if (i == 0)
    return false;
  return strcmp(s + i, "KB") == 0 || strcmp(s + i, "MB") == 0 || strcmp(s + i, "GB") == 0 ||
         strcmp(s + i, "TB") == 0 || strcmp(s + i, "PB") == 0;
}

/* runc's rules for values that mean "unset": docker writes every field of
 * linux.resources, zero for what the user did not ask for, and runc's fs
 * and fs2 managers write a file only for a non-zero value (cpuset strings:
 * non-empty; disableOOMKiller: true). Without this, a zero blkio weight
 * on a host without that file fails a spec that asks for nothing. */
/* has_F stays only for a non-zero F */
#define KEEP_NONZERO(s, f) ((s)->has_##f = (s)->has_##f && (s)->f != 0)

void hutch_cgroup_effective(const struct spec_resources *in, struct spec_resources *out) {
  *out = *in;
  struct spec_memory *m = &out->memory;
  KEEP_NONZERO(m, limit);
  KEEP_NONZERO(m, reservation);
  KEEP_NONZERO(m, swap);
  KEEP_NONZERO(m, kernel);
  KEEP_NONZERO(m, kernel_tcp);
  m->has_disable_oom_killer = m->has_disable_oom_killer && m->disable_oom_killer;
  out->has_memory = out->has_memory && (m->has_limit || m->has_reservation || m->has_swap ||
                                        m->has_kernel || m->has_kernel_tcp || m->has_swappiness ||
                                        m->has_disable_oom_killer || m->has_use_hierarchy);

  struct spec_cpu *c = &out->cpu;
  KEEP_NONZERO(c, shares);
  KEEP_NONZERO(c, quota);
  KEEP_NONZERO(c, period);
  KEEP_NONZERO(c, realtime_period);
  KEEP_NONZERO(c, realtime_runtime);
  if (c->cpus && *c->cpus == 0)
    c->cpus = NULL;
  if (c->mems && *c->mems == 0)
    c->mems = NULL;
  out->has_cpu = out->has_cpu && (c->has_shares || c->has_quota || c->has_period || c->has_burst ||
                                  c->has_realtime_period || c->has_realtime_runtime ||
                                  c->has_idle || c->cpus || c->mems);

  struct spec_blkio *b = &out->blkio;
  KEEP_NONZERO(b, weight);
  KEEP_NONZERO(b, leaf_weight);
  bool wdev = false;
  for (size_t i = 0; i < b->n_weight_device; i++)
    wdev = wdev ||
           hutch_cgroup_weight_set(b->weight_device[i].has_weight, b->weight_device[i].weight) ||
           hutch_cgroup_weight_set(b->weight_device[i].has_leaf_weight,
                                   b->weight_device[i].leaf_weight);
  out->has_blkio = out->has_blkio &&
                   (b->has_weight || b->has_leaf_weight || wdev || b->n_throttle_read_bps ||
                    b->n_throttle_write_bps || b->n_throttle_read_iops || b->n_throttle_write_iops);
}

const char *hutch_cgroup_pids_max(int64_t limit, char buf[static 24]) {
  /* runc: negative is "max"; 0 cannot be written to systemd's TasksMax,
   * so both of its drivers make it 1 (no new task at all). That is runc
   * since runtime-spec 1.3 made 0 a real limit (runc#4014); runc 1.1 and
   * crun 1.8, as installed here, still take 0 as "unset" and leave max. */
  if (limit == 0)
    limit = 1;
  return hutch_cgroup_v2_limit(limit, buf);
}
