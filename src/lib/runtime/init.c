/* The container's init, in the child, from clone to execve.
 *
 * The order is the design (DESIGN.md "The child setup sequence"):
 *   wait for the parent (id maps, cgroup) → join namespaces → late
 *   namespaces → our own procfs handle → mounts → hooks → pivot_root → hostname, sysctl →
 *   masked and readonly paths → terminal, rlimits → find the executable → uid/gid with
 *   capabilities → no_new_privs, labels → ready → wait for start →
 *   seccomp (last) → execve.
 * Every failure is sent to the parent as SYNC_ERROR and the child exits;
 * the parent prints it and removes what it made. */
#include "init.h"

#include "hooks.h"
#include "procenv.h"
#include "sync.h"
#include "linux/cgroup.h"
#include "linux/rootless.h"
#include "linux/lsm.h"
#include "linux/namespaces.h"
#include "linux/procfs.h"
#include "linux/rlimits.h"
#include "linux/rootfs.h"
#include "linux/seccomp.h"
#include "linux/sysctl.h"
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static __attribute__((noreturn)) void fail(struct init_args *a, struct hutch_error *e) {
  hutch_sync_send(a->sync_fd, SYNC_ERROR, e ? e->errnum : 0, e && e->msg ? e->msg : "init failed");
  _exit(1);
}

static int step_wait_parent(struct init_args *a, struct hutch_error **err) {
  struct sync_msg m;
  int r = hutch_sync_recv(a->sync_fd, &m);
  if (r < 0 || m.type != SYNC_GO)
    return hutch_error_set(err, r < 0 ? -r : EPROTO, "wait for the parent's go");
  /* With a seccomp listener the go carries the state message for it (it
   * names our pid, which the parent learnt only after clone). */
  if (m.text[0]) {
    static char listener_msg[sizeof(m.text)];
    memcpy(listener_msg, m.text, sizeof(m.text));
    a->seccomp_state_json = listener_msg;
  }
  /* Not dumpable until execve: nothing in the container may open our
   * /proc/<pid>/exe or memory while we still run the runtime's code.
   * Only now: an unprivileged parent (rootless hutch-runtime) writes our
   * uid_map before the go, which it may not once /proc/<pid> is root's. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return 0;
}

/* A pid namespace unshared after joining a user namespace holds only the
 * children made from then on: fork, and the child goes on as the
 * container's init, pid 1 there. This process tells the parent the
 * child's pid (the parent, our subreaper, inherits the child when we
 * exit) and exits. The child waits for that report to be sent, so the
 * parent's state and hooks name it before anything else of it arrives. */
static int step_fork_into_pidns(struct init_args *a, struct hutch_error **err) {
  int gate[2];
  if (pipe2(gate, O_CLOEXEC) < 0)
    return hutch_error_set(err, errno, "pipe for the pid namespace fork");
  hutch_debug("fork into the new pid namespace");
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(gate[0]);
    close(gate[1]);
    return hutch_error_set(err, e, "fork into the new pid namespace");
  }
  if (pid == 0) {
    close(gate[1]);
    char c;
    while (read(gate[0], &c, 1) < 0 && errno == EINTR)
      ;
    close(gate[0]);
    /* The parent's second go: it has adopted us (and a seccomp listener's
     * message now names our pid). */
    return step_wait_parent(a, err);
  }
  close(gate[0]);
  int r = hutch_sync_send(a->sync_fd, SYNC_PID, pid, NULL);
  _exit(r < 0 ? 1 : 0); /* closes the gate: the child goes on */
}

static int step_join_namespaces(struct init_args *a, struct hutch_error **err) {
  /* The user namespace first: the others are owned by it. */
  if (a->ns_fds[SPEC_NS_USER] >= 0 && hutch_ns_join(SPEC_NS_USER, a->ns_fds[SPEC_NS_USER], err) < 0)
    return -1;
  for (int t = 0; t < SPEC_NS__MAX; t++) {
    /* pid was joined by the parent before clone (it applies to children). */
    if (t == SPEC_NS_USER || t == SPEC_NS_PID || a->ns_fds[t] < 0)
      continue;
    if (hutch_ns_join((enum spec_ns_type)t, a->ns_fds[t], err) < 0)
      return -1;
  }
  hutch_ns_close_fds(a->ns_fds);
  if (a->new_userns || a->spec->linux_.namespaces[SPEC_NS_USER].path) {
    /* Become root of the user namespace (the maps are written by now). */
    if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
      return hutch_error_set(err, errno,
                             "become root in the user namespace (is uid/gid 0 mapped?)");
  }
  if (hutch_ns_unshare_late(&a->spec->linux_, err) < 0)
    return -1;
  return hutch_ns_pid_made_late(&a->spec->linux_) ? step_fork_into_pidns(a, err) : 0;
}

