/* The lifecycle verbs over the state dir: create, start, run, state,
 * kill, delete, list. Transitions are checked by hutch_status_allows. */
#include "container.h"

#include "hooks.h"
#include "sealed.h"
#include "state.h"
#include "linux/cgroup.h"
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"

#include <dirent.h>
#include <libgen.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <sys/wait.h>
#include <unistd.h>

static void spec_freep_local(struct spec **s) {
  hutch_spec_free(*s);
}

/* Read and parse <bundle>/config.json, keeping the text. */
static int load_config(const char *dir, char **text, struct spec **out, struct hutch_error **err) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/config.json", dir);
  size_t len;
  int r = hutch_read_file(path, text, &len);
  if (r < 0)
    return hutch_error_set(err, r, "read %s", path);
  if (hutch_spec_parse(*text, len, out, err) < 0)
    return hutch_error_wrap(err, "%s", path);
  return 0;
}

static int load_state(const char *root, const char *id, bool lock, int *dirfd,
                      struct hutch_state *st, struct hutch_error **err) {
  int fd = hutch_state_dir_open(root, id, lock, err);
  if (fd < 0)
    return -1;
  if (hutch_state_read(fd, st, err) < 0) {
    close(fd);
    return hutch_error_wrap(err, "container %s", id);
  }
  *dirfd = fd;
  return 0;
}

int hutch_write_pid_file(const char *path, pid_t pid, struct hutch_error **err) {
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
  _cleanup_free_ char *copy = strdup(path);
  _cleanup_free_ char *copy2 = strdup(path);
  const char *dir = dirname(copy);
  const char *base = basename(copy2);
  _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return hutch_error_set(err, errno, "pid file %s", path);
  int r = hutch_write_file_replace(dfd, base, buf, (size_t)n, 0644);
  if (r < 0)
    return hutch_error_set(err, r, "write pid file %s", path);
  return 0;
}

int hutch_runtime_check_sealed(const struct hutch_runtime *rt, struct hutch_error **err) {
  if (hutch_sealed_running())
    return 0;
  if (!rt->argv)
    return hutch_error_set(err, EPERM,
                           "refusing to start a container process from a writable binary");
  return hutch_sealed_ensure(rt->argv, err) < 0 ? -1 : 0;
}

int hutch_container_create(const struct hutch_runtime *rt, const struct hutch_create_opts *o,
                           pid_t *pid_out, struct hutch_error **err) {
  _cleanup_free_ char *text = NULL;
  _cleanup_(spec_freep_local) struct spec *spec = NULL;
  if (hutch_state_check_id(o->id, err) < 0)
    return -1;
  /* Parse and validate before anything is made. */
  hutch_debug("load %s/config.json", o->bundle);
  if (load_config(o->bundle, &text, &spec, err) < 0)
    return -1;
  if (hutch_runtime_check_sealed(rt, err) < 0)
    return -1;
  hutch_debug("create state dir %s/%s", rt->root, o->id);
  _cleanup_close_ int dirfd = hutch_state_dir_create(rt->root, o->id, err);
  if (dirfd < 0)
    return -1;
  struct spawn_result res = {.pidfd = -EBADF};
  struct hutch_state st = {0};
  int r = hutch_write_file_replace(dirfd, "config.json", text, strlen(text), 0600);
  if (r < 0) {
    hutch_error_set(err, r, "save config.json in the state dir");
    goto fail;
  }
  if (hutch_spawn(rt, o, spec, dirfd, &res, err) < 0)
    goto fail;
  st.id = (char *)o->id;
  st.pid = res.pid;
  st.start_time = hutch_pid_start_time(res.pid);
  st.bundle = (char *)o->bundle;
  st.rootfs = res.rootfs;
  st.created = (char *)hutch_now_rfc3339();
  st.cgroup_path = res.cgroup_path;
  st.cgroup_created = res.cgroup_created;
  st.owner = getuid();
  if (spec->n_annotations) {
    st.annotations = json_object();
    for (size_t i = 0; i < spec->n_annotations; i++)
      json_object_set_new(st.annotations, spec->annotations[i].key,
                          json_string(spec->annotations[i].value));
  }
  r = hutch_state_write(dirfd, &st, err);
  if (st.annotations)
    json_decref(st.annotations);
  st.cgroup_created = NULL;
  if (r < 0 || (o->pid_file && hutch_write_pid_file(o->pid_file, res.pid, err) < 0)) {
    kill(res.pid, SIGKILL);
    waitpid(res.pid, NULL, 0);
    struct hutch_cgroup *cg = NULL;
    if (hutch_cgroup_open(res.cgroup_path, &cg, NULL) == 0) {
      if (res.cgroup_created)
        hutch_cgroup_set_created(cg, res.cgroup_created, NULL);
      hutch_cgroup_destroy(cg, NULL);
      hutch_cgroup_free(cg);
    }
    goto fail;
  }
  if (pid_out)
    *pid_out = res.pid;
  if (res.pidfd >= 0)
    close(res.pidfd);
  free(res.rootfs);
  free(res.cgroup_path);
  if (res.cgroup_created)
    json_decref(res.cgroup_created);
  return 0;
fail:
  free(res.rootfs);
  free(res.cgroup_path);
  if (res.cgroup_created)
    json_decref(res.cgroup_created);
  if (res.pidfd >= 0)
    close(res.pidfd);
  hutch_state_dir_remove(rt->root, o->id);
  return -1;
}

