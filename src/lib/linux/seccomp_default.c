/* Docker's default seccomp profile as data: what `hutch run` confines a
 * container with unless told otherwise.
 *
 * The shape is docker's: default action ERRNO(EPERM) and an allow-list that
 * leaves out what lets a container reach the host kernel's global state —
 * modules, kexec, reboot, swap, clock setting, accounting, keyrings, bpf,
 * perf, mount/umount/pivot_root, namespaces (unshare, setns, clone with
 * CLONE_NEW* flags), userfaultfd, ptrace-like cross-process access without
 * CAP_SYS_PTRACE, obsolete calls (uselib, ustat, sysfs, _sysctl, vm86,
 * create_module, query_module, get_kernel_syms, nfsservctl) and
 * personality() other than the harmless values. Syscalls a capability
 * already guards come back when the container has that capability, as
 * docker's "includes caps" does. Names this kernel/arch does not know are
 * skipped at compile time, so one list serves every architecture. */
#include "seccomp_default.h"

#include "seccomp_lib.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
static const char *const allowed[] = {
  "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset", "chdir",
  "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
  "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
  "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
  "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
  "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat",
  "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate",
  "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl",
  "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr",
  "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64",
  "futex", "futex_time64", "futex_waitv", "futimesat", "getcpu", "getcwd", "getdents",
  "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
  "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
  "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit",
  "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area",
  "gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
  "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
  "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit",
  "io_uring_enter", "io_uring_register", "io_uring_setup", "ipc", "kill", "landlock_add_rule",
  "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link",
  "linkat", "listen", "listxattr", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr",
  "lstat", "lstat64", "madvise", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir",
  "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect",
  "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
  "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
  "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
  "newfstatat", "_newselect", "open", "openat", "openat2", "pause", "pidfd_open",
  "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
  "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64",
  "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read",
  "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
  "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat",
  "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
  "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
  "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr",
  "sched_getparam", "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
  "sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr",
  "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget",
  "semop", "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg",
  "sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32",
  "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32",
  "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit",
  "set_robust_list", "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
  "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack",
  "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice",
  "stat", "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync",
  "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
  "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
  "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64",
  "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat",
  "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid",
  "waitpid", "write", "writev", "process_vm_readv", "process_vm_writev", "ptrace",
    NULL,
};
/* clang-format on */

/* Capability-gated groups (docker's "includes": {"caps": [...]}). */
static const char *const with_dac_read_search[] = {"open_by_handle_at", NULL};
static const char *const with_sys_admin[] = {"bpf",           "clone",           "clone3",
                                             "fanotify_init", "fsconfig",        "fsmount",
                                             "fsopen",        "fspick",          "lookup_dcookie",
                                             "mount",         "mount_setattr",   "move_mount",
                                             "open_tree",     "perf_event_open", "quotactl",
                                             "quotactl_fd",   "setdomainname",   "sethostname",
                                             "setns",         "syslog",          "umount",
                                             "umount2",       "unshare",         NULL};
static const char *const with_sys_boot[] = {"reboot", NULL};
static const char *const with_sys_chroot[] = {"chroot", NULL};
static const char *const with_sys_module[] = {"delete_module", "init_module", "finit_module", NULL};
static const char *const with_sys_pacct[] = {"acct", NULL};
static const char *const with_sys_ptrace[] = {
    "kcmp",   "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
    "ptrace", NULL};
static const char *const with_sys_rawio[] = {"iopl", "ioperm", NULL};
static const char *const with_sys_time[] = {"settimeofday", "stime", "clock_settime",
                                            "clock_settime64", NULL};
static const char *const with_sys_tty_config[] = {"vhangup", NULL};
static const char *const with_sys_nice[] = {"get_mempolicy", "mbind", "set_mempolicy",
                                            "set_mempolicy_home_node", NULL};
static const char *const with_syslog[] = {"syslog", NULL};
static const char *const with_bpf[] = {"bpf", NULL};
static const char *const with_perfmon[] = {"perf_event_open", NULL};