/* Every later write to /proc (sysctl, time offsets, attr/exec) goes
 * through one procfs handle of our own (linux/procfs.c). It is made here,
 * before any spec mount and before pivot_root, so that even its fallback
 * (the /proc we inherited) is never a /proc the container made. */
static int step_procfs(struct hutch_error **err) {
  int fd = hutch_procfs_root();
  if (fd < 0)
    return hutch_error_set(err, fd, "open a private procfs handle");
  hutch_debug("private procfs handle ready (fd %d)", fd);
  return 0;
}

static int step_session_keyring(struct init_args *a, struct hutch_error **err) {
  if (a->no_new_keyring)
    return 0;
  char name[256];
  snprintf(name, sizeof(name), "_ses.%s", a->id);
  /* KEYCTL_JOIN_SESSION_KEYRING = 1: a fresh session keyring so the
   * container cannot see the host's keys. Kernels without keyrings, or
   * where it is refused, go on without. */
  if (syscall(SYS_keyctl, 1, name, 0, 0, 0) < 0)
    hutch_debug("join session keyring: %s, ignoring", strerror(errno));
  return 0;
}

static int step_mounts(struct init_args *a, struct rootfs_ctx *rc, struct hutch_error **err) {
  if (hutch_rootfs_prepare(rc, err) < 0)
    return -1;
  /* A missing process.cwd is created (as root, before pivot_root and the
   * user change), as runc and crun do: images name a WorkingDir their
   * layers need not contain, and containerd passes it through as is. */
  const char *cwd = a->spec->process.cwd;
  if (cwd && *cwd && strcmp(cwd, "/") != 0) {
    int fd = hutch_mkdir_in_root(rc->rootfd, cwd, 0755);
    if (fd < 0)
      return hutch_error_set(err, -fd, "create process.cwd %s", cwd);
    close(fd);
  }
  return 0;
}

static int step_hooks_before_pivot(struct init_args *a, struct hutch_error **err) {
  const struct spec_hooks *h = &a->spec->hooks;
  if (h->n[SPEC_HOOK_PRESTART] || h->n[SPEC_HOOK_CREATE_RUNTIME]) {
    /* prestart and createRuntime run in the runtime's namespaces: the
     * parent runs them while we wait. */
    hutch_sync_send(a->sync_fd, SYNC_HOOKS_REQUEST, 0, NULL);
    struct sync_msg m;
    int r = hutch_sync_recv(a->sync_fd, &m);
    if (r < 0 || m.type != SYNC_HOOKS_DONE)
      return hutch_error_set(err, r < 0 ? -r : EPROTO, "wait for prestart/createRuntime hooks");
  }
  /* createContainer hooks run here, in the container's mount namespace
   * before pivot_root. */
  return hutch_hooks_run(h, SPEC_HOOK_CREATE_CONTAINER, a->state_json, err);
}

static int step_uts(struct init_args *a, struct hutch_error **err) {
  const struct spec *s = a->spec;
  bool uts = s->linux_.namespaces[SPEC_NS_UTS].present;
  if ((s->hostname && *s->hostname) || (s->domainname && *s->domainname)) {
    if (!uts)
      return hutch_error_set(err, EINVAL, "hostname: needs a uts namespace");
  }
  if (s->hostname && *s->hostname) {
    hutch_debug("sethostname %s", s->hostname);
    if (sethostname(s->hostname, strlen(s->hostname)) < 0)
      return hutch_error_set(err, errno, "sethostname %s", s->hostname);
  }
  if (s->domainname && *s->domainname) {
    hutch_debug("setdomainname %s", s->domainname);
    if (setdomainname(s->domainname, strlen(s->domainname)) < 0)
      return hutch_error_set(err, errno, "setdomainname %s", s->domainname);
  }
  return 0;
}

