/* exec: a new process in a running container.
 *
 * Parent side: load the container's state and saved config, build the
 * process (process.json, or the config's process with the flags on top),
 * compile seccomp, open every namespace of the init (/proc/<pid>/ns/…) and
 * its root (/proc/<pid>/root), join its pid namespace (it applies to
 * children), fork, move the child into the cgroup, and wait.
 *
 * Child side: join the namespaces (user first), chroot into the init's
 * root, then the same steps as init from rlimits on: terminal, find the
 * executable, seccomp, uid/gid with capabilities, cwd, no_new_privs and
 * label, close what must not cross execve, execve.
 *
 * The two talk over create's sync protocol (sync.h, docs/sync-protocol.md):
 *   parent → child  SYNC_GO      cgroup joined (text: the seccomp listener's message)
 *   child → parent  SYNC_LOG, SYNC_ERROR while setting up
 *   child → parent  SYNC_READY   set up; only the late seccomp and execve remain
 *   child → parent  SYNC_EXEC_FAILED, or EOF: execve closed the CLOEXEC socket. */
#include "exec.h"

#include "init.h"
#include "procenv.h"
#include "state.h"
#include "sealed.h"
#include "sync.h"
#include "linux/caps.h"
#include "linux/cgroup.h"
#include "linux/lsm.h"
#include "linux/rlimits.h"
#include "linux/seccomp.h"
#include "linux/terminal.h"
#include "linux/namespaces.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The names under /proc/<pid>/ns, by spec namespace type. */
static const char *const proc_ns_names[SPEC_NS__MAX] = {
    [SPEC_NS_MOUNT] = "mnt",     [SPEC_NS_PID] = "pid",   [SPEC_NS_NETWORK] = "net",
    [SPEC_NS_IPC] = "ipc",       [SPEC_NS_UTS] = "uts",   [SPEC_NS_USER] = "user",
    [SPEC_NS_CGROUP] = "cgroup", [SPEC_NS_TIME] = "time",
};

/* The process to run. `p` is what runs: a shallow copy of the config's or
 * the file's process whose changed lists point at the owned copies below. */
struct exec_process {
  struct spec_process p;
  struct spec_process file; /* --process FILE */
  char **env, **bounding, **effective, **permitted, **ambient;
  gid_t *gids;
};

static void exec_process_clear(struct exec_process *x) {
  hutch_spec_process_clear(&x->file);
  hutch_strv_free(x->env);
  hutch_strv_free(x->bounding);
  hutch_strv_free(x->effective);
  hutch_strv_free(x->permitted);
  hutch_strv_free(x->ambient);
  free(x->gids);
}

/* What the child needs; the child has its own copy after fork. */
struct exec_child {
  const struct spec_process *p;
  int sync_fd;
  int state_dirfd;
  int root_fd;
  int console_fd;
  int ns_fds[SPEC_NS__MAX];
  int preserve_fds;
  bool has_caps;
  struct hutch_caps caps;
  const struct hutch_seccomp *seccomp;
  const char *listener_msg;
  bool late_cgroup; /* paused container: join its cgroup only before execve */
};

static void spec_freep_local(struct spec **s) {
  hutch_spec_free(*s);
}

static bool env_has_key(char *const *env, const char *kv) {
  size_t klen = strcspn(kv, "=");
  for (char *const *e = env; e && *e; e++)
    if (strncmp(*e, kv, klen) == 0 && (*e)[klen] == '=')
      return true;
  return false;
}

/* The config's env with the --env entries on top; a key given again
 * replaces the config's value instead of shadowing it. */
static int merge_env(char *const *base, char *const *add, char ***out, struct hutch_error **err) {
  char **v = calloc(1, sizeof(char *));
  if (v == NULL)
    return hutch_error_set(err, ENOMEM, "env");
  for (char *const *e = base; e && *e; e++)
    if (!env_has_key(add, *e) && hutch_strv_push(&v, *e) < 0)
      goto oom;
  for (char *const *e = add; e && *e; e++) {
    if (strchr(*e, '=') == NULL || **e == '=') {
      hutch_strv_free(v);
      return hutch_error_set(err, EINVAL, "--env %s: must be KEY=VALUE", *e);
    }
    if (hutch_strv_push(&v, *e) < 0)
      goto oom;
  }
  *out = v;
  return 0;
oom:
  hutch_strv_free(v);
  return hutch_error_set(err, ENOMEM, "env");
}