/* Run a set of hooks from the config saved in the state dir; failures of
 * poststart/poststop are warnings (runtime-spec). */
static void run_saved_hooks(int dirfd, const struct hutch_state *st, enum spec_hook_kind kind,
                            const char *status) {
  _cleanup_free_ char *text = NULL;
  size_t len;
  if (hutch_read_file_at(dirfd, "config.json", &text, &len) < 0)
    return;
  _cleanup_(spec_freep_local) struct spec *spec = NULL;
  if (hutch_spec_parse(text, len, &spec, NULL) < 0 || spec->hooks.n[kind] == 0)
    return;
  _cleanup_json_ json_t *j = hutch_state_to_json(st, HUTCH_STATUS_STOPPED);
  json_object_set_new(j, "status", json_string(status));
  json_object_set_new(j, "pid", json_integer(st->pid));
  _cleanup_free_ char *sj = json_dumps(j, JSON_COMPACT);
  hutch_hooks_run_warn(&spec->hooks, kind, sj);
}

int hutch_container_start(const struct hutch_runtime *rt, const char *id,
                          struct hutch_error **err) {
  _cleanup_close_ int dirfd = -EBADF;
  struct hutch_state st;
  if (load_state(rt->root, id, true, &dirfd, &st, err) < 0)
    return -1;
  int ret = -1;
  _cleanup_close_ int fifo = -EBADF, pidfd = -EBADF;
  if (hutch_status_allows(HUTCH_OP_START, hutch_state_status(&st), id, err) < 0)
    goto out;
  fifo = openat(dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0) {
    hutch_error_set(err, errno, "open exec.fifo of %s", id);
    goto out;
  }
  pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
  struct pollfd p[2] = {{.fd = fifo, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
  for (;;) {
    int r = poll(p, pidfd >= 0 ? 2 : 1, -1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      hutch_error_set(err, errno, "wait for container %s to start", id);
      goto out;
    }
    char c;
    ssize_t n = read(fifo, &c, 1);
    if (n == 1)
      break;
    if (p[1].revents) {
      hutch_error_set(err, 0, "container %s: init exited before start", id);
      goto out;
    }
    if (n == 0 && (p[0].revents & POLLHUP)) {
      hutch_error_set(err, 0, "container %s: init closed exec.fifo without starting", id);
      goto out;
    }
  }
  unlinkat(dirfd, "exec.fifo", 0);
  st.started = true;
  if (hutch_state_write(dirfd, &st, err) < 0)
    goto out;
  hutch_debug("started %s (pid %d)", id, (int)st.pid);
  run_saved_hooks(dirfd, &st, SPEC_HOOK_POSTSTART, "running");
  ret = 0;
out:
  hutch_state_clear(&st);
  return ret;
}

static volatile pid_t forward_pid;
/* SIGWINCH is not forwarded: hutch_terminal_proxy() copies the new size
 * to the pty, and the kernel signals the container's foreground group. */
static void forward_signal(int sig) {
  if (forward_pid > 0)
    kill(forward_pid, sig);
}

int hutch_container_run(const struct hutch_runtime *rt, const struct hutch_create_opts *o,
                        bool detach, bool keep, int *exit_status, struct hutch_error **err) {
  pid_t pid;
  struct hutch_create_opts co = *o;
  int csock[2] = {-EBADF, -EBADF};
  /* A foreground run without --console-socket owns the terminal itself:
   * the child sends the pty master here if process.terminal is true. */
  if (!detach && !o->console_socket && !o->console_sock_fd &&
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, csock) == 0)
    co.console_sock_fd = &csock[1];
  int r = hutch_container_create(rt, &co, &pid, err);
  if (csock[1] >= 0)
    close(csock[1]);
  _cleanup_close_ int csock0 = csock[0];
  if (r < 0)
    return -1;
  _cleanup_close_ int master = -EBADF;
  if (csock0 >= 0) {
    struct pollfd p = {.fd = csock0, .events = POLLIN};
    if (poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
      master = hutch_recv_fd(csock0, NULL, 0);
    if (master >= 0)
      hutch_terminal_clear_onlcr(master);
  }
  if (!detach) {
    forward_pid = pid;
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
      struct sigaction sa = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
      sigaction(sigs[i], &sa, NULL);
    }
  }
  if (hutch_container_start(rt, o->id, err) < 0) {
    hutch_container_delete(rt, o->id, true, NULL);
    return -1;
  }
  if (detach) {
    *exit_status = 0;
    return 0;
  }
  if (master >= 0) {
    _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    hutch_terminal_proxy(master, pidfd);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return hutch_error_set(err, errno, "wait for container %s", o->id);
    }
  }
  forward_pid = 0;
  *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (!keep && hutch_container_delete(rt, o->id, true, err) < 0)
    return -1;
  return 0;
}