static int step_terminal(struct init_args *a, struct hutch_error **err) {
  const struct spec_process *p = &a->spec->process;
  if (!p->terminal)
    return 0;
  if (a->console_fd < 0)
    return hutch_error_set(err, EINVAL, "process.terminal is true but there is no console socket");
  int r = hutch_terminal_setup(a->console_fd, p->has_console_size ? p->console_height : 0,
                               p->has_console_size ? p->console_width : 0, p->user.uid, err);
  close(a->console_fd);
  a->console_fd = -EBADF;
  if (r < 0)
    return r;
  /* /dev/console is the container's terminal, as runc and crun make it:
   * the pty slave (now fd 0) bound over an empty file in the container's /dev. */
  return hutch_rootfs_bind_console(0, err);
}

static int step_process_attrs(struct init_args *a, struct hutch_error **err) {
  const struct spec *s = a->spec;
  if (hutch_rlimits_apply(&s->process, err) < 0)
    return -1;
  if (s->linux_.has_personality && hutch_set_personality(&s->linux_, err) < 0)
    return -1;
  if (s->process.io_priority.present && hutch_set_io_priority(&s->process.io_priority, err) < 0)
    return -1;
  if (s->process.scheduler.present && hutch_set_scheduler(&s->process.scheduler, err) < 0)
    return -1;
  return 0;
}

int hutch_init_find_executable(const char *arg0, char *const *env, char **out,
                               struct hutch_error **err) {
  struct stat st;
  if (strchr(arg0, '/')) {
    if (stat(arg0, &st) < 0)
      return hutch_error_set(err, errno, "exec: \"%s\"", arg0);
    if (S_ISDIR(st.st_mode) || access(arg0, X_OK) < 0)
      return hutch_error_set(err, EACCES, "exec: \"%s\"", arg0);
    *out = strdup(arg0);
    return 0;
  }
  const char *path = DEFAULT_PATH;
  for (char *const *e = env; e && *e; e++)
    if (strncmp(*e, "PATH=", 5) == 0)
      path = *e + 5;
  _cleanup_free_ char *copy = strdup(path);
  char *save = NULL;
  bool found_noexec = false;
  for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    char cand[4096];
    snprintf(cand, sizeof(cand), "%s/%s", *dir ? dir : ".", arg0);
    if (stat(cand, &st) < 0 || S_ISDIR(st.st_mode))
      continue;
    if (access(cand, X_OK) < 0) {
      found_noexec = true;
      continue;
    }
    *out = strdup(cand);
    return 0;
  }
  if (found_noexec)
    return hutch_error_set(err, EACCES, "exec: \"%s\"", arg0);
  return hutch_error_set(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", arg0);
}

int hutch_init_user_and_caps(const struct spec_process *p, bool has_caps,
                             const struct hutch_caps *caps, struct hutch_error **err) {
  /* Bounding set and keepcaps before the uid change; the sets after it:
   * setuid to non-root clears permitted/effective otherwise. */
  if (has_caps && hutch_caps_prepare(caps, err) < 0)
    return -1;
  hutch_debug("setgroups %zu, setresgid %u, setresuid %u", p->user.n_additional_gids,
              (unsigned)p->user.gid, (unsigned)p->user.uid);
  if (setgroups(p->user.n_additional_gids, p->user.additional_gids) < 0) {
    /* In a user namespace with setgroups denied only an empty list works. */
    if (!(errno == EPERM && p->user.n_additional_gids == 0))
      return hutch_error_set(err, errno, "setgroups");
  }
  if (setresgid(p->user.gid, p->user.gid, p->user.gid) < 0)
    return hutch_error_set(err, errno, "setresgid %u", (unsigned)p->user.gid);
  if (setresuid(p->user.uid, p->user.uid, p->user.uid) < 0)
    return hutch_error_set(err, errno, "setresuid %u", (unsigned)p->user.uid);
  if (has_caps && hutch_caps_apply(caps, err) < 0)
    return -1;
  if (p->user.has_umask)
    umask(p->user.umask);
  else
    umask(022);
  return 0;
}