static int caps_plus(char *const *base, char *const *add, char ***out) {
  char **v = base ? hutch_strv_dup(base) : calloc(1, sizeof(char *));
  if (v == NULL)
    return -ENOMEM;
  for (char *const *c = add; *c; c++)
    if (hutch_strv_push(&v, *c) < 0) {
      hutch_strv_free(v);
      return -ENOMEM;
    }
  *out = v;
  return 0;
}

static int parse_id(const char *s, const char *what, uint32_t *out, struct hutch_error **err) {
  int64_t v;
  if (hutch_parse_int64(s, 0, UINT32_MAX - 1, &v) < 0)
    return hutch_error_set(err, EINVAL, "--user: %s \"%s\" must be a number", what, s);
  *out = (uint32_t)v;
  return 0;
}

/* runc's rules: the flags change the config's process; --cap adds to the
 * bounding, effective and permitted sets (and ambient when the config has
 * inheritable caps, without which ambient ones cannot be raised). */
static int process_from_flags(const struct spec_process *cfg, const struct exec_opts *o,
                              struct exec_process *x, struct hutch_error **err) {
  x->p = *cfg;
  if (o->args == NULL || o->args[0] == NULL)
    return hutch_error_set(err, EINVAL, "exec: no command given (and no --process)");
  x->p.args = (char **)o->args;
  x->p.terminal = o->tty;
  x->p.has_console_size = false;
  if (merge_env(cfg->env, o->env, &x->env, err) < 0)
    return -1;
  x->p.env = x->env;
  if (o->cwd) {
    if (o->cwd[0] != '/')
      return hutch_error_set(err, EINVAL, "--cwd %s: must be an absolute path", o->cwd);
    x->p.cwd = (char *)o->cwd;
  }
  if (o->user) {
    _cleanup_free_ char *u = strdup(o->user);
    if (u == NULL)
      return hutch_error_set(err, ENOMEM, "--user");
    char *colon = strchr(u, ':');
    if (colon)
      *colon = '\0';
    uint32_t id = 0;
    if (parse_id(u, "uid", &id, err) < 0)
      return -1;
    x->p.user.uid = id;
    if (colon) {
      if (parse_id(colon + 1, "gid", &id, err) < 0)
        return -1;
      x->p.user.gid = id;
    }
  }
  if (o->n_additional_gids) {
    size_t n = cfg->user.n_additional_gids + o->n_additional_gids;
    x->gids = calloc(n, sizeof(gid_t));
    if (x->gids == NULL)
      return hutch_error_set(err, ENOMEM, "--additional-gids");
    memcpy(x->gids, cfg->user.additional_gids, cfg->user.n_additional_gids * sizeof(gid_t));
    memcpy(x->gids + cfg->user.n_additional_gids, o->additional_gids,
           o->n_additional_gids * sizeof(gid_t));
    x->p.user.additional_gids = x->gids;
    x->p.user.n_additional_gids = n;
  }
  if (o->caps && o->caps[0]) {
    for (char *const *c = o->caps; *c; c++)
      if (hutch_cap_from_name(*c) < 0)
        return hutch_error_set(err, EINVAL, "--cap: unknown capability \"%s\"", *c);
    if (caps_plus(cfg->caps.bounding, o->caps, &x->bounding) < 0 ||
        caps_plus(cfg->caps.effective, o->caps, &x->effective) < 0 ||
        caps_plus(cfg->caps.permitted, o->caps, &x->permitted) < 0 ||
        (cfg->caps.inheritable && caps_plus(cfg->caps.ambient, o->caps, &x->ambient) < 0))
      return hutch_error_set(err, ENOMEM, "--cap");
    x->p.caps.bounding = x->bounding;
    x->p.caps.effective = x->effective;
    x->p.caps.permitted = x->permitted;
    if (x->ambient)
      x->p.caps.ambient = x->ambient;
    x->p.has_caps = true;
  }
  if (o->no_new_privs)
    x->p.no_new_privileges = true;
  if (o->apparmor)
    x->p.apparmor_profile = (char *)o->apparmor;
  if (o->process_label)
    x->p.selinux_label = (char *)o->process_label;
  return 0;
}

