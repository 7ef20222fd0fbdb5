/* cgroup v2 backend: one directory in the unified hierarchy, controllers
 * enabled in the ancestors' cgroup.subtree_control as the resources need
 * them, the OCI (v1-flavoured) values converted to v2 files
 * (cgroup_convert.c), cgroup.freeze/cgroup.events, cgroup.kill, the device
 * eBPF program (cgroup_v2_devices.c), and v2 stats in runc's shape. */
#include "linux/cgroup_internal.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static bool word_in(const char *list, const char *word) {
  size_t n = strlen(word);
  for (const char *p = list; p && *p;) {
    while (*p == ' ' || *p == '\n')
      p++;
    size_t l = strcspn(p, " \n");
    if (l == n && strncmp(p, word, n) == 0)
      return true;
    p += l;
  }
  return false;
}

/* Controllers the resources need, from the unified keys too ("memory.high"). */
static int needed_controllers(const struct spec_resources *res, char ***out) {
  int r = 0;
  const struct spec_cpu *c = &res->cpu;
  if (res->has_memory)
    r |= hutch_strv_push(out, "memory");
  if (res->has_cpu &&
      (c->has_shares || c->has_quota || c->has_period || c->has_burst || c->has_idle))
    r |= hutch_strv_push(out, "cpu");
  if (res->has_cpu && (c->cpus || c->mems))
    r |= hutch_strv_push(out, "cpuset");
  if (res->has_pids)
    r |= hutch_strv_push(out, "pids");
  if (res->has_blkio)
    r |= hutch_strv_push(out, "io");
  if (res->n_hugepage_limits)
    r |= hutch_strv_push(out, "hugetlb");
  for (size_t i = 0; i < res->n_unified; i++) {
    const char *k = res->unified[i].key;
    size_t l = strcspn(k, ".");
    if (k[l] == 0 || strncmp(k, "cgroup", l) == 0)
      continue;
    _cleanup_free_ char *ctl = strndup(k, l);
    r |= ctl ? hutch_strv_push(out, ctl) : -ENOMEM;
  }
  return r < 0 ? -ENOMEM : 0;
}

struct enable_ctx {
  char **ctls;
  struct hutch_error **err;
};

/* Entering level `cur` needs the controllers in its parent's subtree_control. */
static int enable_in_parent(const char *parent, const char *cur, void *ud) {
  struct enable_ctx *c = ud;
  _cleanup_free_ char *avail = NULL, *enabled = NULL;
  int r = hutch_cgroup_read(parent, "cgroup.controllers", &avail);
  if (r < 0)
    return hutch_error_set(c->err, r, "read %s/cgroup.controllers", parent);
  r = hutch_cgroup_read(parent, "cgroup.subtree_control", &enabled);
  if (r < 0)
    return hutch_error_set(c->err, r, "read %s/cgroup.subtree_control", parent);
  for (char **ctl = c->ctls; *ctl; ctl++) {
    if (word_in(enabled, *ctl))
      continue;
    if (!word_in(avail, *ctl))
      return hutch_error_set(c->err, EOPNOTSUPP, "cgroup v2: controller %s is not available in %s",
                             *ctl, parent);
    if ((r = hutch_cgroup_writef(parent, "cgroup.subtree_control", c->err, "+%s", *ctl)) < 0)
      return r;
  }
  return 0;
}

/* Enable each needed controller from the hierarchy root down to our
 * parent; only the ones asked for, so a host's hierarchy is not changed
 * beyond what the container needs. */
int hutch_cgroup_v2_enable(const struct hutch_cgroup_dir *d, char **ctls,
                           struct hutch_error **err) {
  if (ctls == NULL)
    return 0;
  struct enable_ctx c = {ctls, err};
  int r = hutch_cgroup_walk(d, enable_in_parent, &c);
  return r == -ENOMEM ? hutch_error_set(err, r, "subtree_control %s", d->dir) : r;
}

static int v2_setup(struct hutch_cgroup *cg, const struct spec_resources *res,
                    struct hutch_error **err) {
  return 0; /* controllers are enabled by apply, for create and update alike */
}

