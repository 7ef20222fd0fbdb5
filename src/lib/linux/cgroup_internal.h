/* Shared between cgroup.c (detection, paths, directory bookkeeping,
 * dispatch) and the two backends (cgroup_v1.c, cgroup_v2.c): the ops table,
 * the per-hierarchy directory record, knob read/write helpers, and the pure
 * v1→v2 conversions of cgroup_convert.c. Nothing here is for the runtime;
 * it includes cgroup.h for that. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "linux/cgroup.h"

/* One mounted hierarchy as found in /proc/self/mountinfo. */
struct hutch_cgroup_mount {
  char *controllers; /* v1: "cpu,cpuacct", "name=systemd"; v2: "" */
  char *mountpoint;  /* /sys/fs/cgroup/memory */
  char *root;        /* mountinfo root field, "/" unless the mount is a sub-tree */
  char *self;        /* the caller's cgroup in this hierarchy (/proc/self/cgroup) */
  bool v2;
};

struct hutch_cgroup_layout {
  enum hutch_cgroup_mode mode;
  struct hutch_cgroup_mount *mounts; /* v1 hierarchies, then the cgroup2 mount if any */
  size_t n_mounts;
};

/* Pure parser behind hutch_cgroup_detect(), for tests with made-up input. */
int hutch_cgroup_parse_layout(const char *mountinfo, const char *self_cgroup,
                              struct hutch_cgroup_layout **out, struct hutch_error **err);
void hutch_cgroup_layout_free(struct hutch_cgroup_layout *l);

/* Pure path helpers. join: `path` absolute → cleaned as is; relative →
 * below `self`. clean: collapse "//", ".", ".." lexically, never above "/". */
char *hutch_cgroup_join_path(const char *self, const char *path);
char *hutch_cgroup_clean_path(const char *path);

/* The container's directory in one hierarchy. */
struct hutch_cgroup_dir {
  char *controllers; /* as in hutch_cgroup_mount */
  char *mountpoint;
  char *path; /* cgroup path in the hierarchy, "/hutch/x" */
  char *dir;  /* mountpoint + path */
  bool v2;
  char **made; /* directories create() made, shallowest first (NULL-terminated) */
};

struct hutch_cgroup;

struct hutch_cgroup_ops {
  const char *name;
  /* after the directories exist: cpuset inheritance, subtree_control… */
  int (*setup)(struct hutch_cgroup *cg, const struct spec_resources *res, struct hutch_error **err);
  int (*apply)(struct hutch_cgroup *cg, const struct spec_resources *res, struct hutch_error **err);
  int (*freeze)(struct hutch_cgroup *cg, bool frozen, struct hutch_error **err);
  int (*is_frozen)(struct hutch_cgroup *cg);
  int (*kill)(struct hutch_cgroup *cg, int sig, struct hutch_error **err);
  int (*stats)(struct hutch_cgroup *cg, json_t **out, struct hutch_error **err);
  int (*oom_count)(struct hutch_cgroup *cg, unsigned long *count, struct hutch_error **err);
  int (*mount)(struct hutch_cgroup *cg, int rootfd, bool rw, bool cgroupns,
               struct hutch_error **err);
};

struct hutch_cgroup {
  const struct hutch_cgroup_ops *ops;
  enum hutch_cgroup_mode mode;
  char *path; /* what hutch_cgroup_path() returns */
  /* v1/hybrid: one per hierarchy, plus (hybrid) the cgroup2 placement dir
   * with v2 set; v2: exactly one. */
  struct hutch_cgroup_dir *dirs;
  size_t n_dirs;
  int clone_fd;
  void *backend; /* backend-private state (v2: attached device program fds) */
};

extern const struct hutch_cgroup_ops hutch_cgroup_v1_ops;
extern const struct hutch_cgroup_ops hutch_cgroup_v2_ops;

/* Test hook: a v2-backend cgroup at `path` under an arbitrary cgroup2
 * mount (here: the hybrid host's /sys/fs/cgroup/unified). create=false
 * opens an existing one. */
int hutch_cgroup_v2_open_at(const char *mountpoint, const char *path, bool create,
                            const struct spec_resources *res, struct hutch_cgroup **out,
                            struct hutch_error **err);

/* The v1 directory whose hierarchy carries `controller` ("memory",
 * "name=systemd"), or NULL. */
struct hutch_cgroup_dir *hutch_cgroup_find_dir(struct hutch_cgroup *cg, const char *controller);
bool hutch_cgroup_controllers_have(const char *controllers, const char *controller);

/* Knob helpers. write: debug-traces "cgroup: write FILE=VALUE" and on
 * failure fills err with "write VALUE to DIR/FILE". read* return -errno. */
int hutch_cgroup_write(const char *dir, const char *file, const char *value,
                       struct hutch_error **err);