/* A process.json is the whole process; what it does not say about
 * capabilities, rlimits and labels stays the container's (as runc). */
static int process_from_file(const struct spec_process *cfg, const char *path,
                             struct exec_process *x, struct hutch_error **err) {
  _cleanup_free_ char *text = NULL;
  size_t len;
  int r = hutch_read_file(path, &text, &len);
  if (r < 0)
    return hutch_error_set(err, r, "read --process %s", path);
  if (hutch_spec_parse_process(text, len, &x->file, err) < 0)
    return hutch_error_wrap(err, "%s", path);
  x->p = x->file;
  if (!x->p.has_caps) {
    x->p.caps = cfg->caps;
    x->p.has_caps = cfg->has_caps;
  }
  if (x->p.n_rlimits == 0) {
    x->p.rlimits = cfg->rlimits;
    x->p.n_rlimits = cfg->n_rlimits;
  }
  if (x->p.apparmor_profile == NULL)
    x->p.apparmor_profile = cfg->apparmor_profile;
  if (x->p.selinux_label == NULL)
    x->p.selinux_label = cfg->selinux_label;
  return 0;
}

/* ---- the child ---- */

static __attribute__((noreturn)) void child_fail(struct exec_child *c, struct hutch_error *e) {
  hutch_sync_send(c->sync_fd, SYNC_ERROR, e ? e->errnum : 0, e && e->msg ? e->msg : "exec failed");
  _exit(1);
}