/* The status of a state dir whose create has not finished: "creating"
 * while its creator holds the dir's lock, else the create died ("stopped"). */
static enum hutch_status unfinished_status(int dirfd) {
  if (flock(dirfd, LOCK_SH | LOCK_NB) < 0)
    return HUTCH_STATUS_CREATING;
  flock(dirfd, LOCK_UN);
  return HUTCH_STATUS_STOPPED;
}

int hutch_container_state(const struct hutch_runtime *rt, const char *id, json_t **out,
                          struct hutch_error **err) {
  _cleanup_close_ int dirfd = hutch_state_dir_open(rt->root, id, false, err);
  if (dirfd < 0)
    return -1;
  if (faccessat(dirfd, "state.json", F_OK, 0) < 0 && errno == ENOENT) {
    /* A create killed before its first record: shown, so that it is
     * seen and deleted, with what is known (the id). */
    struct hutch_state bare = {.id = (char *)id};
    *out = hutch_state_to_json(&bare, unfinished_status(dirfd));
    return *out ? 0 : hutch_error_set(err, ENOMEM, "state of %s", id);
  }
  struct hutch_state st;
  if (hutch_state_read(dirfd, &st, err) < 0)
    return hutch_error_wrap(err, "container %s", id);
  enum hutch_status s = hutch_state_status(&st);
  if (s == HUTCH_STATUS_CREATING && st.pid <= 0)
    s = unfinished_status(dirfd);
  if (s == HUTCH_STATUS_RUNNING || s == HUTCH_STATUS_CREATED) {
    struct hutch_cgroup *cg = NULL;
    if (st.cgroup_path && hutch_cgroup_open(st.cgroup_path, &cg, NULL) == 0) {
      if (hutch_cgroup_is_frozen(cg) == 1)
        s = HUTCH_STATUS_PAUSED;
      hutch_cgroup_free(cg);
    }
  }
  *out = hutch_state_to_json(&st, s);
  hutch_state_clear(&st);
  if (*out == NULL)
    return hutch_error_set(err, ENOMEM, "state of %s", id);
  return 0;
}