static int apply_memory(const char *d, const struct spec_memory *m, struct hutch_error **err) {
  char buf[24];
  int r;
  if ((r = hutch_cgroup_check_before_update(d, "memory.current", m, err)) < 0)
    return r;
  if (m->has_limit &&
      (r = hutch_cgroup_write(d, "memory.max", hutch_cgroup_v2_limit(m->limit, buf), err)) < 0)
    return r;
  if (m->has_reservation &&
      (r = hutch_cgroup_write(d, "memory.low", hutch_cgroup_v2_limit(m->reservation, buf), err)) <
          0)
    return r;
  if (m->has_swap || (m->has_limit && m->limit == -1)) {
    int64_t limit = m->limit;
    if (!m->has_limit) {
      uint64_t cur = 0;
      if ((r = hutch_cgroup_read_u64(d, "memory.max", &cur)) < 0)
        return hutch_error_set(err, r, "read %s/memory.max", d);
      limit = cur == UINT64_MAX ? -1 : (int64_t)cur;
    }
    int64_t swap = 0;
    if (hutch_cgroup_swap_to_v2(m->has_swap ? m->swap : 0, limit, &swap) < 0)
      return hutch_error_set(err, EINVAL,
                             "linux.resources.memory.swap: %" PRId64
                             " cannot be set with memory limit %" PRId64
                             " (it is memory+swap: needs a limit and must be >= it)",
                             m->swap, limit);
    if (swap != 0) {
      if (hutch_cgroup_has_file(d, "memory.swap.max")) {
        if ((r = hutch_cgroup_write(d, "memory.swap.max", hutch_cgroup_v2_limit(swap, buf), err)) <
            0)
          return r;
      } else {
        hutch_debug("cgroup: no memory.swap.max (swap accounting off), ignoring swap");
      }
    }
  }
  if (m->has_kernel || m->has_kernel_tcp)
    hutch_debug("cgroup: v2 has no kernel memory limits, ignoring memory.kernel/kernelTCP");
  if (m->has_swappiness)
    hutch_debug("cgroup: v2 has no per-cgroup swappiness, ignoring memory.swappiness");
  if (m->has_disable_oom_killer && m->disable_oom_killer)
    hutch_debug("cgroup: v2 cannot disable the OOM killer, ignoring disableOOMKiller");
  return 0;
}

static int apply_cpu(const char *d, const struct spec_cpu *c, struct hutch_error **err) {
  int r;
  if (c->has_shares && c->shares) {
    uint64_t w = hutch_cgroup_shares_to_weight(c->shares);
    if ((r = hutch_cgroup_writef(d, "cpu.weight", err, "%" PRIu64, w)) < 0)
      return r;
  }
  if (c->has_quota || c->has_period) {
    /* cpu.max holds both: keep the half that was not given */
    int64_t quota = -1;
    uint64_t period = 100000;
    _cleanup_free_ char *cur = NULL;
    if (hutch_cgroup_read(d, "cpu.max", &cur) == 0) {
      char q[32];
      unsigned long long p;
      if (sscanf(cur, "%31s %llu", q, &p) == 2) {
        quota = strcmp(q, "max") == 0 ? -1 : strtoll(q, NULL, 10);
        period = p;
      }
    }
    if (c->has_quota)
      quota = c->quota;
    if (c->has_period)
      period = c->period;
    char buf[48];
    hutch_cgroup_cpu_max(quota, period, buf);
    if ((r = hutch_cgroup_write(d, "cpu.max", buf, err)) < 0)
      return r;
  }
  if (c->has_burst && (r = hutch_cgroup_writef(d, "cpu.max.burst", err, "%" PRIu64, c->burst)) < 0)
    return r;
  if (c->has_idle && (r = hutch_cgroup_writef(d, "cpu.idle", err, "%" PRId64, c->idle)) < 0)
    return r;
  if ((c->has_realtime_runtime && c->realtime_runtime) ||
      (c->has_realtime_period && c->realtime_period))
    return hutch_error_set(err, EOPNOTSUPP,
                           "linux.resources.cpu.realtimeRuntime/realtimePeriod: cgroup v2 has no "
                           "realtime budget");
  if (c->cpus && (r = hutch_cgroup_write(d, "cpuset.cpus", c->cpus, err)) < 0)
    return r;
  if (c->mems && (r = hutch_cgroup_write(d, "cpuset.mems", c->mems, err)) < 0)
    return r;
  return 0;
}

static int io_max(const char *d, const char *key, const struct spec_throttle_device *t, size_t n,
                  struct hutch_error **err) {
  for (size_t i = 0; i < n; i++) {
    int r = hutch_cgroup_writef(d, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major,
                                t[i].minor, key, t[i].rate);
    if (r < 0)
      return r;
  }
  return 0;
}