static int child_join(struct exec_child *c, struct hutch_error **err) {
  /* The user namespace first: it owns the others, and joining it gives us
   * the capabilities to join them. pid was joined by the parent. */
  if (c->ns_fds[SPEC_NS_USER] >= 0) {
    if (hutch_ns_join(SPEC_NS_USER, c->ns_fds[SPEC_NS_USER], err) < 0)
      return -1;
    /* Root of the container's user namespace, as its init became. */
    if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
      return hutch_error_set(err, errno, "become root in the container's user namespace");
  }
  for (int t = 0; t < SPEC_NS__MAX; t++) {
    if (t == SPEC_NS_USER || t == SPEC_NS_PID || c->ns_fds[t] < 0)
      continue;
    if (hutch_ns_join((enum spec_ns_type)t, c->ns_fds[t], err) < 0)
      return -1;
  }
  hutch_ns_close_fds(c->ns_fds);
  /* setns(mnt) put us at the namespace's original root, not where the
   * init pivoted to: go there through the init's root. */
  hutch_debug("chroot to the init's root");
  if (fchdir(c->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
    return hutch_error_set(err, errno, "enter the container's root");
  close(c->root_fd);
  c->root_fd = -EBADF;
  return 0;
}

static int child_terminal(struct exec_child *c, struct hutch_error **err) {
  const struct spec_process *p = c->p;
  if (!p->terminal)
    return 0;
  int r = hutch_terminal_setup(c->console_fd, p->has_console_size ? p->console_height : 0,
                               p->has_console_size ? p->console_width : 0, p->user.uid, err);
  close(c->console_fd);
  c->console_fd = -EBADF;
  return r;
}

static int child_seccomp(struct exec_child *c, struct hutch_error **err) {
  if (c->seccomp == NULL)
    return 0;
  hutch_debug("seccomp: load filter of %zu rules", hutch_seccomp_rule_count(c->seccomp));
  return hutch_seccomp_load(c->seccomp, c->listener_msg, err);
}

static __attribute__((noreturn)) void exec_child(struct exec_child *c) {
  struct hutch_error *err = NULL;
  _cleanup_free_ char *exe = NULL;
  const struct spec_process *p = c->p;
  /* As in init: the state dir's flock is shared with the parent's open
   * file, and nothing in the container may open our /proc/<pid>/exe or
   * memory while we run the runtime's code. */
  close(c->state_dirfd);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  signal(SIGPIPE, SIG_DFL); /* the CLI ignores it; an ignored signal survives execve */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* Keep the sync socket out of the --preserve-fds range, which is made
   * inheritable at execve: the parent waits for it to close. */
  int floor = 3 + c->preserve_fds;
  if (c->sync_fd < floor) {
    int fd = fcntl(c->sync_fd, F_DUPFD_CLOEXEC, floor);
    if (fd < 0)
      _exit(1);
    close(c->sync_fd);
    c->sync_fd = fd;
  }
  hutch_sync_route_log(c->sync_fd);

  struct sync_msg m;
  if (hutch_sync_recv(c->sync_fd, &m) < 0 || m.type != SYNC_GO)
    _exit(1);
  if (m.text[0])
    c->listener_msg = m.text;

  char **env = NULL;
  if (child_join(c, &err) < 0 || hutch_rlimits_apply(p, &err) < 0 || child_terminal(c, &err) < 0 ||
      (env = hutch_process_env(p, 0, &err)) == NULL ||
      hutch_init_find_executable(p->args[0], env, &exe, &err) < 0)
    child_fail(c, err);
  /* As in init: without no_new_privs loading the filter needs
   * CAP_SYS_ADMIN, which the uid change may drop, so it goes first. */
  bool seccomp_early = !p->no_new_privileges;
  if ((seccomp_early && child_seccomp(c, &err) < 0) ||
      hutch_init_user_and_caps(p, c->has_caps, &c->caps, &err) < 0 || hutch_init_cwd(p, &err) < 0 ||
      hutch_init_nnp_and_label(p, &err) < 0)
    child_fail(c, err);
  if (c->console_fd >= 0)
    close(c->console_fd);
  hutch_sync_send(c->sync_fd, SYNC_READY, 0, NULL);
  /* In a frozen cgroup we would freeze before READY: the parent moves us
   * only now and says go again. */
  struct sync_msg m2;
  if (c->late_cgroup && (hutch_sync_recv(c->sync_fd, &m2) < 0 || m2.type != SYNC_GO))
    _exit(1);
  if (!seccomp_early && child_seccomp(c, &err) < 0)
    child_fail(c, err);
  hutch_log_set_sink(NULL, NULL);
  /* The runtime may exit once we exec (--detach): do not die with it. */
  prctl(PR_SET_PDEATHSIG, 0);
  hutch_init_fds_for_exec(c->preserve_fds);
  execve(exe, p->args, env);
  int e = errno;
  hutch_sync_send(c->sync_fd, SYNC_EXEC_FAILED, e, exe);
  _exit(e == ENOENT ? 127 : 126);
}

/* ---- the parent ---- */

/* Open the init's namespaces that differ from ours (joining our own user
 * namespace would fail; joining the others again is pointless). */
static int open_namespaces(pid_t pid, const char *id, int fds[SPEC_NS__MAX],
                           struct hutch_error **err) {
  for (int t = 0; t < SPEC_NS__MAX; t++) {
    char path[64], self[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, proc_ns_names[t]);
    snprintf(self, sizeof(self), "/proc/self/ns/%s", proc_ns_names[t]);
    struct stat a, b;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT && t == SPEC_NS_TIME && access("/proc/self/ns/time", F_OK) < 0)
        continue; /* a kernel without time namespaces */
      /* An init on its way out has dropped its namespaces already. */
      if (errno == ENOENT)
        return hutch_error_set(err, 0, "cannot exec container %s: it is stopped", id);
      return hutch_error_set(err, errno, "open %s", path);
    }
    if (fstat(fd, &a) == 0 && stat(self, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
      close(fd);
      continue;
    }
    fds[t] = fd;
  }
  return 0;
}

static bool container_paused(const struct hutch_state *st) {
  struct hutch_cgroup *cg = NULL;
  bool paused = false;
  if (st->cgroup_path && hutch_cgroup_open(st->cgroup_path, &cg, NULL) == 0) {
    paused = hutch_cgroup_is_frozen(cg) == 1;
    hutch_cgroup_free(cg);
  }
  return paused;
}

static int check_preserved_fds(int n, struct hutch_error **err) {
  /* If the caller promised fds it does not have, ours would be allocated
   * in their place and handed to the container. */
  for (int fd = 3; fd < 3 + n; fd++)
    if (fcntl(fd, F_GETFD) < 0)
      return hutch_error_set(err, EBADF, "--preserve-fds %d: fd %d is not open", n, fd);
  return 0;
}

static volatile pid_t forward_pid;
static void forward_signal(int sig) {
  if (forward_pid > 0)
    kill(forward_pid, sig);
}

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

/* While we wait, signals to us go to the process; the caller's handlers
 * come back afterwards (the engine calls this in process). */
static void forward_signals(pid_t pid, struct sigaction saved[ARRAY_SIZE(forwarded)]) {
  forward_pid = pid;
  for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++) {
    struct sigaction sa = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
    sigaction(forwarded[i], &sa, &saved[i]);
  }
}