/* Whether pid is the init of a pid namespace of its own (the last NSpid
 * is 1): then SIGKILL to it takes every process of the namespace along.
 * Unknown (no /proc entry) counts as yes: the pidfd path reports it. */
static bool is_pidns_init(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
  _cleanup_fclose_ FILE *f = fopen(path, "re");
  char line[256];
  while (f && fgets(line, sizeof(line), f))
    if (strncmp(line, "NSpid:", 6) == 0) {
      const char *last = strrchr(line, '\t');
      return last == NULL || atoi(last + 1) == 1;
    }
  return true;
}

int hutch_container_kill(const struct hutch_runtime *rt, const char *id, int sig, bool all,
                         struct hutch_error **err) {
  _cleanup_close_ int dirfd = -EBADF;
  struct hutch_state st;
  if (load_state(rt->root, id, false, &dirfd, &st, err) < 0)
    return -1;
  int ret = -1;
  _cleanup_close_ int pidfd = -EBADF;
  enum hutch_status s = hutch_state_status(&st);
  if (hutch_status_allows(HUTCH_OP_KILL, s, id, err) < 0)
    goto out;
  /* Without a pid namespace of its own, the init's death does not take
   * its children along: SIGKILL goes to the whole cgroup, as with --all. */
  if (st.cgroup_path && (all || (sig == SIGKILL && !is_pidns_init(st.pid)))) {
    hutch_debug("kill %s through its cgroup with signal %d", id, sig);
    struct hutch_cgroup *cg = NULL;
    if (hutch_cgroup_open(st.cgroup_path, &cg, err) < 0)
      goto out;
    ret = hutch_cgroup_kill(cg, sig, err);
    hutch_cgroup_free(cg);
    goto out;
  }
  /* A pidfd names this very process: no signal to a recycled pid. */
  pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
  if (pidfd < 0 || !hutch_pid_alive(st.pid, st.start_time)) {
    hutch_error_set(err, 0, "container %s is not running", id);
    goto out;
  }
  hutch_debug("pidfd_send_signal %d to pid %d", sig, (int)st.pid);
  if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0) {
    hutch_error_set(err, errno, "kill container %s", id);
    goto out;
  }
  ret = 0;
out:
  hutch_state_clear(&st);
  return ret;
}

/* Wait (bounded) until pid is gone or a zombie. */
static bool wait_gone(pid_t pid, unsigned long long start, int ms) {
  _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0)
    return true;
  for (int waited = 0; waited < ms; waited += 10) {
    if (!hutch_pid_alive(pid, start))
      return true;
    /* Our own child: reap it, else it stays a zombie. */
    if (waitpid(pid, NULL, WNOHANG) == pid)
      return true;
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    poll(&p, 1, 10);
  }
  return !hutch_pid_alive(pid, start);
}

/* Kill everything of the container: through its cgroup (every process,
 * whatever its pid) and its recorded init if that is still the same
 * process (start time), since a hierarchy may be gone or a kill through
 * the cgroup may fail half way. Waits until init is gone. */
