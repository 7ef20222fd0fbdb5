/* The parent side of create: validate, make the cgroup, clone the child
 * into its namespaces, write its id maps, run the runtime-side hooks, and
 * wait until it is ready. On any failure the child is killed and reaped and
 * the cgroup removed (the caller removes the state dir). */
#include "container.h"

#include "hooks.h"
#include "init.h"
#include "state.h"
#include "sync.h"
#include "linux/caps.h"
#include "linux/cgroup.h"
#include "linux/rootless.h"
#include "linux/devices.h"
#include "linux/idmap.h"
#include "linux/lsm.h"
#include "linux/namespaces.h"
#include "linux/seccomp.h"
#include "linux/sysctl.h"
#include "linux/terminal.h"
#include "linux/userns.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
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

static pid_t do_clone3(unsigned long flags, int cgroup_fd, int *pidfd) {
  struct clone_args ca;
  memset(&ca, 0, sizeof(ca));
  ca.flags = flags | CLONE_PIDFD;
  ca.pidfd = (uint64_t)(uintptr_t)pidfd;
  ca.exit_signal = SIGCHLD;
  if (cgroup_fd >= 0) {
    ca.flags |= CLONE_INTO_CGROUP;
    ca.cgroup = (uint64_t)cgroup_fd;
  }
  return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

static int connect_console(const char *path, struct hutch_error **err) {
  int fd = hutch_unix_connect(path);
  if (fd < 0)
    return hutch_error_set(err, fd, "connect to console socket %s", path);
  return fd;
}

static char *state_json_for_hooks(const char *id, pid_t pid, const char *bundle, const char *status,
                                  const struct spec *spec) {
  _cleanup_json_ json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s}", "ociVersion", "1.2.0", "id", id,
                                       "status", status, "pid", (int)pid, "bundle", bundle);
  if (j == NULL)
    return NULL;
  if (spec->n_annotations) {
    json_t *a = json_object();
    for (size_t i = 0; i < spec->n_annotations; i++)
      json_object_set_new(a, spec->annotations[i].key, json_string(spec->annotations[i].value));
    json_object_set_new(j, "annotations", a);
  }
  return json_dumps(j, JSON_COMPACT);
}

/* SYNC_GO to the init at pid. A seccomp listener gets the container state
 * with the init's pid, which exists only now: the message rides on it. */
static int send_go(const struct hutch_create_opts *o, const struct spec *spec,
                   struct hutch_seccomp *seccomp, pid_t pid, int sync_fd,
                   struct hutch_error **err) {
  _cleanup_free_ char *msg = NULL;
  if (hutch_seccomp_has_listener(seccomp)) {
    _cleanup_free_ char *hs = state_json_for_hooks(o->id, pid, o->bundle, "creating", spec);
    msg = hutch_seccomp_listener_message(seccomp, spec->oci_version, pid, hs);
    if (msg == NULL || strlen(msg) >= sizeof(((struct sync_msg *)0)->text))
      return hutch_error_set(err, msg ? E2BIG : ENOMEM, "seccomp listener state message");
  }
  if (hutch_sync_send(sync_fd, SYNC_GO, 0, msg) < 0)
    return hutch_error_set(err, EPIPE, "container init exited early");
  return 0;
}

/* The init forked into a pid namespace made after joining a user
 * namespace (SYNC_PID): reap the process we cloned, which exits right
 * after the report, and take its child (reparented to us, the subreaper)
 * as the container's init from here on. */
static int adopt_init(pid_t *pid, int *pidfd, pid_t child, struct hutch_error **err) {
  while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
    ;
  hutch_debug("container init is pid %d, pid 1 of its pid namespace", (int)child);
  *pid = child;
  if (*pidfd >= 0)
    close(*pidfd);
  *pidfd = (int)syscall(SYS_pidfd_open, child, 0);
  return *pidfd < 0 ? hutch_error_set(err, errno, "pidfd_open %d", (int)child) : 0;
}