static void restore_signals(const struct sigaction saved[ARRAY_SIZE(forwarded)]) {
  for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
    sigaction(forwarded[i], &saved[i], NULL);
  forward_pid = 0;
}

/* After SYNC_GO: the setup's log lines, then READY (return 1), or EOF
 * after READY: execve closed the socket (return 0), or a failure. */
static int wait_child(int sock, bool ready, struct hutch_error **err) {
  struct sync_msg m;
  for (;;) {
    if (hutch_sync_recv(sock, &m) < 0) {
      if (ready)
        return 0;
      return hutch_error_set(err, 0, "exec process exited during setup");
    }
    switch (m.type) {
    case SYNC_LOG:
      hutch_log_write(m.value > HUTCH_LOG_DEBUG ? HUTCH_LOG_DEBUG : (enum hutch_log_level)m.value,
                      m.text);
      break;
    case SYNC_ERROR:
      return hutch_error_set(err, m.value, "%s", m.text);
    case SYNC_EXEC_FAILED:
      return hutch_error_set(err, m.value, "exec %s", m.text);
    case SYNC_READY:
      if (ready)
        goto unexpected;
      return 1;
    default:
    unexpected:
      return hutch_error_set(err, EPROTO, "sync: unexpected \"%s\" from the exec process",
                             hutch_sync_name(m.type));
    }
  }
}

