/* The OCI runtime config model (runtime-spec 1.0-1.2, Linux).
 *
 * spec_parse.c turns config.json into these plain structs and validates
 * them; nothing outside spec/ touches JSON for the config. Optional scalar
 * values carry a has_* flag; absent arrays have n == 0; absent strings are
 * NULL. Everything is owned by the struct spec and freed by hutch_spec_free. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

struct spec_kv {
  char *key;
  char *value;
};

struct spec_rlimit {
  int resource; /* RLIMIT_* */
  char *type;   /* "RLIMIT_NOFILE" */
  uint64_t hard, soft;
};

struct spec_user {
  uid_t uid;
  gid_t gid;
  bool has_umask;
  mode_t umask;
  gid_t *additional_gids;
  size_t n_additional_gids;
  char *username; /* informational */
};

struct spec_capabilities {
  /* NULL-terminated lists of names ("CAP_KILL"); NULL when absent. */
  char **bounding, **effective, **inheritable, **permitted, **ambient;
};

struct spec_io_priority {
  bool present;
  int class_; /* IOPRIO_CLASS_RT/BE/IDLE */
  int priority;
};

struct spec_scheduler {
  bool present;
  int policy; /* SCHED_* */
  int nice;
  int priority;
  uint64_t flags; /* SCHED_FLAG_* */
  uint64_t runtime, deadline, period;
};

struct spec_process {
  bool terminal;
  bool has_console_size;
  unsigned console_height, console_width;
  struct spec_user user;
  char **args;        /* NULL-terminated */
  char *command_line; /* Windows only; ignored */
  char **env;         /* NULL-terminated "K=V" */
  char *cwd;
  struct spec_capabilities caps;
  bool has_caps;
  struct spec_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  char *apparmor_profile;
  bool has_oom_score_adj;
  int oom_score_adj;
  char *selinux_label;
  struct spec_io_priority io_priority;
  struct spec_scheduler scheduler;
};

struct spec_mount {
  char *destination;
  char *type;
  char *source;
  char **options; /* NULL-terminated, as written */
  /* derived by the parser from options: */
  unsigned long flags;       /* MS_* to set */
  unsigned long clear_flags; /* MS_* explicitly cleared (rw, suid, ...) */
  unsigned long propagation; /* MS_PRIVATE/MS_SLAVE/... (possibly |MS_REC) */
  bool bind;                 /* bind or rbind */
  bool recursive_bind;       /* rbind */
  bool idmap, ridmap;        /* idmap/ridmap options */
  char *data;                /* the options that are fs data ("size=64m") */
  /* recursive options (rro, rnosuid, ...): MOUNT_ATTR_* for mount_setattr
   * with AT_RECURSIVE. An atime mode in attr_set also puts
   * MOUNT_ATTR__ATIME in attr_clr, as the kernel requires. */
  uint64_t rec_attr_set, rec_attr_clr;
  bool tmpcopyup; /* accepted for compatibility; not acted upon yet */
  struct spec_id_mapping *uid_mappings, *gid_mappings; /* idmapped mounts */
  size_t n_uid_mappings, n_gid_mappings;
};

struct spec_hook {
  char *path;
  char **args;
  char **env;
  bool has_timeout;
  int timeout; /* seconds, > 0 */
};

enum spec_hook_kind {
  SPEC_HOOK_PRESTART = 0,
  SPEC_HOOK_CREATE_RUNTIME,
  SPEC_HOOK_CREATE_CONTAINER,
  SPEC_HOOK_START_CONTAINER,
  SPEC_HOOK_POSTSTART,
  SPEC_HOOK_POSTSTOP,
  SPEC_HOOK__MAX
};

struct spec_hooks {
  struct spec_hook *list[SPEC_HOOK__MAX];
  size_t n[SPEC_HOOK__MAX];
};

enum spec_ns_type {
  SPEC_NS_MOUNT = 0,
  SPEC_NS_PID,
  SPEC_NS_NETWORK,
  SPEC_NS_IPC,
  SPEC_NS_UTS,
  SPEC_NS_USER,
  SPEC_NS_CGROUP,
  SPEC_NS_TIME,
  SPEC_NS__MAX
};

struct spec_namespace {
  bool present;
  char *path; /* NULL: create a new one */
};

struct spec_id_mapping {
  uint32_t container_id, host_id, size;
};

struct spec_device {
  char *path;
  char type; /* 'c', 'b', 'u', 'p' */
  int64_t major, minor;
  bool has_file_mode;
  mode_t file_mode;
  bool has_uid, has_gid;
  uid_t uid;
  gid_t gid;
};

/* ---- linux.resources ---- */

struct spec_device_cgroup {
  bool allow;
  char type;            /* 'a', 'c', 'b' */
  int64_t major, minor; /* -1: wildcard */
  char *access;         /* "rwm"; NULL when not given */
};

struct spec_memory {
  bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness,
      has_disable_oom_killer, has_use_hierarchy, has_check_before_update;
  int64_t limit, reservation, swap, kernel, kernel_tcp;
  uint64_t swappiness;
  bool disable_oom_killer, use_hierarchy, check_before_update;
};

struct spec_cpu {
  bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime, has_realtime_period,
      has_idle;
  uint64_t shares, period, realtime_period, burst;
  int64_t quota, realtime_runtime, idle;
  char *cpus, *mems;
};

struct spec_weight_device {
  int64_t major, minor;
  bool has_weight, has_leaf_weight;
  uint16_t weight, leaf_weight;
};

struct spec_throttle_device {
  int64_t major, minor;
  uint64_t rate;
};