/* Rootless (runc's rule): a cgroup tree we may not write is not an error;
 * the container runs without one, and without limits (the engine has
 * warned about those). Clears *err and *cgpath then. */
static bool rootless_without_cgroup(struct hutch_error **err, char **cgpath) {
  int e = *err ? hutch_error_code(*err) : 0;
  if (!hutch_rootless() || (e != -EACCES && e != -EPERM && e != -EROFS && e != -ENOENT))
    return false;
  hutch_debug("rootless: no cgroup (%s), running without one", (*err)->msg);
  hutch_error_free(*err);
  *err = NULL;
  free(*cgpath);
  *cgpath = NULL;
  return true;
}

/* The 'creating' record: pid 0 before clone, the child after; cg NULL
 * until the cgroup exists (delete then takes only its leaf dirs as ours). */
static int record_creating(const struct hutch_create_opts *o, int state_dirfd, const char *rootfs,
                           const char *cgpath, pid_t pid, struct hutch_cgroup *cg,
                           struct hutch_error **err) {
  _cleanup_json_ json_t *made = cg ? hutch_cgroup_created(cg) : NULL;
  struct hutch_state pre = {.id = (char *)o->id,
                            .pid = pid,
                            .start_time = pid > 0 ? hutch_pid_start_time(pid) : 0,
                            .bundle = (char *)o->bundle,
                            .rootfs = (char *)rootfs,
                            .created = (char *)hutch_now_rfc3339(),
                            .cgroup_path = (char *)cgpath,
                            .creating = true,
                            .owner = getuid(),
                            .cgroup_created = made};
  hutch_debug("record %s as creating (pid %d, cgroup %s)", o->id, (int)pid, cgpath);
  return hutch_state_write(state_dirfd, &pre, err);
}