static int apply_io(const char *d, const struct spec_blkio *b, struct hutch_error **err) {
  int r;
  /* BFQ takes blkio's own [1, 1000] range; io.weight wants [1, 10000]. */
  bool bfq = hutch_cgroup_has_file(d, "io.bfq.weight");
  if (b->has_weight) {
    if (bfq)
      r = hutch_cgroup_writef(d, "io.bfq.weight", err, "%u", b->weight);
    else
      r = hutch_cgroup_writef(d, "io.weight", err, "default %" PRIu64,
                              hutch_cgroup_blkio_to_io_weight(b->weight));
    if (r < 0)
      return r;
  }
  if (b->has_leaf_weight)
    hutch_debug("cgroup: v2 has no leaf weight, ignoring blockIO.leafWeight");
  for (size_t i = 0; i < b->n_weight_device; i++) {
    const struct spec_weight_device *w = &b->weight_device[i];
    if (!hutch_cgroup_weight_set(w->has_weight, w->weight))
      continue;
    if (bfq)
      r = hutch_cgroup_writef(d, "io.bfq.weight", err, "%" PRId64 ":%" PRId64 " %u", w->major,
                              w->minor, w->weight);
    else
      r = hutch_cgroup_writef(d, "io.weight", err, "%" PRId64 ":%" PRId64 " %" PRIu64, w->major,
                              w->minor, hutch_cgroup_blkio_to_io_weight(w->weight));
    if (r < 0)
      return r;
  }
  if ((r = io_max(d, "rbps", b->throttle_read_bps, b->n_throttle_read_bps, err)) < 0 ||
      (r = io_max(d, "wbps", b->throttle_write_bps, b->n_throttle_write_bps, err)) < 0 ||
      (r = io_max(d, "riops", b->throttle_read_iops, b->n_throttle_read_iops, err)) < 0 ||
      (r = io_max(d, "wiops", b->throttle_write_iops, b->n_throttle_write_iops, err)) < 0)
    return r;
  return 0;
}

static int v2_apply(struct hutch_cgroup *cg, const struct spec_resources *res,
                    struct hutch_error **err) {
  struct hutch_cgroup_dir *dir = &cg->dirs[0];
  const char *d = dir->dir;
  int r;
  if (res->has_class_id || res->n_net_priorities)
    return hutch_error_set(err, EOPNOTSUPP,
                           "linux.resources.network: net_cls/net_prio exist only on cgroup v1");
  _cleanup_strv_ char **ctls = NULL;
  if (needed_controllers(res, &ctls) < 0)
    return hutch_error_set(err, ENOMEM, "cgroup v2 controllers");
  if ((r = hutch_cgroup_v2_enable(dir, ctls, err)) < 0)
    return r;
  if (res->has_memory && (r = apply_memory(d, &res->memory, err)) < 0)
    return r;
  if (res->has_cpu && (r = apply_cpu(d, &res->cpu, err)) < 0)
    return r;
  if (res->has_pids) {
    char buf[24];
    if ((r = hutch_cgroup_write(d, "pids.max", hutch_cgroup_pids_max(res->pids_limit, buf), err)) <
        0)
      return r;
  }
  if (res->has_blkio && (r = apply_io(d, &res->blkio, err)) < 0)
    return r;
  if (res->n_hugepage_limits > 0 && (r = hutch_cgroup_write_hugetlb(d, res, true, err)) < 0)
    return r;
  if (res->n_devices > 0 &&
      (r = hutch_cgroup_v2_devices_apply(d, res->devices, res->n_devices, err)) < 0)
    return r;
  for (size_t i = 0; i < res->n_unified; i++) {
    const char *k = res->unified[i].key;
    /* a key names a file in our directory, nothing else */
    if (*k == 0 || *k == '.' || strchr(k, '/'))
      return hutch_error_set(err, EINVAL, "linux.resources.unified: bad key \"%s\"", k);
    if ((r = hutch_cgroup_write(d, k, res->unified[i].value, err)) < 0)
      return hutch_error_wrap(err, "linux.resources.unified[%s]", k);
  }
  return 0;
}

static int v2_freeze(struct hutch_cgroup *cg, bool frozen, struct hutch_error **err) {
  const char *d = cg->dirs[0].dir;
  int r = hutch_cgroup_write(d, "cgroup.freeze", frozen ? "1" : "0", err);
  if (r < 0)
    return r;
  r = hutch_cgroup_wait_line(d, "cgroup.events", frozen ? "frozen 1" : "frozen 0", 2000);
  if (r < 0)
    return hutch_error_set(err, r, "%s: cgroup.events did not report frozen %d", d, frozen);
  return 0;
}

