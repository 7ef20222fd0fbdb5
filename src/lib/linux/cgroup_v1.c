/* cgroup v1 backend (also used on hybrid hosts, where the controllers live
 * in v1 hierarchies and the cgroup2 mount only holds a placement dir):
 * one directory per hierarchy, the v1 knob names and their quirks (cpuset
 * inheritance, memsw ordering, the freezer's FREEZING state), v1 stats in
 * runc's `events --stats` shape, and the container's /sys/fs/cgroup view. */
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
#include <sys/stat.h>
#include <unistd.h>

static int need_dir(struct hutch_cgroup *cg, const char *ctrl, const char *field,
                    struct hutch_cgroup_dir **out, struct hutch_error **err) {
  *out = hutch_cgroup_find_dir(cg, ctrl);
  if (*out == NULL)
    return hutch_error_set(err, EOPNOTSUPP, "linux.resources.%s: the %s controller is not mounted",
                           field, ctrl);
  return 0;
}

/* A new cpuset cgroup starts with empty cpus/mems and refuses tasks until
 * they are set; copy the parent's down every level of our path. */
static int cpuset_copy(const char *parent, const char *cur, void *ud) {
  struct hutch_error **err = ud;
  static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
  for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
    _cleanup_free_ char *mine = NULL, *theirs = NULL;
    int r = hutch_cgroup_read(cur, files[i], &mine);
    if (r < 0)
      return hutch_error_set(err, r, "read %s/%s", cur, files[i]);
    if (mine[0] != '\n' && mine[0] != 0)
      continue;
    r = hutch_cgroup_read(parent, files[i], &theirs);
    if (r < 0)
      return hutch_error_set(err, r, "read %s/%s", parent, files[i]);
    theirs[strcspn(theirs, "\n")] = 0;
    r = hutch_cgroup_write(cur, files[i], theirs, err);
    if (r < 0)
      return r;
  }
  return 0;
}

/* A new cpuset cgroup starts with empty cpus/mems and refuses tasks until
 * they are set; copy the parent's down every level of our path. */
static int cpuset_inherit(struct hutch_cgroup_dir *d, struct hutch_error **err) {
  int r = hutch_cgroup_walk(d, cpuset_copy, err);
  return r == -ENOMEM ? hutch_error_set(err, r, "cpuset %s", d->dir) : r;
}

static int v1_setup(struct hutch_cgroup *cg, const struct spec_resources *res,
                    struct hutch_error **err) {
  struct hutch_cgroup_dir *d = hutch_cgroup_find_dir(cg, "cpuset");
  return d ? cpuset_inherit(d, err) : 0;
}

/* v1 checks limit <= memsw at every write, so the order depends on the
 * direction: grow memsw first, shrink it last (as runc does). */
static int set_limit_and_swap(const char *dir, const struct spec_memory *m,
                              struct hutch_error **err) {
  bool has_memsw = hutch_cgroup_has_file(dir, "memory.memsw.limit_in_bytes");
  bool set_swap = m->has_swap;
  int64_t swap = m->swap;
  if (m->has_limit && m->limit == -1 && !m->has_swap) {
    /* "memory unlimited, swap unset" means both unlimited */
    set_swap = true;
    swap = -1;
  }
  if (set_swap && !has_memsw) {
    hutch_debug("cgroup: no memory.memsw.limit_in_bytes (swap accounting off), ignoring swap");
    set_swap = false;
  }
  if (!set_swap)
    return m->has_limit
               ? hutch_cgroup_writef(dir, "memory.limit_in_bytes", err, "%" PRId64, m->limit)
               : 0;
  if (!m->has_limit)
    return hutch_cgroup_writef(dir, "memory.memsw.limit_in_bytes", err, "%" PRId64, swap);
  uint64_t cur = 0;
  int r = hutch_cgroup_read_u64(dir, "memory.memsw.limit_in_bytes", &cur);
  if (r < 0)
    return hutch_error_set(err, r, "read %s/memory.memsw.limit_in_bytes", dir);
  bool swap_first = swap == -1 || (uint64_t)swap > cur;
  if (swap_first &&
      (r = hutch_cgroup_writef(dir, "memory.memsw.limit_in_bytes", err, "%" PRId64, swap)) < 0)
    return r;
  if ((r = hutch_cgroup_writef(dir, "memory.limit_in_bytes", err, "%" PRId64, m->limit)) < 0)
    return r;
  if (!swap_first)
    return hutch_cgroup_writef(dir, "memory.memsw.limit_in_bytes", err, "%" PRId64, swap);
  return 0;
}