int hutch_cgroup_writef(const char *dir, const char *file, struct hutch_error **err,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));
bool hutch_cgroup_has_file(const char *dir, const char *file);
int hutch_cgroup_read(const char *dir, const char *file, char **out);
/* A single number; "max" reads as UINT64_MAX. */
int hutch_cgroup_read_u64(const char *dir, const char *file, uint64_t *out);
/* "key value" lines (memory.stat, cpu.stat, memory.events, oom_control). */
int hutch_cgroup_read_key(const char *dir, const char *file, const char *key, uint64_t *out);
/* hugepageLimits into dir: v1 hugetlb.<size>.limit_in_bytes or v2 hugetlb.<size>.max. */
int hutch_cgroup_write_hugetlb(const char *dir, const struct spec_resources *res, bool v2,
                               struct hutch_error **err);
/* memory.checkBeforeUpdate: refuse a limit below what is in use now
 * (usage_file: memory.usage_in_bytes or memory.current). */
int hutch_cgroup_check_before_update(const char *dir, const char *usage_file,
                                     const struct spec_memory *m, struct hutch_error **err);
/* For stats: the value, or 0 when the file or key is missing (dir may be
 * NULL: the controller is not there). raw: every "key value" line. */
uint64_t hutch_cgroup_stat(const char *dir, const char *file);
uint64_t hutch_cgroup_stat_key(const char *dir, const char *file, const char *key);
json_t *hutch_cgroup_stat_raw(const char *dir, const char *file);
/* Call fn(parent, cur, ud) for each level of d->path below the mountpoint,
 * top-down; stops at the first negative return, which it passes on
 * (-ENOMEM of its own). */
int hutch_cgroup_walk(const struct hutch_cgroup_dir *d,
                      int (*fn)(const char *parent, const char *cur, void *ud), void *ud);
/* Every pid in dir and below, appended to *pids (deduplicated). */
int hutch_cgroup_collect_pids(const char *dir, pid_t **pids, size_t *n);
/* Poll until dir/file contains the line `want`, up to timeout_ms. */
int hutch_cgroup_wait_line(const char *dir, const char *file, const char *want, int timeout_ms);
/* Freeze through `freeze`, signal every pid, thaw: no process can fork
 * away from the signal in between. */
int hutch_cgroup_kill_frozen(struct hutch_cgroup *cg, struct hutch_cgroup_dir *d, int sig,
                             struct hutch_error **err);

/* ---- cgroup_convert.c: pure v1 → v2 value conversions ---- */

/* cpu.shares [2, 262144] → cpu.weight [1, 10000]; 0 (unset) → 0. */
uint64_t hutch_cgroup_shares_to_weight(uint64_t shares);
/* blkio.weight [10, 1000] → io.weight [1, 10000]; 0 → 0. */
uint64_t hutch_cgroup_blkio_to_io_weight(uint64_t weight);
/* memsw total (v1 swap) and limit → memory.swap.max: -1 "max", 0 unset.
 * -EINVAL when it cannot be expressed (swap without limit, swap < limit). */
int hutch_cgroup_swap_to_v2(int64_t memsw, int64_t limit, int64_t *out);
/* A v2 limit as text: negative → "max". buf ≥ 24 bytes. */
const char *hutch_cgroup_v2_limit(int64_t v, char buf[static 24]);
/* cpu.max "QUOTA PERIOD": quota < 0 → "max"; period 0 → 100000. */
void hutch_cgroup_cpu_max(int64_t quota, uint64_t period, char buf[static 48]);
/* runc's "unset" rules: out is in (sharing its arrays) with the has_
 * flags cleared for the zero values that runc does not write (memory,
 * cpu and blkio numbers 0, disableOOMKiller false, cpuset ""), and
 * has_memory/has_cpu/has_blkio cleared when nothing in them is left.
 * Per-device blkio weights: see hutch_cgroup_weight_set(). */
void hutch_cgroup_effective(const struct spec_resources *in, struct spec_resources *out);
/* A blkio (per-device) weight or leaf weight is written only when set and
 * non-zero. */
static inline bool hutch_cgroup_weight_set(bool has, uint16_t weight) {
  return has && weight != 0;
}
/* pids.max for linux.resources.pids.limit as runc writes it: > 0 as is,
 * 0 → 1, negative → "max". buf ≥ 24 bytes. */
const char *hutch_cgroup_pids_max(int64_t limit, char buf[static 24]);
/* "2MB" → the size used in v1/v2 hugetlb file names (same on both). */
bool hutch_cgroup_valid_page_size(const char *s);

/* cgroup_v2.c: enable ctls (NULL-terminated) in the subtree_control of
 * every ancestor of d below its mountpoint, those not enabled yet. Also
 * used on hybrid hosts for controllers that only the cgroup2 mount has. */
int hutch_cgroup_v2_enable(const struct hutch_cgroup_dir *d, char **ctls, struct hutch_error **err);

/* ---- cgroup_v2_devices.c ---- */

/* Build the device-access eBPF program for `rules` (OCI order: later
 * rules win, nothing matched → deny) and attach it to dir as
 * BPF_CGROUP_DEVICE, replacing the programs attached there before. */
int hutch_cgroup_v2_devices_apply(const char *dir, const struct spec_device_cgroup *rules, size_t n,
                                  struct hutch_error **err);