static int kill_all(const char *id, const struct hutch_state *st, struct hutch_cgroup *cg,
                    struct hutch_error **err) {
  hutch_debug("kill %s (pid %d) with SIGKILL", id, (int)st->pid);
  if (cg)
    hutch_cgroup_kill(cg, SIGKILL, NULL);
  if (st->pid <= 0)
    return 0; /* killed before clone: nothing but what the cgroup held */
  _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
  if (pidfd >= 0 && hutch_pid_alive(st->pid, st->start_time))
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  if (!wait_gone(st->pid, st->start_time, 5000))
    return hutch_error_set(err, EBUSY, "container %s: init did not exit after SIGKILL", id);
  return 0;
}

/* The cgroup a state names, with exactly the dirs create made (or, when
 * create died before knowing them, the leaf in each hierarchy). */
static struct hutch_cgroup *state_cgroup(const struct hutch_state *st) {
  struct hutch_cgroup *cg = NULL;
  if (!st->cgroup_path || hutch_cgroup_open(st->cgroup_path, &cg, NULL) < 0)
    return NULL;
  if (st->cgroup_created && hutch_cgroup_set_created(cg, st->cgroup_created, NULL) < 0)
    hutch_debug("cgroup_created of %s is not usable: removing only the leaf dirs", st->id);
  return cg;
}

int hutch_container_delete(const struct hutch_runtime *rt, const char *id, bool force,
                           struct hutch_error **err) {
  int fd = hutch_state_dir_open(rt->root, id, true, err);
  if (fd < 0)
    return -1;
  _cleanup_close_ int dirfd = fd;
  struct hutch_state st;
  struct hutch_error *rerr = NULL;
  if (hutch_state_read(dirfd, &st, &rerr) < 0) {
    /* create writes state.json before it makes a cgroup or a process:
     * without one, the dir (and the files in it) is all there is. */
    hutch_error_free(rerr);
    if (!force)
      return hutch_error_set(err, 0, "container %s has no state (a crashed create?): use delete -f",
                             id);
    hutch_debug("delete %s: no state, removing the state dir", id);
    hutch_state_dir_remove(rt->root, id);
    return 0;
  }
  int ret = -1;
  enum hutch_status s = hutch_state_status(&st);
  struct hutch_cgroup *cg = NULL;
  if (!force && hutch_status_allows(HUTCH_OP_DELETE, s, id, err) < 0)
    goto out;
  cg = state_cgroup(&st);
  if (s != HUTCH_STATUS_STOPPED && kill_all(id, &st, cg, err) < 0)
    goto out;
  if (s == HUTCH_STATUS_STOPPED && st.pid > 0)
    waitpid(st.pid, NULL, WNOHANG);
  if (cg) {
    /* destroy kills what is left in any hierarchy before the rmdirs */
    struct hutch_error *e = NULL;
    if (hutch_cgroup_destroy(cg, &e) < 0)
      hutch_warn("remove cgroup of %s: %s, ignoring", id, e && e->msg ? e->msg : "");
    hutch_error_free(e);
  }
  run_saved_hooks(dirfd, &st, SPEC_HOOK_POSTSTOP, "stopped");
  int r = hutch_state_dir_remove(rt->root, id);
  if (r < 0) {
    hutch_error_set(err, r, "remove state dir of %s", id);
    goto out;
  }
  ret = 0;
out:
  if (cg)
    hutch_cgroup_free(cg);
  hutch_state_clear(&st);
  return ret;
}

int hutch_container_list(const struct hutch_runtime *rt, json_t **out, struct hutch_error **err) {
  json_t *arr = json_array();
  _cleanup_closedir_ DIR *d = opendir(rt->root);
  if (d == NULL) {
    if (errno == ENOENT) {
      *out = arr;
      return 0;
    }
    json_decref(arr);
    return hutch_error_set(err, errno, "open state root %s", rt->root);
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    json_t *j = NULL;
    if (hutch_container_state(rt, de->d_name, &j, NULL) == 0)
      json_array_append_new(arr, j);
  }
  *out = arr;
  return 0;
}