static int v2_is_frozen(struct hutch_cgroup *cg) {
  uint64_t v = 0;
  int r = hutch_cgroup_read_key(cg->dirs[0].dir, "cgroup.events", "frozen", &v);
  return r < 0 ? r : v != 0;
}

static int v2_kill(struct hutch_cgroup *cg, int sig, struct hutch_error **err) {
  struct hutch_cgroup_dir *d = &cg->dirs[0];
  /* cgroup.kill (5.14+) kills the whole subtree atomically, forks included. */
  if (sig == SIGKILL && hutch_cgroup_has_file(d->dir, "cgroup.kill"))
    return hutch_cgroup_write(d->dir, "cgroup.kill", "1", err);
  return hutch_cgroup_kill_frozen(cg, d, sig, err);
}

static json_t *entry(uint64_t limit, uint64_t usage, uint64_t max, uint64_t failcnt) {
  return json_pack("{s:I,s:I,s:I,s:I}", "limit", (json_int_t)limit, "usage", (json_int_t)usage,
                   "max", (json_int_t)max, "failcnt", (json_int_t)failcnt);
}

/* io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" */
static void io_stats(const char *d, json_t *bytes, json_t *ios) {
  _cleanup_free_ char *s = NULL;
  if (hutch_cgroup_read(d, "io.stat", &s) < 0)
    return;
  char *save = NULL;
  for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    unsigned maj, min;
    unsigned long long rb = 0, wb = 0, ri = 0, wi = 0;
    if (sscanf(line, "%u:%u", &maj, &min) != 2)
      continue;
    char *p;
    if ((p = strstr(line, "rbytes=")))
      rb = strtoull(p + 7, NULL, 10);
    if ((p = strstr(line, "wbytes=")))
      wb = strtoull(p + 7, NULL, 10);
    if ((p = strstr(line, "rios=")))
      ri = strtoull(p + 5, NULL, 10);
    if ((p = strstr(line, "wios=")))
      wi = strtoull(p + 5, NULL, 10);
    const struct {
      json_t *a;
      const char *op;
      unsigned long long v;
    } e[] = {{bytes, "Read", rb}, {bytes, "Write", wb}, {ios, "Read", ri}, {ios, "Write", wi}};
    for (size_t i = 0; i < ARRAY_SIZE(e); i++)
      json_array_append_new(e[i].a,
                            json_pack("{s:I,s:I,s:s,s:I}", "major", (json_int_t)maj, "minor",
                                      (json_int_t)min, "op", e[i].op, "value", (json_int_t)e[i].v));
  }
}