static const char *const socket_[] = {"socket", NULL};
static const char *const personality_[] = {"personality", NULL};
static const char *const clone_[] = {"clone", NULL};
static const char *const clone3_[] = {"clone3", NULL};
#if defined(__x86_64__) || defined(__i386__)
static const char *const arch_specific[] = {"arch_prctl", "modify_ldt", NULL};
#elif defined(__aarch64__) || defined(__arm__)
static const char *const arch_specific[] = {"arm_fadvise64_64",
                                            "arm_sync_file_range",
                                            "sync_file_range2",
                                            "breakpoint",
                                            "cacheflush",
                                            "set_tls",
                                            NULL};
#elif defined(__powerpc64__)
static const char *const arch_specific[] = {"sync_file_range2", "swapcontext", NULL};
#elif defined(__s390x__)
static const char *const arch_specific[] = {"s390_pci_mmio_read", "s390_pci_mmio_write",
                                            "s390_runtime_instr", NULL};
#elif defined(__riscv)
static const char *const arch_specific[] = {"riscv_flush_icache", NULL};
#else
static const char *const arch_specific[] = {NULL};
#endif

#if defined(__s390x__)
#define CLONE_FLAGS_ARG 1 /* s390 swaps clone's first two arguments */
#else
#define CLONE_FLAGS_ARG 0
#endif
/* CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
#define CLONE_NAMESPACE_FLAGS 0x7E020000ULL
#define AF_VSOCK_ 40
#define NONE (-1)

struct default_rule {
  const char *const *names;
  uint32_t action;
  int errno_ret;   /* 0: none */
  int include_cap; /* only with this capability (NONE: always) */
  int exclude_cap; /* only without it */
  bool has_arg;
  struct spec_seccomp_arg arg;
};

static const struct default_rule rules[] = {
    {allowed, SCMP_ACT_ALLOW, 0, NONE, NONE},
    {arch_specific, SCMP_ACT_ALLOW, 0, NONE, NONE},
    /* every socket family except vsock, which reaches the hypervisor */
    {socket_, SCMP_ACT_ALLOW, 0, NONE, NONE, true, {0, AF_VSOCK_, 0, SCMP_CMP_NE}},
    /* personality: query (0xffffffff), PER_LINUX (0), PER_LINUX32 (8),
     * UNAME26 (0x20000) and UNAME26|PER_LINUX32; never READ_IMPLIES_EXEC or
     * ADDR_NO_RANDOMIZE, which weaken the container's own hardening. */
    {personality_, SCMP_ACT_ALLOW, 0, NONE, NONE, true, {0, 0x0, 0, SCMP_CMP_EQ}},
    {personality_, SCMP_ACT_ALLOW, 0, NONE, NONE, true, {0, 0x8, 0, SCMP_CMP_EQ}},
    {personality_, SCMP_ACT_ALLOW, 0, NONE, NONE, true, {0, 0x20000, 0, SCMP_CMP_EQ}},
    {personality_, SCMP_ACT_ALLOW, 0, NONE, NONE, true, {0, 0x20008, 0, SCMP_CMP_EQ}},
    {personality_, SCMP_ACT_ALLOW, 0, NONE, NONE, true, {0, 0xffffffff, 0, SCMP_CMP_EQ}},
    {with_dac_read_search, SCMP_ACT_ALLOW, 0, CAP_DAC_READ_SEARCH, NONE},
    {with_sys_admin, SCMP_ACT_ALLOW, 0, CAP_SYS_ADMIN, NONE},
    /* without CAP_SYS_ADMIN: fork-style clone only, no new namespaces */
    {clone_,
     SCMP_ACT_ALLOW,
     0,
     NONE,
     CAP_SYS_ADMIN,
     true,
     {CLONE_FLAGS_ARG, CLONE_NAMESPACE_FLAGS, 0, SCMP_CMP_MASKED_EQ}},
    /* clone3 passes its flags in memory a filter cannot read: ENOSYS makes
     * libcs fall back to clone, which the rule above can check. */
    {clone3_, SCMP_ACT_ERRNO(0), ENOSYS, NONE, CAP_SYS_ADMIN},
    {with_sys_boot, SCMP_ACT_ALLOW, 0, CAP_SYS_BOOT, NONE},
    {with_sys_chroot, SCMP_ACT_ALLOW, 0, CAP_SYS_CHROOT, NONE},
    {with_sys_module, SCMP_ACT_ALLOW, 0, CAP_SYS_MODULE, NONE},
    {with_sys_pacct, SCMP_ACT_ALLOW, 0, CAP_SYS_PACCT, NONE},
    {with_sys_ptrace, SCMP_ACT_ALLOW, 0, CAP_SYS_PTRACE, NONE},
    {with_sys_rawio, SCMP_ACT_ALLOW, 0, CAP_SYS_RAWIO, NONE},
    {with_sys_time, SCMP_ACT_ALLOW, 0, CAP_SYS_TIME, NONE},
    {with_sys_tty_config, SCMP_ACT_ALLOW, 0, CAP_SYS_TTY_CONFIG, NONE},
    {with_sys_nice, SCMP_ACT_ALLOW, 0, CAP_SYS_NICE, NONE},
    {with_syslog, SCMP_ACT_ALLOW, 0, CAP_SYSLOG, NONE},
    {with_bpf, SCMP_ACT_ALLOW, 0, CAP_BPF, NONE},
    {with_perfmon, SCMP_ACT_ALLOW, 0, CAP_PERFMON, NONE},
};