struct spec_blkio {
  bool has_weight, has_leaf_weight;
  uint16_t weight, leaf_weight;
  struct spec_weight_device *weight_device;
  size_t n_weight_device;
  struct spec_throttle_device *throttle_read_bps, *throttle_write_bps, *throttle_read_iops,
      *throttle_write_iops;
  size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops, n_throttle_write_iops;
};

struct spec_hugepage_limit {
  char *page_size; /* "2MB" */
  uint64_t limit;
};

struct spec_net_priority {
  char *name;
  uint32_t priority;
};

struct spec_resources {
  bool present;
  struct spec_device_cgroup *devices;
  size_t n_devices;
  bool has_memory, has_cpu, has_pids, has_blkio, has_network;
  struct spec_memory memory;
  struct spec_cpu cpu;
  int64_t pids_limit; /* valid when has_pids */
  struct spec_blkio blkio;
  struct spec_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  bool has_class_id;
  uint32_t class_id;
  struct spec_net_priority *net_priorities;
  size_t n_net_priorities;
  struct spec_kv *unified;
  size_t n_unified;
};

/* ---- linux.seccomp ---- */

struct spec_seccomp_arg {
  unsigned index;
  uint64_t value, value_two;
  int op; /* enum scmp_compare value (SCMP_CMP_*) */
};

struct spec_seccomp_syscall {
  char **names;      /* NULL-terminated */
  uint32_t action;   /* SCMP_ACT_* base (without errno/trace data) */
  char *action_name; /* "SCMP_ACT_ERRNO" as written */
  bool has_errno_ret;
  uint32_t errno_ret;
  struct spec_seccomp_arg *args;
  size_t n_args;
};

struct spec_seccomp {
  bool present;
  char *default_action;          /* "SCMP_ACT_ERRNO" */
  uint32_t default_action_value; /* SCMP_ACT_* base, like syscalls[].action */
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  char **architectures; /* "SCMP_ARCH_X86_64" */
  char **flags;         /* "SECCOMP_FILTER_FLAG_TSYNC" */
  char *listener_path;
  char *listener_metadata;
  struct spec_seccomp_syscall *syscalls;
  size_t n_syscalls;
};

struct spec_linux {
  struct spec_namespace namespaces[SPEC_NS__MAX];
  struct spec_id_mapping *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  struct spec_kv *sysctl;
  size_t n_sysctl;
  struct spec_resources resources;
  char *cgroups_path;
  struct spec_device *devices;
  size_t n_devices;
  struct spec_seccomp seccomp;
  char *rootfs_propagation;               /* as written */
  unsigned long rootfs_propagation_flags; /* MS_* or 0 */
  char **masked_paths;
  char **readonly_paths;
  char *mount_label;
  bool has_personality;
  unsigned long personality; /* PER_LINUX / PER_LINUX32 */
  bool has_time_offsets;
  int64_t monotonic_secs, boottime_secs;
  uint32_t monotonic_nanosecs, boottime_nanosecs;
  bool has_intel_rdt;
};

struct spec {
  char *oci_version;
  char *root_path; /* as written (may be relative to the bundle) */
  bool root_readonly;
  struct spec_process process;
  bool has_process;
  char *hostname;
  char *domainname;
  struct spec_mount *mounts;
  size_t n_mounts;
  struct spec_hooks hooks;
  struct spec_kv *annotations;
  size_t n_annotations;
  struct spec_linux linux_;
};

/* Parse and validate config.json text. Errors name the field:
 * "process.args: must be a non-empty array of strings". */
int hutch_spec_parse(const char *json, size_t len, struct spec **out, struct hutch_error **err);
int hutch_spec_load(const char *path, struct spec **out, struct hutch_error **err);
void hutch_spec_free(struct spec *s);
void hutch_spec_freep(struct spec **s);
#define _cleanup_spec_ __attribute__((cleanup(hutch_spec_freep)))

/* Resources alone (for `update --resources`): parse a linux.resources object. */
int hutch_spec_parse_resources(const char *json, size_t len, struct spec_resources *out,
                               struct hutch_error **err);
void hutch_spec_resources_clear(struct spec_resources *r);

/* A process object on its own (`exec --process FILE`), checked as
 * config.json's "process" is; errors name "process.<field>". Free with
 * hutch_spec_process_clear. */
int hutch_spec_parse_process(const char *json, size_t len, struct spec_process *out,
                             struct hutch_error **err);
void hutch_spec_process_clear(struct spec_process *p);

/* The default config.json text, as `spec` writes it (runc's defaults).
 * rootless: user namespace with the caller's id mapped to 0, no cgroup
 * resources, bind-mounted /sys. Caller frees. */
char *hutch_spec_default_json(bool rootless, uid_t uid, gid_t gid);

const char *hutch_spec_ns_name(enum spec_ns_type t);     /* "mount", "pid", ... */
int hutch_spec_ns_clone_flag(enum spec_ns_type t);       /* CLONE_NEWNS, ... */
const char *hutch_spec_hook_name(enum spec_hook_kind k); /* "prestart", ... */

/* The names the parser accepts in one place, from the tables it parses
 * with (for `features`, which must list exactly what is applied). */
enum spec_names {
  SPEC_NAMES_MOUNT_OPTIONS, /* interpreted ones; others go to the fs as data */
  SPEC_NAMES_SECCOMP_ACTIONS,
  SPEC_NAMES_SECCOMP_OPERATORS,
  SPEC_NAMES_SECCOMP_FLAGS,
};
void hutch_spec_names(enum spec_names which, void (*fn)(const char *name, void *ud), void *ud);
const char *hutch_spec_annotation(const struct spec *s, const char *key);