static int v2_stats(struct hutch_cgroup *cg, json_t **out, struct hutch_error **err) {
  const char *d = cg->dirs[0].dir;
  json_t *data = json_object();
  if (data == NULL)
    return hutch_error_set(err, ENOMEM, "stats");
  json_t *usage =
      json_pack("{s:I,s:I,s:I}", "total",
                (json_int_t)(hutch_cgroup_stat_key(d, "cpu.stat", "usage_usec") * 1000), "kernel",
                (json_int_t)(hutch_cgroup_stat_key(d, "cpu.stat", "system_usec") * 1000), "user",
                (json_int_t)(hutch_cgroup_stat_key(d, "cpu.stat", "user_usec") * 1000));
  json_t *thr =
      json_pack("{s:I,s:I,s:I}", "periods",
                (json_int_t)hutch_cgroup_stat_key(d, "cpu.stat", "nr_periods"), "throttled_periods",
                (json_int_t)hutch_cgroup_stat_key(d, "cpu.stat", "nr_throttled"), "throttled_time",
                (json_int_t)(hutch_cgroup_stat_key(d, "cpu.stat", "throttled_usec") * 1000));
  json_object_set_new(data, "cpu", json_pack("{s:o,s:o}", "usage", usage, "throttling", thr));
  if (hutch_cgroup_has_file(d, "memory.current")) {
    json_t *raw = hutch_cgroup_stat_raw(d, "memory.stat");
    json_t *m = json_object();
    json_object_set_new(m, "cache", json_integer(json_integer_value(json_object_get(raw, "file"))));
    json_object_set_new(m, "usage",
                        entry(hutch_cgroup_stat(d, "memory.max"),
                              hutch_cgroup_stat(d, "memory.current"),
                              hutch_cgroup_stat(d, "memory.peak"),
                              hutch_cgroup_stat_key(d, "memory.events", "max")));
    json_object_set_new(m, "swap",
                        entry(hutch_cgroup_stat(d, "memory.swap.max"),
                              hutch_cgroup_stat(d, "memory.swap.current"),
                              hutch_cgroup_stat(d, "memory.swap.peak"),
                              hutch_cgroup_stat_key(d, "memory.swap.events", "max")));
    json_object_set_new(m, "raw", raw);
    json_object_set_new(data, "memory", m);
  }
  if (hutch_cgroup_has_file(d, "pids.current")) {
    uint64_t lim = hutch_cgroup_stat(d, "pids.max");
    json_object_set_new(data, "pids",
                        json_pack("{s:I,s:I}", "current",
                                  (json_int_t)hutch_cgroup_stat(d, "pids.current"), "limit",
                                  (json_int_t)(lim == UINT64_MAX ? 0 : lim)));
  }
  if (hutch_cgroup_has_file(d, "io.stat")) {
    json_t *bytes = json_array(), *ios = json_array();
    io_stats(d, bytes, ios);
    json_object_set_new(
        data, "blkio",
        json_pack("{s:o,s:o}", "ioServiceBytesRecursive", bytes, "ioServicedRecursive", ios));
  }
  json_t *huge = json_object();
  _cleanup_closedir_ DIR *dh = opendir(d);
  struct dirent *de;
  while (dh && (de = readdir(dh)) != NULL) {
    char size[32], f[96];
    if (sscanf(de->d_name, "hugetlb.%31[^.].current", size) != 1)
      continue;
    snprintf(f, sizeof(f), "hugetlb.%s.current", size);
    if (strcmp(f, de->d_name) != 0)
      continue;
    uint64_t cur = hutch_cgroup_stat(d, f);
    snprintf(f, sizeof(f), "hugetlb.%s.max", size);
    uint64_t max = hutch_cgroup_stat(d, f);
    snprintf(f, sizeof(f), "hugetlb.%s.events", size);
    json_object_set_new(huge, size,
                        json_pack("{s:I,s:I,s:I}", "usage", (json_int_t)cur, "max", (json_int_t)max,
                                  "failcnt", (json_int_t)hutch_cgroup_stat_key(d, f, "max")));
  }
  json_object_set_new(data, "hugetlb", huge);
  *out = data;
  return 0;
}

static int v2_oom_count(struct hutch_cgroup *cg, unsigned long *count, struct hutch_error **err) {
  uint64_t v = 0;
  int r = hutch_cgroup_read_key(cg->dirs[0].dir, "memory.events", "oom_kill", &v);
  if (r < 0)
    return hutch_error_set(err, r, "read %s/memory.events oom_kill", cg->dirs[0].dir);
  *count = (unsigned long)v;
  return 0;
}

static int v2_mount(struct hutch_cgroup *cg, int rootfd, bool rw, bool cgroupns,
                    struct hutch_error **err) {
  char buf[32];
  const unsigned long common = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  const char *d = cg->dirs[0].dir;
  _cleanup_close_ int t = hutch_mkdir_in_root(rootfd, "/sys/fs/cgroup", 0755);
  if (t < 0)
    return hutch_error_set(err, t, "mkdir <rootfs>/sys/fs/cgroup");
  if (cgroupns) {
    hutch_debug("cgroup: mount cgroup2 on /sys/fs/cgroup");
    if (mount("cgroup2", hutch_fd_path(t, buf), "cgroup2", common | (rw ? 0 : MS_RDONLY), NULL) < 0)
      return hutch_error_set(err, errno, "mount cgroup2 on /sys/fs/cgroup");
    return 0;
  }
  hutch_debug("cgroup: bind %s on /sys/fs/cgroup", d);
  if (mount(d, hutch_fd_path(t, buf), NULL, MS_BIND, NULL) < 0)
    return hutch_error_set(err, errno, "bind %s on /sys/fs/cgroup", d);
  if (rw)
    return 0;
  /* t names the covered directory; walk again to reach the bind mount. */
  _cleanup_close_ int m =
      hutch_open_in_root(rootfd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  if (m < 0)
    return hutch_error_set(err, m, "open <rootfs>/sys/fs/cgroup");
  if (mount(NULL, hutch_fd_path(m, buf), NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | common, NULL) < 0)
    return hutch_error_set(err, errno, "remount /sys/fs/cgroup read-only");
  return 0;
}

const struct hutch_cgroup_ops hutch_cgroup_v2_ops = {
    .name = "v2",
    .setup = v2_setup,
    .apply = v2_apply,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
    .kill = v2_kill,
    .stats = v2_stats,
    .oom_count = v2_oom_count,
    .mount = v2_mount,
};