static bool has_cap(uint64_t caps, int cap) {
  return cap < 64 && (caps & (UINT64_C(1) << cap));
}

static const char *action_name(uint32_t action) {
  return action == SCMP_ACT_ALLOW ? "SCMP_ACT_ALLOW" : "SCMP_ACT_ERRNO";
}

static int add_native_arches(char ***v) {
  static const char *const arches[] = {
#if defined(__x86_64__)
    "SCMP_ARCH_X86_64",
    "SCMP_ARCH_X86",
    "SCMP_ARCH_X32",
#elif defined(__aarch64__)
    "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_ARM",
#elif defined(__s390x__)
    "SCMP_ARCH_S390X",
    "SCMP_ARCH_S390",
#endif
    NULL
  };
  for (const char *const *a = arches; *a; a++)
    if (hutch_strv_push(v, *a) < 0)
      return -ENOMEM;
  return 0;
}

int hutch_seccomp_default_profile(struct spec_seccomp *out, uint64_t caps,
                                  struct hutch_error **err) {
  struct spec_seccomp p = {.present = true,
                           .default_action_value = SCMP_ACT_ERRNO(0),
                           .has_default_errno_ret = true,
                           .default_errno_ret = EPERM};
  p.syscalls = calloc(ARRAY_SIZE(rules), sizeof(*p.syscalls));
  p.default_action = strdup("SCMP_ACT_ERRNO");
  if (p.syscalls == NULL || p.default_action == NULL || add_native_arches(&p.architectures) < 0)
    goto oom;
  for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
    const struct default_rule *r = &rules[i];
    if (r->include_cap != NONE && !has_cap(caps, r->include_cap))
      continue;
    if (r->exclude_cap != NONE && has_cap(caps, r->exclude_cap))
      continue;
    struct spec_seccomp_syscall *sc = &p.syscalls[p.n_syscalls++];
    sc->action = r->action;
    sc->action_name = strdup(action_name(r->action));
    if (sc->action_name == NULL)
      goto oom;
    if (r->errno_ret) {
      sc->has_errno_ret = true;
      sc->errno_ret = (uint32_t)r->errno_ret;
    }
    for (const char *const *n = r->names; *n; n++)
      if (hutch_strv_push(&sc->names, *n) < 0)
        goto oom;
    if (r->has_arg) {
      sc->args = malloc(sizeof(*sc->args));
      if (sc->args == NULL)
        goto oom;
      sc->args[0] = r->arg;
      sc->n_args = 1;
    }
  }
  *out = p;
  return 0;
oom:
  hutch_seccomp_profile_clear(&p);
  return hutch_error_set(err, ENOMEM, "default seccomp profile");
}

void hutch_seccomp_profile_clear(struct spec_seccomp *p) {
  free(p->default_action);
  hutch_strv_free(p->architectures);
  hutch_strv_free(p->flags);
  free(p->listener_path);
  free(p->listener_metadata);
  for (size_t i = 0; i < p->n_syscalls; i++) {
    hutch_strv_free(p->syscalls[i].names);
    free(p->syscalls[i].action_name);
    free(p->syscalls[i].args);
  }
  free(p->syscalls);
  memset(p, 0, sizeof(*p));
}