int hutch_spawn(const struct hutch_runtime *rt, const struct hutch_create_opts *o,
                const struct spec *spec, int state_dirfd, struct spawn_result *res,
                struct hutch_error **err) {
  const struct spec_linux *l = &spec->linux_;
  struct hutch_seccomp *seccomp = NULL;
  struct hutch_cgroup *cg = NULL;
  struct init_args a = {.spec = spec,
                        .id = o->id,
                        .sync_fd = -EBADF,
                        .fifo_fd = -EBADF,
                        .state_dirfd = state_dirfd,
                        .console_fd = -EBADF,
                        .preserve_fds = o->preserve_fds,
                        .listen_fds = o->listen_fds,
                        .stdio = {o->stdio ? o->stdio[0] : -1, o->stdio ? o->stdio[1] : -1,
                                  o->stdio ? o->stdio[2] : -1},
                        .no_pivot = o->no_pivot,
                        .no_new_keyring = o->no_new_keyring};
  int sv[2] = {-EBADF, -EBADF};
  int pidfd = -EBADF;
  int own_pidns = -EBADF;
  int prev_subreaper = 1; /* 0: we set it for a late pid namespace, unset it after */
  pid_t pid = -1;
  int ret = -1;
  _cleanup_free_ char *rootfs = NULL, *cgpath = NULL, *hook_state = NULL;
  _cleanup_free_ char *start_hook_state = NULL;
  _cleanup_free_ struct spec_device_cgroup *devrules = NULL;
  int *idmap_fds = NULL;
  for (int t = 0; t < SPEC_NS__MAX; t++)
    a.ns_fds[t] = -EBADF;

  /* 1. Everything that can be checked is checked before anything exists. */
  if (!spec->has_process)
    return hutch_error_set(err, EINVAL, "process: missing in config.json");
  if (spec->root_path[0] == '/')
    rootfs = realpath(spec->root_path, NULL);
  else {
    char p[8192];
    snprintf(p, sizeof(p), "%s/%s", o->bundle, spec->root_path);
    rootfs = realpath(p, NULL);
  }
  if (rootfs == NULL)
    return hutch_error_set(err, errno, "root.path %s", spec->root_path);
  struct stat st;
  if (stat(rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
    return hutch_error_set(err, ENOTDIR, "root.path %s", rootfs);
  a.rootfs = rootfs;
  if (hutch_sysctl_validate(l, err) < 0 ||
      hutch_sysctl_check_uts(l, spec->hostname, spec->domainname, err) < 0 ||
      hutch_lsm_check(spec, err) < 0)
    return -1;
  if (!l->namespaces[SPEC_NS_MOUNT].present) {
    /* The container shares our mount namespace: masking or remounting
     * would change the host's mounts (runc refuses these as well). */
    if ((l->masked_paths && *l->masked_paths) || (l->readonly_paths && *l->readonly_paths))
      return hutch_error_set(err, EINVAL,
                             "linux.maskedPaths/readonlyPaths: need a mount namespace of the "
                             "container's own");
    if (spec->root_readonly)
      return hutch_error_set(err, EINVAL,
                             "root.readonly: needs a mount namespace of the container's own");
  }
  if (spec->process.has_caps) {
    if (hutch_caps_from_spec(&spec->process.caps, &a.caps, err) < 0)
      return -1;
    a.has_caps = true;
  }
  if (l->seccomp.present) {
    if (hutch_seccomp_compile(&l->seccomp, &seccomp, err) < 0)
      return -1;
    a.seccomp = seccomp;
    hutch_debug("seccomp: compiled %zu rules", hutch_seccomp_rule_count(seccomp));
  }
  bool new_userns = l->namespaces[SPEC_NS_USER].present && !l->namespaces[SPEC_NS_USER].path;
  a.new_userns = new_userns;
  if (new_userns && (l->n_uid_mappings == 0 || l->n_gid_mappings == 0)) {
    hutch_error_set(err, EINVAL, "linux.uidMappings/gidMappings: a new user namespace needs both");
    goto out;
  }

  /* 2. The cgroup. */
  cgpath = hutch_cgroup_resolve_path(l->cgroups_path, o->id);
  if (cgpath == NULL) {
    hutch_error_set(err, ENOMEM, "cgroup path");
    goto out;
  }
  /* The device cgroup always starts from "deny all" with the default
   * allow-list, linux.resources or not, as runc does: a spec without
   * resources must not open every device node it names to the container. */
  struct spec_resources cres = l->resources;
  devrules = hutch_device_rules(&l->resources, &cres.n_devices);
  if (devrules == NULL) {
    hutch_error_set(err, ENOMEM, "device rules");
    goto out;
  }
  cres.devices = devrules;
  cres.present = true;
  /* Recorded before it is made: a runtime killed from here on leaves a
   * state that names the cgroup, which delete -f then removes. */
  if (record_creating(o, state_dirfd, rootfs, cgpath, 0, NULL, err) < 0)
    goto out;
  hutch_debug("create cgroup %s", cgpath);
  if (hutch_cgroup_create(cgpath, &cres, &cg, err) < 0) {
    if (!rootless_without_cgroup(err, &cgpath)) {
      hutch_error_wrap(err, "create cgroup %s", cgpath);
      goto out;
    }
    if (record_creating(o, state_dirfd, rootfs, NULL, 0, NULL, err) < 0)
      goto out;
  }
  a.cgroup = cg;

  /* 3. What the child inherits: exec fifo, console, namespaces to join. */
  /* Writable by the container's user, who opens it after the uid change;
   * the state dir (0711) is not listable, as runc does it. */
  if (mkfifoat(state_dirfd, "exec.fifo", 0622) < 0 ||
      fchmodat(state_dirfd, "exec.fifo", 0622, 0) < 0) {
    hutch_error_set(err, errno, "create exec.fifo");
    goto out;
  }
  if (new_userns) {
    uid_t ru = hutch_userns_host_id(l->uid_mappings, l->n_uid_mappings, 0);
    gid_t rg = hutch_userns_host_id(l->gid_mappings, l->n_gid_mappings, 0);
    if (fchownat(state_dirfd, "exec.fifo", ru, rg, 0) < 0) {
      hutch_error_set(err, errno, "chown exec.fifo");
      goto out;
    }
  }
  a.fifo_fd = openat(state_dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
  if (a.fifo_fd < 0) {
    hutch_error_set(err, errno, "open exec.fifo");
    goto out;
  }
  if (o->console_sock_fd) {
    a.console_fd = fcntl(*o->console_sock_fd, F_DUPFD_CLOEXEC, 3);
    if (a.console_fd < 0) {
      hutch_error_set(err, errno, "console socket");
      goto out;
    }
  } else if (o->console_socket) {
    a.console_fd = connect_console(o->console_socket, err);
    if (a.console_fd < 0)
      goto out;
  } else if (spec->process.terminal) {
    hutch_error_set(err, EINVAL, "process.terminal is true: --console-socket is required");
    goto out;
  }
  /* Idmapped mounts need privilege over the host's filesystems that a
   * child in a new user namespace lacks: they are made here as detached
   * trees, which the child inherits and moves into place (linux/idmap.c). */
  if (hutch_idmap_prepare(spec, &idmap_fds, err) < 0)
    goto out;
  a.idmap_fds = idmap_fds;
  if (hutch_ns_open_paths(l, a.ns_fds, err) < 0)
    goto out;
  if (a.ns_fds[SPEC_NS_PID] >= 0) {
    own_pidns = hutch_ns_pid_enter_for_children(a.ns_fds[SPEC_NS_PID], err);
    if (own_pidns < 0)
      goto out;
  }
  hook_state = state_json_for_hooks(o->id, 0, o->bundle, "creating", spec);
  a.state_json = hook_state;
  /* startContainer hooks run once create is done: "created", as runc */
  start_hook_state = state_json_for_hooks(o->id, 0, o->bundle, "created", spec);
  a.start_state_json = start_hook_state;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    hutch_error_set(err, errno, "socketpair");
    goto out;
  }
  a.sync_fd = sv[1];
  if (hutch_seccomp_connect_listener(seccomp, err) < 0)
    goto out;

  /* 4. Clone, straight into the cgroup where the kernel and layout allow. */
  unsigned long flags = hutch_ns_clone_flags(l);
  /* The init then forks into its pid namespace and we inherit it. */
  bool late_pidns = hutch_ns_pid_made_late(l);
  if (late_pidns && (prctl(PR_GET_CHILD_SUBREAPER, &prev_subreaper) < 0 ||
                     prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)) {
    hutch_error_set(err, errno, "become the subreaper of the container's init");
    goto out;
  }
  int cgfd = cg ? hutch_cgroup_clone_fd(cg) : -EBADF;
  hutch_debug("clone3 flags=0x%lx%s", flags, cgfd >= 0 ? " CLONE_INTO_CGROUP" : "");
  pid = do_clone3(flags, cgfd >= 0 ? cgfd : -1, &pidfd);
  if (pid < 0 && cgfd >= 0 && (errno == EINVAL || errno == EOPNOTSUPP || errno == EBUSY)) {
    hutch_debug("clone3 into cgroup: %s, cloning then moving", strerror(errno));
    cgfd = -1;
    pid = do_clone3(flags, -1, &pidfd);
  }
  if (pid < 0) {
    hutch_error_set(err, errno, "clone3 flags=0x%lx", flags);
    goto out;
  }
  if (pid == 0) {
    close(sv[0]);
    hutch_init_child(&a);
  }
  hutch_ns_pid_restore(&own_pidns);
  close(sv[1]);
  sv[1] = -EBADF;
  hutch_debug("child pid %d", (int)pid);
  /* Record the child (and the cgroup dirs made) before anything else can
   * fail or kill us: delete -f then kills it and removes what we made. */
  if (record_creating(o, state_dirfd, rootfs, cgpath, pid, cg, err) < 0)
    goto kill_child;

  /* 5. Host-side setup for the child, then let it go. */
  if (new_userns && hutch_userns_write_maps(pid, l, err) < 0)
    goto kill_child;
  if (cgfd < 0 && cg && hutch_cgroup_enter(cg, pid, err) < 0)
    goto kill_child;
  if (spec->process.has_oom_score_adj &&
      hutch_set_oom_score_adj(pid, spec->process.oom_score_adj, err) < 0)
    goto kill_child;
  if (send_go(o, spec, seccomp, pid, sv[0], err) < 0)
    goto kill_child;

  /* 6. Hooks on the runtime side, then wait until the child is ready. */
  struct sync_msg m;
  for (;;) {
    if (hutch_sync_recv(sv[0], &m) < 0) {
      hutch_error_set(err, 0, "container init exited during setup");
      goto kill_child;
    }
    if (m.type == SYNC_LOG) {
      hutch_log_write(m.value > HUTCH_LOG_DEBUG ? HUTCH_LOG_DEBUG : (enum hutch_log_level)m.value,
                      m.text);
      continue;
    }
    if (m.type == SYNC_ERROR) {
      hutch_error_set(err, m.value, "%s", m.text);
      goto kill_child;
    }
    if (m.type == SYNC_HOOKS_REQUEST) {
      _cleanup_free_ char *hs = state_json_for_hooks(o->id, pid, o->bundle, "creating", spec);
      if (hutch_hooks_run(&spec->hooks, SPEC_HOOK_PRESTART, hs, err) < 0 ||
          hutch_hooks_run(&spec->hooks, SPEC_HOOK_CREATE_RUNTIME, hs, err) < 0)
        goto kill_child;
      hutch_sync_send(sv[0], SYNC_HOOKS_DONE, 0, NULL);
      continue;
    }
    if (m.type == SYNC_PID && late_pidns) {
      /* The init waits for a second go, which names it to a listener. */
      if (adopt_init(&pid, &pidfd, (pid_t)m.value, err) < 0 ||
          record_creating(o, state_dirfd, rootfs, cgpath, pid, cg, err) < 0 ||
          send_go(o, spec, seccomp, pid, sv[0], err) < 0)
        goto kill_child;
      continue;
    }
    if (m.type == SYNC_READY)
      break;
    hutch_error_set(err, EPROTO, "sync: unexpected \"%s\" from container init",
                    hutch_sync_name(m.type));
    goto kill_child;
  }
  res->pid = pid;
  res->pidfd = pidfd;
  res->rootfs = TAKE_PTR(rootfs);
  res->cgroup_path = TAKE_PTR(cgpath);
  res->cgroup_created = cg ? hutch_cgroup_created(cg) : NULL;
  pidfd = -EBADF;
  ret = 0;
  goto out;

kill_child:
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
out:
  if (ret < 0 && cg) {
    struct hutch_error *e2 = NULL;
    if (hutch_cgroup_destroy(cg, &e2) < 0)
      hutch_warn("remove cgroup %s: %s, ignoring", cgpath, e2 && e2->msg ? e2->msg : "");
    hutch_error_free(e2);
  }
  if (cg)
    hutch_cgroup_free(cg);
  if (seccomp)
    hutch_seccomp_free(seccomp);
  if (sv[0] >= 0)
    close(sv[0]);
  if (sv[1] >= 0)
    close(sv[1]);
  if (pidfd >= 0)
    close(pidfd);
  if (a.fifo_fd >= 0)
    close(a.fifo_fd);
  if (a.console_fd >= 0)
    close(a.console_fd);
  hutch_ns_pid_restore(&own_pidns);
  /* The init, if adopted, stays our child; the engine, which runs this in
   * process, must not become every orphan's reaper from now on. */
  if (prev_subreaper == 0)
    prctl(PR_SET_CHILD_SUBREAPER, 0);
  hutch_ns_close_fds(a.ns_fds);
  hutch_idmap_free(idmap_fds, spec->n_mounts);
  return ret;
}