static int apply_memory(struct hutch_cgroup *cg, const struct spec_memory *m,
                        struct hutch_error **err) {
  struct hutch_cgroup_dir *md;
  int r = need_dir(cg, "memory", "memory", &md, err);
  if (r < 0)
    return r;
  const char *d = md->dir;
  if (m->has_use_hierarchy &&
      (r = hutch_cgroup_write(d, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0", err)) < 0)
    return r;
  if ((r = hutch_cgroup_check_before_update(d, "memory.usage_in_bytes", m, err)) < 0)
    return r;
  if ((r = set_limit_and_swap(d, m, err)) < 0)
    return r;
  if (m->has_reservation && (r = hutch_cgroup_writef(d, "memory.soft_limit_in_bytes", err,
                                                     "%" PRId64, m->reservation)) < 0)
    return r;
  /* kmem limits are gone from newer kernels (a no-op or no file at all). */
  if (m->has_kernel) {
    if (hutch_cgroup_has_file(d, "memory.kmem.limit_in_bytes")) {
      if ((r = hutch_cgroup_writef(d, "memory.kmem.limit_in_bytes", err, "%" PRId64, m->kernel)) <
          0)
        return r;
    } else {
      hutch_debug("cgroup: no memory.kmem.limit_in_bytes on this kernel, ignoring memory.kernel");
    }
  }
  if (m->has_kernel_tcp) {
    if (hutch_cgroup_has_file(d, "memory.kmem.tcp.limit_in_bytes")) {
      if ((r = hutch_cgroup_writef(d, "memory.kmem.tcp.limit_in_bytes", err, "%" PRId64,
                                   m->kernel_tcp)) < 0)
        return r;
    } else {
      hutch_debug("cgroup: no memory.kmem.tcp.limit_in_bytes, ignoring memory.kernelTCP");
    }
  }
  if (m->has_swappiness &&
      (r = hutch_cgroup_writef(d, "memory.swappiness", err, "%" PRIu64, m->swappiness)) < 0)
    return r;
  if (m->has_disable_oom_killer &&
      (r = hutch_cgroup_write(d, "memory.oom_control", m->disable_oom_killer ? "1" : "0", err)) < 0)
    return r;
  return 0;
}

static int apply_cpu(struct hutch_cgroup *cg, const struct spec_cpu *c, struct hutch_error **err) {
  int r;
  bool any = c->has_shares || c->has_quota || c->has_period || c->has_burst ||
             c->has_realtime_period || c->has_realtime_runtime || c->has_idle;
  if (any) {
    struct hutch_cgroup_dir *cd;
    if ((r = need_dir(cg, "cpu", "cpu", &cd, err)) < 0)
      return r;
    const char *d = cd->dir;
    if (c->has_shares && (r = hutch_cgroup_writef(d, "cpu.shares", err, "%" PRIu64, c->shares)) < 0)
      return r;
    bool quota_done = false;
    if (c->has_period) {
      /* The kernel validates quota against the period: if the new period
       * does not fit the old quota, set the quota first. */
      r = hutch_cgroup_writef(d, "cpu.cfs_period_us", c->has_quota ? NULL : err, "%" PRIu64,
                              c->period);
      if (r == -EINVAL && c->has_quota) {
        if ((r = hutch_cgroup_writef(d, "cpu.cfs_quota_us", err, "%" PRId64, c->quota)) < 0)
          return r;
        quota_done = true;
        r = hutch_cgroup_writef(d, "cpu.cfs_period_us", err, "%" PRIu64, c->period);
      } else if (r < 0 && c->has_quota) {
        r = hutch_cgroup_writef(d, "cpu.cfs_period_us", err, "%" PRIu64, c->period);
      }
      if (r < 0)
        return r;
    }
    if (c->has_quota && !quota_done &&
        (r = hutch_cgroup_writef(d, "cpu.cfs_quota_us", err, "%" PRId64, c->quota)) < 0)
      return r;
    if (c->has_burst &&
        (r = hutch_cgroup_writef(d, "cpu.cfs_burst_us", err, "%" PRIu64, c->burst)) < 0)
      return r;
    /* runtime must fit the period: period first */
    if (c->has_realtime_period &&
        (r = hutch_cgroup_writef(d, "cpu.rt_period_us", err, "%" PRIu64, c->realtime_period)) < 0)
      return r;
    if (c->has_realtime_runtime &&
        (r = hutch_cgroup_writef(d, "cpu.rt_runtime_us", err, "%" PRId64, c->realtime_runtime)) < 0)
      return r;
    if (c->has_idle && (r = hutch_cgroup_writef(d, "cpu.idle", err, "%" PRId64, c->idle)) < 0)
      return r;
  }
  if (c->cpus || c->mems) {
    struct hutch_cgroup_dir *sd;
    if ((r = need_dir(cg, "cpuset", c->cpus ? "cpu.cpus" : "cpu.mems", &sd, err)) < 0)
      return r;
    if (c->cpus && (r = hutch_cgroup_write(sd->dir, "cpuset.cpus", c->cpus, err)) < 0)
      return r;
    if (c->mems && (r = hutch_cgroup_write(sd->dir, "cpuset.mems", c->mems, err)) < 0)
      return r;
  }
  return 0;
}

static int write_devs(const char *dir, const char *file, const struct spec_throttle_device *t,
                      size_t n, struct hutch_error **err) {
  for (size_t i = 0; i < n; i++) {
    int r = hutch_cgroup_writef(dir, file, err, "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major,
                                t[i].minor, t[i].rate);
    if (r < 0)
      return r;
  }
  return 0;
}

static int apply_blkio(struct hutch_cgroup *cg, const struct spec_blkio *b,
                       struct hutch_error **err) {
  struct hutch_cgroup_dir *bd;
  int r = need_dir(cg, "blkio", "blockIO", &bd, err);
  if (r < 0)
    return r;
  const char *d = bd->dir;
  /* CFQ's blkio.weight is gone with the legacy block layer; BFQ has its
   * own files (runc falls back the same way). */
  bool cfq = hutch_cgroup_has_file(d, "blkio.weight");
  const char *wfile = cfq ? "blkio.weight" : "blkio.bfq.weight";
  const char *wdfile = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";
  if (b->has_weight && (r = hutch_cgroup_writef(d, wfile, err, "%u", b->weight)) < 0)
    return r;
  if (b->has_leaf_weight) {
    if (hutch_cgroup_has_file(d, "blkio.leaf_weight")) {
      if ((r = hutch_cgroup_writef(d, "blkio.leaf_weight", err, "%u", b->leaf_weight)) < 0)
        return r;
    } else {
      hutch_debug("cgroup: no blkio.leaf_weight on this kernel, ignoring blockIO.leafWeight");
    }
  }
  for (size_t i = 0; i < b->n_weight_device; i++) {
    const struct spec_weight_device *w = &b->weight_device[i];
    if (hutch_cgroup_weight_set(w->has_weight, w->weight) &&
        (r = hutch_cgroup_writef(d, wdfile, err, "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
                                 w->weight)) < 0)
      return r;
    if (hutch_cgroup_weight_set(w->has_leaf_weight, w->leaf_weight)) {
      if (hutch_cgroup_has_file(d, "blkio.leaf_weight_device")) {
        if ((r = hutch_cgroup_writef(d, "blkio.leaf_weight_device", err,
                                     "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
                                     w->leaf_weight)) < 0)
          return r;
      } else {
        hutch_debug("cgroup: no blkio.leaf_weight_device, ignoring leafWeight of %" PRId64
                    ":%" PRId64,
                    w->major, w->minor);
      }
    }
  }
  if ((r = write_devs(d, "blkio.throttle.read_bps_device", b->throttle_read_bps,
                      b->n_throttle_read_bps, err)) < 0 ||
      (r = write_devs(d, "blkio.throttle.write_bps_device", b->throttle_write_bps,
                      b->n_throttle_write_bps, err)) < 0 ||
      (r = write_devs(d, "blkio.throttle.read_iops_device", b->throttle_read_iops,
                      b->n_throttle_read_iops, err)) < 0 ||
      (r = write_devs(d, "blkio.throttle.write_iops_device", b->throttle_write_iops,
                      b->n_throttle_write_iops, err)) < 0)
    return r;
  return 0;
}

/* hugetlb in a v1 hierarchy, or, on a hybrid host whose cgroup2 mount
 * holds it (as here), in our placement dir there with the v2 file names. */
static int apply_hugetlb(struct hutch_cgroup *cg, const struct spec_resources *res,
                         struct hutch_error **err) {
  struct hutch_cgroup_dir *hd = hutch_cgroup_find_dir(cg, "hugetlb");
  bool v2 = false;
  for (size_t i = 0; hd == NULL && i < cg->n_dirs; i++)
    if (cg->dirs[i].v2) {
      char *ctls[] = {(char *)"hugetlb", NULL};
      if (hutch_cgroup_v2_enable(&cg->dirs[i], ctls, err) < 0)
        return hutch_error_wrap(err, "linux.resources.hugepageLimits");
      hd = &cg->dirs[i];
      v2 = true;
    }
  if (hd == NULL)
    return need_dir(cg, "hugetlb", "hugepageLimits", &hd, err);
  return hutch_cgroup_write_hugetlb(hd->dir, res, v2, err);
}

static void device_rule(const struct spec_device_cgroup *dv, char buf[static 64]) {
  if (dv->type == 'a' || dv->type == 0) {
    strcpy(buf, "a");
    return;
  }
  char maj[24] = "*", min[24] = "*";
  if (dv->major >= 0)
    snprintf(maj, sizeof(maj), "%" PRId64, dv->major);
  if (dv->minor >= 0)
    snprintf(min, sizeof(min), "%" PRId64, dv->minor);
  snprintf(buf, 64, "%c %s:%s %s", dv->type, maj, min,
           dv->access && *dv->access ? dv->access : "rwm");
}

static int apply_devices(struct hutch_cgroup *cg, const struct spec_resources *res,
                         struct hutch_error **err) {
  struct hutch_cgroup_dir *dd;
  int r = need_dir(cg, "devices", "devices", &dd, err);
  if (r < 0)
    return r;
  /* Start from "deny everything" and replay the list in order, as runc
   * does: later entries override earlier ones. */
  if ((r = hutch_cgroup_write(dd->dir, "devices.deny", "a", err)) < 0)
    return r;
  for (size_t i = 0; i < res->n_devices; i++) {
    char rule[64];
    device_rule(&res->devices[i], rule);
    r = hutch_cgroup_write(dd->dir, res->devices[i].allow ? "devices.allow" : "devices.deny", rule,
                           err);
    if (r < 0)
      return r;
  }
  return 0;
}

static int v1_apply(struct hutch_cgroup *cg, const struct spec_resources *res,
                    struct hutch_error **err) {
  int r;
  if (res->n_unified > 0)
    return hutch_error_set(err, EOPNOTSUPP,
                           "linux.resources.unified: needs cgroup v2, the host is %s",
                           hutch_cgroup_mode_name(cg->mode));
  if (res->has_memory && (r = apply_memory(cg, &res->memory, err)) < 0)
    return r;
  if (res->has_cpu && (r = apply_cpu(cg, &res->cpu, err)) < 0)
    return r;
  if (res->has_pids) {
    struct hutch_cgroup_dir *pd;
    if ((r = need_dir(cg, "pids", "pids", &pd, err)) < 0)
      return r;
    char buf[24];
    if ((r = hutch_cgroup_write(pd->dir, "pids.max", hutch_cgroup_pids_max(res->pids_limit, buf),
                                err)) < 0)
      return r;
  }
  if (res->has_blkio && (r = apply_blkio(cg, &res->blkio, err)) < 0)
    return r;
  if (res->n_hugepage_limits > 0 && (r = apply_hugetlb(cg, res, err)) < 0)
    return r;
  if (res->has_class_id) {
    struct hutch_cgroup_dir *nd;
    if ((r = need_dir(cg, "net_cls", "network.classID", &nd, err)) < 0 ||
        (r = hutch_cgroup_writef(nd->dir, "net_cls.classid", err, "%" PRIu32, res->class_id)) < 0)
      return r;
  }
  for (size_t i = 0; i < res->n_net_priorities; i++) {
    struct hutch_cgroup_dir *nd;
    if ((r = need_dir(cg, "net_prio", "network.priorities", &nd, err)) < 0 ||
        (r = hutch_cgroup_writef(nd->dir, "net_prio.ifpriomap", err, "%s %" PRIu32,
                                 res->net_priorities[i].name, res->net_priorities[i].priority)) < 0)
      return r;
  }
  if (res->n_devices > 0 && (r = apply_devices(cg, res, err)) < 0)
    return r;
  return 0;
}

static int v1_freeze(struct hutch_cgroup *cg, bool frozen, struct hutch_error **err) {
  struct hutch_cgroup_dir *fd = hutch_cgroup_find_dir(cg, "freezer");
  if (fd == NULL)
    return hutch_error_set(err, EOPNOTSUPP, "freeze: the freezer controller is not mounted");
  const char *want = frozen ? "FROZEN" : "THAWED";
  /* A task in an uninterruptible sleep keeps the cgroup in FREEZING;
   * re-writing FROZEN retries the tasks that were missed (runc does). */
  for (int attempt = 0; attempt < 40; attempt++) {
    int r = hutch_cgroup_write(fd->dir, "freezer.state", want, err);
    if (r < 0)
      return r;
    r = hutch_cgroup_wait_line(fd->dir, "freezer.state", want, 50);
    if (r == 0) {
      hutch_debug("cgroup: %s %s", fd->dir, want);
      return 0;
    }
    if (r != -ETIMEDOUT)
      return hutch_error_set(err, r, "read %s/freezer.state", fd->dir);
  }
  if (frozen)
    hutch_cgroup_write(fd->dir, "freezer.state", "THAWED", NULL);
  return hutch_error_set(err, ETIMEDOUT, "%s: freezer.state did not reach %s", fd->dir, want);
}

static int v1_is_frozen(struct hutch_cgroup *cg) {
  struct hutch_cgroup_dir *fd = hutch_cgroup_find_dir(cg, "freezer");
  if (fd == NULL)
    return -EOPNOTSUPP;
  _cleanup_free_ char *s = NULL;
  int r = hutch_cgroup_read(fd->dir, "freezer.state", &s);
  if (r < 0)
    return r;
  return strncmp(s, "FROZEN", 6) == 0;
}

static int v1_kill(struct hutch_cgroup *cg, int sig, struct hutch_error **err) {
  struct hutch_cgroup_dir *fd = hutch_cgroup_find_dir(cg, "freezer");
  if (fd)
    return hutch_cgroup_kill_frozen(cg, fd, sig, err);
  /* No freezer: signal what we see; a racing fork may escape one round,
   * which destroy's repeated kill catches. */
  struct hutch_cgroup_dir *d = hutch_cgroup_find_dir(cg, "pids");
  if (d == NULL)
    d = &cg->dirs[0];
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  int r = hutch_cgroup_collect_pids(d->dir, &pids, &n);
  if (r < 0)
    return hutch_error_set(err, r, "kill: read %s/cgroup.procs", d->dir);
  for (size_t i = 0; i < n; i++)
    if (kill(pids[i], sig) < 0 && errno != ESRCH)
      return hutch_error_set(err, errno, "kill %d", (int)pids[i]);
  return 0;
}

/* ---- stats ---- */

static json_t *u64_list(const char *dir, const char *file) {
  json_t *a = json_array();
  _cleanup_free_ char *s = NULL;
  if (dir == NULL || hutch_cgroup_read(dir, file, &s) < 0)
    return a;
  for (char *p = s;;) {
    char *end;
    unsigned long long v = strtoull(p, &end, 10);
    if (end == p)
      break;
    json_array_append_new(a, json_integer((json_int_t)v));
    p = end;
  }
  return a;
}

static json_t *mem_entry(const char *d, const char *prefix) {
  char f[96];
  json_t *o = json_object();
  snprintf(f, sizeof(f), "%s.limit_in_bytes", prefix);
  json_object_set_new(o, "limit", json_integer((json_int_t)hutch_cgroup_stat(d, f)));
  snprintf(f, sizeof(f), "%s.usage_in_bytes", prefix);
  json_object_set_new(o, "usage", json_integer((json_int_t)hutch_cgroup_stat(d, f)));
  snprintf(f, sizeof(f), "%s.max_usage_in_bytes", prefix);
  json_object_set_new(o, "max", json_integer((json_int_t)hutch_cgroup_stat(d, f)));
  snprintf(f, sizeof(f), "%s.failcnt", prefix);
  json_object_set_new(o, "failcnt", json_integer((json_int_t)hutch_cgroup_stat(d, f)));
  return o;
}

/* blkio.*_recursive lines: "8:0 Read 4096", a final "Total N". */
static json_t *blkio_entries(const char *dir, const char *file) {
  json_t *a = json_array();
  _cleanup_free_ char *s = NULL;
  if (dir == NULL || hutch_cgroup_read(dir, file, &s) < 0)
    return a;
  char *save = NULL;
  for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    unsigned maj, min;
    char op[32];
    unsigned long long v;
    if (sscanf(line, "%u:%u %31s %llu", &maj, &min, op, &v) != 4)
      continue;
    json_array_append_new(a, json_pack("{s:I,s:I,s:s,s:I}", "major", (json_int_t)maj, "minor",
                                       (json_int_t)min, "op", op, "value", (json_int_t)v));
  }
  return a;
}

static json_t *hugetlb_stats(const char *dir) {
  json_t *o = json_object();
  _cleanup_closedir_ DIR *dh = dir ? opendir(dir) : NULL;
  struct dirent *de;
  while (dh && (de = readdir(dh)) != NULL) {
    char size[32];
    if (sscanf(de->d_name, "hugetlb.%31[^.].usage_in_bytes", size) != 1 ||
        !hutch_str_has_prefix(de->d_name, "hugetlb.") || strstr(de->d_name, "rsvd"))
      continue;
    char f[96];
    snprintf(f, sizeof(f), "hugetlb.%s.usage_in_bytes", size);
    if (strcmp(f, de->d_name) != 0)
      continue;
    json_t *e = json_object();
    json_object_set_new(e, "usage", json_integer((json_int_t)hutch_cgroup_stat(dir, f)));
    snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", size);
    json_object_set_new(e, "max", json_integer((json_int_t)hutch_cgroup_stat(dir, f)));
    snprintf(f, sizeof(f), "hugetlb.%s.failcnt", size);
    json_object_set_new(e, "failcnt", json_integer((json_int_t)hutch_cgroup_stat(dir, f)));
    json_object_set_new(o, size, e);
  }
  return o;
}

static const char *dir_of(struct hutch_cgroup *cg, const char *ctrl) {
  struct hutch_cgroup_dir *d = hutch_cgroup_find_dir(cg, ctrl);
  return d ? d->dir : NULL;
}

static int v1_stats(struct hutch_cgroup *cg, json_t **out, struct hutch_error **err) {
  const char *acct = dir_of(cg, "cpuacct"), *cpu = dir_of(cg, "cpu"), *mem = dir_of(cg, "memory"),
             *pids = dir_of(cg, "pids"), *blk = dir_of(cg, "blkio"), *huge = dir_of(cg, "hugetlb");
  json_t *data = json_object();
  if (data == NULL)
    return hutch_error_set(err, ENOMEM, "stats");

  uint64_t user = 0, kernel = 0;
  if (acct && hutch_cgroup_has_file(acct, "cpuacct.usage_user")) {
    user = hutch_cgroup_stat(acct, "cpuacct.usage_user");
    kernel = hutch_cgroup_stat(acct, "cpuacct.usage_sys");
  } else if (acct) {
    /* cpuacct.stat counts USER_HZ ticks */
    long hz = sysconf(_SC_CLK_TCK);
    uint64_t ns = hz > 0 ? 1000000000ull / (uint64_t)hz : 10000000ull;
    user = hutch_cgroup_stat_key(acct, "cpuacct.stat", "user") * ns;
    kernel = hutch_cgroup_stat_key(acct, "cpuacct.stat", "system") * ns;
  }
  json_t *usage = json_object();
  json_object_set_new(usage, "total",
                      json_integer((json_int_t)hutch_cgroup_stat(acct, "cpuacct.usage")));
  json_object_set_new(usage, "percpu", u64_list(acct, "cpuacct.usage_percpu"));
  json_object_set_new(usage, "percpu_kernel", u64_list(acct, "cpuacct.usage_percpu_sys"));
  json_object_set_new(usage, "percpu_user", u64_list(acct, "cpuacct.usage_percpu_user"));
  json_object_set_new(usage, "kernel", json_integer((json_int_t)kernel));
  json_object_set_new(usage, "user", json_integer((json_int_t)user));
  json_t *thr = json_object();
  json_object_set_new(
      thr, "periods",
      json_integer((json_int_t)hutch_cgroup_stat_key(cpu, "cpu.stat", "nr_periods")));
  json_object_set_new(
      thr, "throttled_periods",
      json_integer((json_int_t)hutch_cgroup_stat_key(cpu, "cpu.stat", "nr_throttled")));
  json_object_set_new(
      thr, "throttled_time",
      json_integer((json_int_t)hutch_cgroup_stat_key(cpu, "cpu.stat", "throttled_time")));
  json_object_set_new(data, "cpu", json_pack("{s:o,s:o}", "usage", usage, "throttling", thr));

  if (mem) {
    json_t *m = json_object();
    json_t *raw = hutch_cgroup_stat_raw(mem, "memory.stat");
    json_object_set_new(m, "cache",
                        json_integer(json_integer_value(json_object_get(raw, "cache"))));
    json_object_set_new(m, "usage", mem_entry(mem, "memory"));
    json_object_set_new(m, "swap", mem_entry(mem, "memory.memsw"));
    json_object_set_new(m, "kernel", mem_entry(mem, "memory.kmem"));
    json_object_set_new(m, "kernelTCP", mem_entry(mem, "memory.kmem.tcp"));
    json_object_set_new(m, "raw", raw);
    json_object_set_new(data, "memory", m);
  }
  if (pids) {
    uint64_t lim = hutch_cgroup_stat(pids, "pids.max");
    json_object_set_new(data, "pids",
                        json_pack("{s:I,s:I}", "current",
                                  (json_int_t)hutch_cgroup_stat(pids, "pids.current"), "limit",
                                  (json_int_t)(lim == UINT64_MAX ? 0 : lim)));
  }
  if (blk) {
    const char *bytes = hutch_cgroup_has_file(blk, "blkio.io_service_bytes_recursive")
                            ? "blkio.io_service_bytes_recursive"
                            : "blkio.throttle.io_service_bytes_recursive";
    const char *ios = hutch_cgroup_has_file(blk, "blkio.io_serviced_recursive")
                          ? "blkio.io_serviced_recursive"
                          : "blkio.throttle.io_serviced_recursive";
    json_object_set_new(data, "blkio",
                        json_pack("{s:o,s:o}", "ioServiceBytesRecursive", blkio_entries(blk, bytes),
                                  "ioServicedRecursive", blkio_entries(blk, ios)));
  }
  json_object_set_new(data, "hugetlb", hugetlb_stats(huge));
  *out = data;
  return 0;
}

static int v1_oom_count(struct hutch_cgroup *cg, unsigned long *count, struct hutch_error **err) {
  const char *mem = dir_of(cg, "memory");
  if (mem == NULL)
    return hutch_error_set(err, EOPNOTSUPP, "oom count: the memory controller is not mounted");
  uint64_t v = 0;
  int r = hutch_cgroup_read_key(mem, "memory.oom_control", "oom_kill", &v);
  if (r < 0)
    return hutch_error_set(err, r, "read %s/memory.oom_control oom_kill", mem);
  *count = (unsigned long)v;
  return 0;
}

/* ---- the container's view ---- */

static int v1_mount(struct hutch_cgroup *cg, int rootfd, bool rw, bool cgroupns,
                    struct hutch_error **err) {
  char buf[32];
  const unsigned long common = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  _cleanup_close_ int base = hutch_mkdir_in_root(rootfd, "/sys/fs/cgroup", 0755);
  if (base < 0)
    return hutch_error_set(err, base, "mkdir <rootfs>/sys/fs/cgroup");
  hutch_debug("cgroup: mount tmpfs on /sys/fs/cgroup");
  if (mount("tmpfs", hutch_fd_path(base, buf), "tmpfs", common, "mode=755") < 0)
    return hutch_error_set(err, errno, "mount tmpfs on /sys/fs/cgroup");
  /* base still names the directory under the tmpfs: walk again to land on
   * the tmpfs itself. */
  _cleanup_close_ int top =
      hutch_open_in_root(rootfd, "/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  if (top < 0)
    return hutch_error_set(err, top, "open <rootfs>/sys/fs/cgroup");
  for (size_t i = 0; i < cg->n_dirs; i++) {
    struct hutch_cgroup_dir *d = &cg->dirs[i];
    const char *name = strrchr(d->mountpoint, '/');
    name = name ? name + 1 : d->mountpoint;
    if (mkdirat(top, name, 0755) < 0 && errno != EEXIST)
      return hutch_error_set(err, errno, "mkdir /sys/fs/cgroup/%s", name);
    _cleanup_close_ int t = openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (t < 0)
      return hutch_error_set(err, errno, "open /sys/fs/cgroup/%s", name);
    if (cgroupns) {
      /* The cgroup namespace makes a fresh mount show our cgroup as root. */
      unsigned long fl = common | (rw ? 0 : MS_RDONLY);
      _cleanup_free_ char *opts = NULL;
      if (!d->v2 &&
          asprintf(&opts, "%s%s", hutch_str_has_prefix(d->controllers, "name=") ? "none," : "",
                   d->controllers) < 0)
        return hutch_error_set(err, ENOMEM, "mount cgroup");
      const char *fstype = d->v2 ? "cgroup2" : "cgroup";
      hutch_debug("cgroup: mount %s (%s) on /sys/fs/cgroup/%s", fstype, opts ? opts : "", name);
      if (mount(fstype, hutch_fd_path(t, buf), fstype, fl, opts) < 0)
        return hutch_error_set(err, errno, "mount %s (%s) on /sys/fs/cgroup/%s", fstype,
                               opts ? opts : "", name);
    } else {
      hutch_debug("cgroup: bind %s on /sys/fs/cgroup/%s", d->dir, name);
      if (mount(d->dir, hutch_fd_path(t, buf), NULL, MS_BIND, NULL) < 0)
        return hutch_error_set(err, errno, "bind %s on /sys/fs/cgroup/%s", d->dir, name);
      if (!rw) {
        _cleanup_close_ int m = openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (m < 0)
          return hutch_error_set(err, errno, "open /sys/fs/cgroup/%s", name);
        if (mount(NULL, hutch_fd_path(m, buf), NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | common,
                  NULL) < 0)
          return hutch_error_set(err, errno, "remount /sys/fs/cgroup/%s read-only", name);
      }
    }
    /* co-mounted controllers: cpu -> cpu,cpuacct, like docker */
    if (!d->v2 && strchr(d->controllers, ',')) {
      _cleanup_free_ char *copy = strdup(d->controllers);
      char *save = NULL;
      for (char *c = copy ? strtok_r(copy, ",", &save) : NULL; c; c = strtok_r(NULL, ",", &save))
        if (strcmp(c, name) != 0 && !hutch_str_has_prefix(c, "name=") &&
            symlinkat(name, top, c) < 0 && errno != EEXIST)
          return hutch_error_set(err, errno, "symlink /sys/fs/cgroup/%s -> %s", c, name);
    }
  }
  if (!rw && mount(NULL, hutch_fd_path(top, buf), NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | common,
                   NULL) < 0)
    return hutch_error_set(err, errno, "remount /sys/fs/cgroup read-only");
  return 0;
}

const struct hutch_cgroup_ops hutch_cgroup_v1_ops = {
    .name = "v1",
    .setup = v1_setup,
    .apply = v1_apply,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
    .kill = v1_kill,
    .stats = v1_stats,
    .oom_count = v1_oom_count,
    .mount = v1_mount,
};