int hutch_init_cwd(const struct spec_process *p, struct hutch_error **err) {
  const char *cwd = p->cwd && *p->cwd ? p->cwd : "/";
  hutch_debug("chdir %s", cwd);
  if (chdir(cwd) < 0)
    return hutch_error_set(err, errno, "chdir to process.cwd %s", cwd);
  /* A cwd reached through a magic link (/proc/self/fd/N of an inherited fd
   * naming a host directory: the CVE-2024-21626 class) lies outside our
   * root. The kernel then reports it as "(unreachable)…", which glibc's
   * getcwd turns into ENOENT. */
  char buf[4096];
  if (getcwd(buf, sizeof(buf)) == NULL ? errno == ENOENT : buf[0] != '/')
    return hutch_error_set(err, EPERM, "process.cwd %s is outside the container's root", cwd);
  return 0;
}

int hutch_init_nnp_and_label(const struct spec_process *p, struct hutch_error **err) {
  if (p->no_new_privileges) {
    hutch_debug("prctl PR_SET_NO_NEW_PRIVS");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
      return hutch_error_set(err, errno, "set no_new_privs");
  }
  if (p->apparmor_profile || p->selinux_label)
    return hutch_lsm_set_exec_label(p->apparmor_profile, p->selinux_label, err);
  return 0;
}

static int step_seccomp(struct init_args *a, struct hutch_error **err) {
  if (a->seccomp == NULL)
    return 0;
  hutch_debug("seccomp: load filter of %zu rules", hutch_seccomp_rule_count(a->seccomp));
  return hutch_seccomp_load(a->seccomp, a->seccomp_state_json, err);
}

static int step_wait_start(struct init_args *a, struct hutch_error **err) {
  /* Reopened through our own procfs: the container's /proc/self/fd is
   * whatever its mounts made of it. */
  int fd = hutch_procfs_reopen(a->fifo_fd, O_WRONLY);
  if (fd < 0)
    return hutch_error_set(err, fd, "open exec fifo");
  ssize_t w;
  do
    w = write(fd, "0", 1);
  while (w < 0 && errno == EINTR);
  close(fd);
  close(a->fifo_fd);
  if (w < 0)
    return hutch_error_set(err, errno, "write exec fifo");
  return 0;
}

/* The process starts with default signal dispositions and nothing
 * blocked, whatever the caller of the runtime ignored or blocked (ignored
 * signals and the mask survive execve). */
static void reset_signals(void) {
  for (int sig = 1; sig < _NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

void hutch_init_fds_for_exec(int preserve_fds) {
  reset_signals();
  /* Nothing of the runtime's or the caller's crosses execve but 0-2 and the
   * --preserve-fds range (the CVE-2024-21626 class). */
  unsigned first = 3 + (unsigned)preserve_fds;
  if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    for (int fd = (int)first; fd < 65536; fd++)
      fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  for (int fd = 3; fd < (int)first; fd++) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0)
      fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
  }
}

/* Every fd the runtime was started with crossed an execve, so it is not
 * close-on-exec; every fd the runtime opens is. So the fds >= first that
 * are not close-on-exec are the caller's (or a leak): closed now, before
 * the init waits in the created state where they would be visible in its
 * /proc/PID/fd. stdio and the --preserve-fds range are below first. */
static void close_inherited_fds(int first) {
  int batch[256];
  size_t n;
  do {
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
      return; /* the CLOEXEC sweep before execve still closes them */
    n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < sizeof(batch) / sizeof(batch[0])) {
      char *end;
      long fd = strtol(de->d_name, &end, 10);
      if (*end || end == de->d_name || fd < first || fd == dirfd(d))
        continue;
      int fl = fcntl((int)fd, F_GETFD);
      if (fl >= 0 && !(fl & FD_CLOEXEC))
        batch[n++] = (int)fd;
    }
    closedir(d);
    for (size_t i = 0; i < n; i++)
      close(batch[i]);
  } while (n == sizeof(batch) / sizeof(batch[0]));
}

/* The caller's chosen stdio becomes 0-2; through fds >= 3 first, so that
 * one target is never the source of another. */