int hutch_container_exec(const struct hutch_runtime *rt, const char *id, const struct exec_opts *o,
                         int *exit_status, struct hutch_error **err) {
  struct exec_child c = {.sync_fd = -EBADF,
                         .state_dirfd = -EBADF,
                         .root_fd = -EBADF,
                         .console_fd = -EBADF,
                         .preserve_fds = o->preserve_fds};
  for (int t = 0; t < SPEC_NS__MAX; t++)
    c.ns_fds[t] = -EBADF;
  struct exec_process x = {0};
  struct hutch_state st = {0};
  struct hutch_seccomp *seccomp = NULL;
  struct hutch_cgroup *cg = NULL;
  _cleanup_(spec_freep_local) struct spec *spec = NULL;
  _cleanup_free_ char *text = NULL, *listener_msg = NULL;
  int sv[2] = {-EBADF, -EBADF};
  _cleanup_close_ int own_pidns = -EBADF, own_console = -EBADF, master = -EBADF;
  pid_t pid = -1;
  int ret = -1;

  if (check_preserved_fds(o->preserve_fds, err) < 0)
    return -1;
  /* The lock keeps delete and a second exec's view consistent while we
   * set up; it is released once the process runs. */
  c.state_dirfd = hutch_state_dir_open(rt->root, id, true, err);
  if (c.state_dirfd < 0)
    return -1;
  if (hutch_state_read(c.state_dirfd, &st, err) < 0) {
    hutch_error_wrap(err, "container %s", id);
    goto out;
  }
  enum hutch_status s = hutch_state_status(&st);
  if ((s == HUTCH_STATUS_RUNNING || s == HUTCH_STATUS_CREATED) && container_paused(&st))
    s = HUTCH_STATUS_PAUSED;
  if (s == HUTCH_STATUS_PAUSED && o->ignore_paused)
    c.late_cgroup = true;
  else if (hutch_status_allows(HUTCH_OP_EXEC, s, id, err) < 0)
    goto out;

  /* The process, checked before anything is made. */
  size_t len;
  int r = hutch_read_file_at(c.state_dirfd, "config.json", &text, &len);
  if (r < 0) {
    hutch_error_set(err, r, "container %s: read its saved config.json", id);
    goto out;
  }
  if (hutch_spec_parse(text, len, &spec, err) < 0) {
    hutch_error_wrap(err, "container %s: saved config.json", id);
    goto out;
  }
  if ((o->process_path ? process_from_file(&spec->process, o->process_path, &x, err)
                       : process_from_flags(&spec->process, o, &x, err)) < 0)
    goto out;
  c.p = &x.p;
  struct spec lsm_view = *spec;
  lsm_view.process = x.p;
  if (hutch_lsm_check(&lsm_view, err) < 0)
    goto out;
  if (x.p.has_caps) {
    if (hutch_caps_from_spec(&x.p.caps, &c.caps, err) < 0)
      goto out;
    c.has_caps = true;
  }
  if (hutch_runtime_check_sealed(rt, err) < 0)
    goto out;
  /* Without --console-socket a foreground exec owns the pty, as runc's
   * does: the child sends the master over a socketpair of ours. */
  if (x.p.terminal && o->console_socket == NULL && o->detach) {
    hutch_error_set(err, EINVAL, "exec --tty --detach needs --console-socket");
    goto out;
  }
  if (spec->linux_.seccomp.present) {
    if (hutch_seccomp_compile(&spec->linux_.seccomp, &seccomp, err) < 0)
      goto out;
    c.seccomp = seccomp;
  }

  /* What the child joins. Opened before the liveness check, so a pid
   * reused after it cannot slip in between. */
  if (open_namespaces(st.pid, id, c.ns_fds, err) < 0)
    goto out;
  char rootp[64];
  snprintf(rootp, sizeof(rootp), "/proc/%d/root", (int)st.pid);
  c.root_fd = open(rootp, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c.root_fd < 0) {
    hutch_error_set(err, errno, "open %s", rootp);
    goto out;
  }
  if (!hutch_pid_alive(st.pid, st.start_time)) {
    hutch_error_set(err, 0, "cannot exec container %s: it is stopped", id);
    goto out;
  }
  if (st.cgroup_path && hutch_cgroup_open(st.cgroup_path, &cg, err) < 0)
    goto out;
  if (x.p.terminal && o->console_socket == NULL) {
    int csv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, csv) < 0) {
      hutch_error_set(err, errno, "socketpair for the exec process's pty");
      goto out;
    }
    own_console = csv[0];
    c.console_fd = csv[1];
  } else if (o->console_socket && x.p.terminal) {
    c.console_fd = hutch_unix_connect(o->console_socket);
    if (c.console_fd < 0) {
      hutch_error_set(err, c.console_fd, "connect to console socket %s", o->console_socket);
      goto out;
    }
  }
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    hutch_error_set(err, errno, "socketpair");
    goto out;
  }
  c.sync_fd = sv[1];
  if (hutch_seccomp_connect_listener(seccomp, err) < 0)
    goto out;
  /* Joining a pid namespace applies to the children made afterwards; the
   * engine calls this in process, so its later children must go back to
   * our own pid namespace (always allowed: it is the active one). */
  if (c.ns_fds[SPEC_NS_PID] >= 0) {
    own_pidns = hutch_ns_pid_enter_for_children(c.ns_fds[SPEC_NS_PID], err);
    if (own_pidns < 0)
      goto out;
  }

  pid = fork();
  if (pid == 0) {
    close(sv[0]);
    exec_child(&c);
  }
  int fork_errno = errno;
  hutch_ns_pid_restore(&own_pidns);
  if (pid < 0) {
    hutch_error_set(err, fork_errno, "fork");
    goto out;
  }
  close(sv[1]);
  sv[1] = c.sync_fd = -EBADF;
  if (c.console_fd >= 0 && own_console >= 0) {
    close(c.console_fd); /* the child's end */
    c.console_fd = -EBADF;
  }
  hutch_debug("exec process pid %d", (int)pid);

  if (cg && !c.late_cgroup && hutch_cgroup_enter(cg, pid, err) < 0)
    goto kill_child;
  if (x.p.has_oom_score_adj && hutch_set_oom_score_adj(pid, x.p.oom_score_adj, err) < 0)
    goto kill_child;
  if (hutch_seccomp_has_listener(seccomp)) {
    _cleanup_json_ json_t *sj = hutch_state_to_json(&st, s);
    _cleanup_free_ char *sjs = sj ? json_dumps(sj, JSON_COMPACT) : NULL;
    listener_msg = hutch_seccomp_listener_message(seccomp, spec->oci_version, pid, sjs);
    if (listener_msg == NULL || strlen(listener_msg) >= sizeof(((struct sync_msg *)0)->text)) {
      hutch_error_set(err, listener_msg ? E2BIG : ENOMEM, "seccomp listener state message");
      goto kill_child;
    }
  }
  if (hutch_sync_send(sv[0], SYNC_GO, 0, listener_msg) < 0) {
    hutch_error_set(err, EPIPE, "exec process exited early");
    goto kill_child;
  }
  if (wait_child(sv[0], false, err) < 0)
    goto kill_child;
  if (own_console >= 0) {
    /* sent before READY, so here before the process can write */
    master = hutch_recv_fd(own_console, NULL, 0);
    if (master < 0) {
      hutch_error_set(err, -master, "receive the exec process's pty");
      goto kill_child;
    }
    hutch_terminal_clear_onlcr(master);
  }
  if (c.late_cgroup) {
    /* It freezes on entry and execs when the container is resumed. */
    if ((cg && hutch_cgroup_enter(cg, pid, err) < 0) ||
        hutch_sync_send(sv[0], SYNC_GO, 0, NULL) < 0) {
      hutch_error_set(err, EPIPE, "exec process exited early");
      goto kill_child;
    }
  } else if (wait_child(sv[0], true, err) < 0) {
    goto kill_child;
  }
  close(c.state_dirfd);
  c.state_dirfd = -EBADF;
  if (o->pid_file && hutch_write_pid_file(o->pid_file, pid, err) < 0)
    goto kill_child;
  if (o->detach) {
    *exit_status = 0;
    ret = 0;
    goto out;
  }

  struct sigaction saved[ARRAY_SIZE(forwarded)];
  forward_signals(pid, saved);
  if (master >= 0) {
    _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    hutch_terminal_proxy(master, pidfd);
  }
  int status, w;
  while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
    ;
  int werr = errno;
  restore_signals(saved);
  if (w < 0) {
    hutch_error_set(err, werr, "wait for the exec process %d", (int)pid);
    goto out;
  }
  *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  ret = 0;
  goto out;

kill_child:
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
out:
  if (sv[0] >= 0)
    close(sv[0]);
  if (sv[1] >= 0)
    close(sv[1]);
  if (c.state_dirfd >= 0)
    close(c.state_dirfd);
  if (c.root_fd >= 0)
    close(c.root_fd);
  if (c.console_fd >= 0)
    close(c.console_fd);
  hutch_ns_close_fds(c.ns_fds);
  if (cg)
    hutch_cgroup_free(cg);
  if (seccomp)
    hutch_seccomp_free(seccomp);
  exec_process_clear(&x);
  hutch_state_clear(&st);
  return ret;
}