static void step_stdio(const struct init_args *a) {
  int tmp[3];
  for (int i = 0; i < 3; i++)
    tmp[i] = a->stdio[i] >= 0 ? fcntl(a->stdio[i], F_DUPFD_CLOEXEC, 3) : -1;
  for (int i = 0; i < 3; i++)
    if (tmp[i] >= 0) {
      dup2(tmp[i], i);
      close(tmp[i]);
    }
}

void hutch_init_child(struct init_args *a) {
  struct hutch_error *err = NULL;
  step_stdio(a);
  close_inherited_fds(3 + a->preserve_fds);
  /* The state dir's flock belongs to the open file we share with the
   * parent: keeping it would hold the lock for as long as we live. */
  if (a->state_dirfd >= 0)
    close(a->state_dirfd);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  hutch_sync_route_log(a->sync_fd);
  signal(SIGPIPE, SIG_DFL);

  const struct spec *s = a->spec;
  struct rootfs_ctx rc = {.spec = s,
                          .rootfs = a->rootfs,
                          .no_pivot = a->no_pivot,
                          .mountns = s->linux_.namespaces[SPEC_NS_MOUNT].present,
                          /* a rootless runtime is in a user namespace already */
                          .userns = a->new_userns || s->linux_.namespaces[SPEC_NS_USER].path ||
                                    hutch_rootless(),
                          .cgroup = a->cgroup,
                          .idmap_fds = a->idmap_fds,
                          .rootfd = -EBADF};
  _cleanup_free_ char *exe = NULL;

  if (step_wait_parent(a, &err) < 0 || step_join_namespaces(a, &err) < 0 || step_procfs(&err) < 0 ||
      step_session_keyring(a, &err) < 0 || step_mounts(a, &rc, &err) < 0 ||
      step_hooks_before_pivot(a, &err) < 0 || hutch_rootfs_pivot(&rc, &err) < 0 ||
      step_uts(a, &err) < 0 ||
      /* sysctl before the readonly paths: specs (podman's) list /proc/sys
       * as readonly and still set net.* sysctls, as runc allows. */
      hutch_sysctl_apply(&s->linux_, &err) < 0 || hutch_rootfs_finish(s, &err) < 0 ||
      step_terminal(a, &err) < 0 || step_process_attrs(a, &err) < 0)
    fail(a, err);

  char **env = hutch_process_env(&s->process, a->listen_fds, &err);
  if (env == NULL || hutch_init_find_executable(s->process.args[0], env, &exe, &err) < 0)
    fail(a, err);

  /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which the
   * uid change below may drop: load it now, as runc does. With
   * no_new_privs it waits until just before execve. */
  bool seccomp_early = !s->process.no_new_privileges;
  if (seccomp_early && step_seccomp(a, &err) < 0)
    fail(a, err);
  if (hutch_init_user_and_caps(&s->process, a->has_caps, &a->caps, &err) < 0 ||
      hutch_init_cwd(&s->process, &err) < 0 || hutch_init_nnp_and_label(&s->process, &err) < 0)
    fail(a, err);

  /* The parent exits once it has READY (create is done): drop the death
   * signal before telling it, or its exit races our prctl and kills us. */
  prctl(PR_SET_PDEATHSIG, 0);
  hutch_sync_send(a->sync_fd, SYNC_READY, 0, NULL);
  /* From here the parent may be gone; errors go to stderr. */
  if (step_wait_start(a, &err) < 0 ||
      hutch_hooks_run(&s->hooks, SPEC_HOOK_START_CONTAINER, a->start_state_json, &err) < 0 ||
      (!seccomp_early && step_seccomp(a, &err) < 0)) {
    hutch_log_set_sink(NULL, NULL);
    hutch_error_print(stderr, "hutch-runtime", err);
    _exit(1);
  }
  hutch_log_set_sink(NULL, NULL);
  hutch_init_fds_for_exec(a->preserve_fds);
  execve(exe, s->process.args, env);
  int e = errno;
  hutch_sync_send(a->sync_fd, SYNC_EXEC_FAILED, e, exe);
  fprintf(stderr, "hutch-runtime: exec %s: %s\n", exe, strerror(e));
  _exit(e == ENOENT ? 127 : 126);
}
