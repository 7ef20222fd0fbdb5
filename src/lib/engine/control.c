/* Running a container and ending it: start (through a monitor, forked
 * and detached, or a child in its own session when attached), stop, kill,
 * wait. */
#include "engine/ctr_runtime.h"
#include "engine.h"

#include "netsetup.h"
#include "statedb.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- start ---- */

/* A start that fails with the network pending: nothing of it stays. */
static void abandon_network(struct hutch_engine *e, struct hutch_ctr *c,
                            struct hutch_pasta_pending *pending) {
  if (!pending)
    return;
  hutch_engine_net_ready(c->id, pending, NULL);
  hutch_engine_net_stopped(e, c->id);
}

/* What start does before the monitor: the rootfs mounted, the netns
 * (again after a stop or a reboot) attached to its networks, the state
 * reset. */
static int start_prepare(struct hutch_engine *e, struct hutch_ctr *c,
                         struct hutch_pasta_pending **net_pending, struct hutch_error **err) {
  if (hutch_ctr_mount_rootfs(e, c, NULL, err) < 0)
    return -1;
  /* --ipc shareable: its /dev/shm again after a reboot */
  if (strcmp(c->cfg.ipc_mode, "shareable") == 0 &&
      hutch_ctr_shm_mount(c->dir, c->cfg.shm_size, err) < 0)
    return -1;
  if (hutch_engine_net_start(e, c, net_pending, err) < 0)
    return -1;
  /* A runtime state dir left by a killed monitor would block create. */
  hutch_rt_delete(e, c->cfg.runtime_path, c->id, NULL);
  c->st.manual_stop = false;
  free(c->st.error);
  c->st.error = NULL;
  if (hutch_ctr_save_state(c, err) < 0) {
    abandon_network(e, c, *net_pending);
    *net_pending = NULL;
    return -1;
  }
  return 0;
}

/* The detached monitor, in the grandchild of a fork: no controlling
 * terminal, our stdio gone (its stderr is monitor.log); it reports on
 * ready_fd. */
static _Noreturn void monitor_child(struct hutch_ctr *c, struct hutch_monitor_args *ma,
                                    int ready_fd) {
  setsid();
  pid_t m = fork();
  if (m != 0)
    _exit(m < 0 ? 1 : 0);
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  char logp[4200];
  snprintf(logp, sizeof(logp), "%s/monitor.log", c->dir);
  int lf = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(lf >= 0 ? lf : null, 2);
  }
  ma->ready_fd = ready_fd;
  struct hutch_error *merr = NULL;
  int r = hutch_monitor_run(ma, &merr);
  if (r < 0 && merr) {
    hutch_error_print(stderr, "hutch-monitor", merr);
    hutch_error_free(merr);
  }
  _exit(0);
}

/* The monitor's report on fd: "ok", or "E<status> <errno> <message>". */
static int read_ready(struct hutch_ctr *c, int fd, int *status, struct hutch_error **err) {
  char buf[4096];
  size_t off = 0;
  ssize_t n;
  while (off < sizeof(buf) - 1 &&
         ((n = read(fd, buf + off, sizeof(buf) - 1 - off)) > 0 || (n < 0 && errno == EINTR)))
    if (n > 0)
      off += (size_t)n;
  buf[off] = '\0';
  if (strncmp(buf, "ok", 2) == 0)
    return 0;
  int code = 125, en = 0, used = 0;
  if (buf[0] == 'E' && sscanf(buf + 1, "%d %d %n", &code, &en, &used) >= 2) {
    *status = code;
    return hutch_error_set(err, en, "%s", buf + 1 + used);
  }
  return hutch_error_set(err, 0, "container %.12s: the monitor exited before starting it", c->id);
}

/* Attached, the monitor is our child but in a session of its own, with
 * our stdio, so that it (not we) owns the container: killing the client
 * (even its whole process group, as `timeout -s KILL` does) leaves the
 * monitor to record the exit and to apply --rm, as dockerd does. We
 * forward signals to it; it forwards them to the container. */
static volatile pid_t attached_monitor;
static void forward_to_monitor(int sig) {
  if (attached_monitor > 0)
    kill(attached_monitor, sig);
}
static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static void forward_signals(pid_t monitor) {
  attached_monitor = monitor;
  for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++) {
    struct sigaction sa = {.sa_handler = monitor ? forward_to_monitor : SIG_DFL};
    sa.sa_flags = SA_RESTART;
    sigaction(forwarded[i], &sa, NULL);
  }
}

static _Noreturn void attached_child(struct hutch_monitor_args *ma, int ready_fd) {
  setsid();
  signal(SIGPIPE, SIG_IGN); /* a gone client must not end the monitor */
  ma->ready_fd = ready_fd;
  int r = hutch_monitor_run(ma, NULL);
  _exit(r < 0 ? -r : r);
}

/* Wait for the network the monitor waits for (after its create, in
 * parallel), and tell it; -1 with *err when it did not come up. */
static int release_network(struct hutch_ctr *c, struct hutch_pasta_pending *pending, int fd,
                           struct hutch_error **err) {
  int r = hutch_engine_net_ready(c->id, pending, err);
  char msg[1024];
  int n = r == 0 ? snprintf(msg, sizeof(msg), "ok")
                 : snprintf(msg, sizeof(msg), "E%d %s", (*err)->errnum,
                            (*err)->msg ? (*err)->msg : "network");
  send(fd, msg, (size_t)(n < (int)sizeof(msg) ? n : (int)sizeof(msg) - 1), MSG_NOSIGNAL);
  close(fd);
  return r;
}

/* Fork the monitor and wait for its report; attached, then for its exit,
 * whose status is the container's. A pending network is waited for here
 * while the monitor creates the container. */
static int start_monitor(struct hutch_engine *e, struct hutch_ctr *c, struct hutch_monitor_args *ma,
                         struct hutch_pasta_pending *net_pending, int net_w, int *status,
                         struct hutch_error **err) {
  bool tied = ma->owner_fd >= 0;
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0) {
    if (tied)
      close(ma->owner_fd);
    hutch_error_set(err, errno, "pipe");
    goto no_monitor;
  }
  /* the monitor opens its own: SQLite's locks are per process, and a
   * connection inherited open would make the child's lock-free */
  hutch_engine_db_close(e);
  pid_t child = fork();
  if (child < 0) {
    close(ready[0]);
    close(ready[1]);
    if (tied)
      close(ma->owner_fd);
    hutch_error_set(err, errno, "fork monitor");
    goto no_monitor;
  }
  if (child == 0) {
    close(ready[0]);
    if (ma->net_pending)
      close(net_w); /* EOF when the starter goes */
    if (ma->attached)
      attached_child(ma, ready[1]);
    monitor_child(c, ma, ready[1]);
  }
  close(ready[1]);
  if (ma->owner_fd >= 0) {
    close(ma->owner_fd); /* the monitor's */
    ma->owner_fd = -EBADF;
  }
  struct hutch_error *nerr = NULL;
  if (ma->net_pending) {
    close(ma->net_fd); /* the monitor's end */
    release_network(c, net_pending, net_w, &nerr);
  }
  if (!ma->attached)
    waitpid(child, NULL, 0); /* it forked the monitor and is gone */
  else if (!tied)
    forward_signals(child);
  int r = read_ready(c, ready[0], status, nerr ? NULL : err);
  close(ready[0]);
  /* Not started: the monitor, which waits for our word even when its
   * create failed, has stopped the network */
  if (nerr) { /* the monitor gave up for it: ours is the better word */
    if (err && !*err)
      *err = nerr;
    else
      hutch_error_free(nerr);
  }
  if (!ma->attached)
    return r;
  int ws = 0;
  while (waitpid(child, &ws, 0) < 0 && errno == EINTR)
    ;
  if (!tied)
    forward_signals(0);
  if (r < 0)
    return -1;
  *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  return 0;
no_monitor:
  if (ma->net_pending) {
    close(ma->net_fd);
    close(net_w);
    abandon_network(e, c, net_pending);
  }
  return -1;
}

int hutch_ctr_start(struct hutch_engine *e, struct hutch_ctr *c, const struct hutch_attach *a,
                    int *status, struct hutch_error **err) {
  *status = 0;
  const char *st = hutch_ctr_status(e, c);
  if (strcmp(st, "running") == 0 || strcmp(st, "restarting") == 0)
    return 0;
  if (strcmp(st, "paused") == 0)
    return hutch_error_set(err, EINVAL, "cannot start a paused container, try unpause instead");
  /* tied: the monitor holds a pidfd of us, inherited across its fork */
  int owner = a && a->tied ? (int)syscall(SYS_pidfd_open, getpid(), 0) : -EBADF;
  if (a && a->tied && owner < 0)
    return hutch_error_set(err, errno, "pidfd_open");
  struct hutch_pasta_pending *net_pending = NULL;
  int net[2] = {-1, -1};
  if (start_prepare(e, c, &net_pending, err) < 0 ||
      (net_pending && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, net) < 0 &&
       hutch_error_set(err, errno, "socketpair") < 0)) {
    abandon_network(e, c, net_pending);
    if (owner >= 0)
      close(owner);
    return -1;
  }
  struct hutch_monitor_args ma = {
      .e = e,
      .id = c->id,
      .attached = a && a->attach,
      .interactive = a && a->interactive,
      .tty = c->cfg.tty,
      .ready_fd = -EBADF,
      .owner_fd = owner,
      .net_pending = net_pending != NULL,
      .net_fd = net[0],
  };
  /* The monitor takes the lock itself whenever it writes the record. */
  hutch_ctr_unlock(c);
  return start_monitor(e, c, &ma, net_pending, net[1], status, err);
}

/* ---- stop, kill, wait ---- */

/* Wait until the monitor has recorded the exit (or is gone). */
static void wait_recorded(struct hutch_engine *e, struct hutch_ctr *c, int ms) {
  for (int waited = 0; waited < ms; waited += 20) {
    if (hutch_ctr_reload(c, NULL) < 0)
      return;
    if (!c->st.running)
      return;
    if (c->st.monitor_pid <= 0 || !hutch_pid_alive(c->st.monitor_pid, c->st.monitor_start))
      break;
    usleep(20000);
  }
  (void)e;
}

/* The monitor is gone but the record says running: settle it here. */
static void settle_orphan(struct hutch_engine *e, struct hutch_ctr *c, int code) {
  if (hutch_ctr_lock(c, NULL) < 0)
    return;
  if (c->st.running && !hutch_ctr_running(c)) {
    c->st.running = false;
    c->st.pid = 0;
    c->st.exit_code = code;
    snprintf(c->st.finished_at, sizeof(c->st.finished_at), "%s", hutch_now_rfc3339());
    hutch_rt_delete(e, c->cfg.runtime_path, c->id, NULL);
    hutch_ctr_save_state(c, NULL);
  }
  hutch_ctr_unlock(c);
}

int hutch_ctr_stop(struct hutch_engine *e, struct hutch_ctr *c, int timeout,
                   struct hutch_error **err) {
  if (hutch_ctr_lock(c, err) < 0)
    return -1;
  c->st.manual_stop = true;
  c->st.restarting = false;
  if (hutch_ctr_save_state(c, err) < 0)
    return -1;
  if (!hutch_ctr_running(c)) {
    hutch_ctr_unlock(c);
    return 0;
  }
  int sig = SIGTERM;
  const char *ss = c->cfg.stop_signal;
  if (ss && hutch_parse_signal(ss) > 0)
    sig = hutch_parse_signal(ss);
  if (timeout < 0)
    timeout = c->cfg.stop_timeout >= 0 ? c->cfg.stop_timeout : 10;
  pid_t pid = c->st.pid;
  unsigned long long start = c->st.pid_start;
  /* docker stops a paused container: the signal is queued while it is
   * frozen and delivered once it is thawed */
  bool paused = strcmp(hutch_ctr_status(e, c), "paused") == 0;
  hutch_ctr_unlock(c);
  hutch_debug("stop %.12s: signal %d, then SIGKILL after %ds", c->id, sig, timeout);
  char signo[16];
  snprintf(signo, sizeof(signo), "%d", sig);
  hutch_ctr_event(c, "kill", "signal", signo, NULL);
  int kr = hutch_rt_kill(e, c->cfg.runtime_path, c->id, sig, false, NULL);
  if (paused) {
    hutch_debug("stop %.12s: thaw the paused container", c->id);
    hutch_rt_resume(e, c->cfg.runtime_path, c->id, NULL);
  }
  if (kr < 0 || hutch_wait_pid_gone(pid, start, timeout * 1000) < 0) {
    hutch_rt_kill(e, c->cfg.runtime_path, c->id, SIGKILL, true, NULL);
    hutch_ctr_event(c, "kill", "signal", "9", NULL);
    if (hutch_wait_pid_gone(pid, start, 10000) < 0)
      return hutch_error_set(err, EBUSY, "container %.12s did not exit after SIGKILL", c->id);
  }
  wait_recorded(e, c, 10000);
  settle_orphan(e, c, 128 + sig);
  hutch_ctr_event(c, "stop", NULL);
  return 0;
}

int hutch_ctr_kill(struct hutch_engine *e, struct hutch_ctr *c, int sig, struct hutch_error **err) {
  if (!hutch_ctr_running(c))
    return hutch_error_say(err, EINVAL, "container %.12s is not running", c->id);
  if (sig == SIGKILL && hutch_ctr_lock(c, NULL) == 0) {
    /* docker kill counts as a manual stop for the restart policy */
    c->st.manual_stop = true;
    hutch_ctr_save_state(c, NULL);
    hutch_ctr_unlock(c);
  }
  if (hutch_rt_kill(e, c->cfg.runtime_path, c->id, sig, false, err) < 0)
    return -1;
  char signo[16];
  snprintf(signo, sizeof(signo), "%d", sig);
  hutch_ctr_event(c, "kill", "signal", signo, NULL);
  return 0;
}

int hutch_ctr_wait(struct hutch_engine *e, const char *id, int *code, struct hutch_error **err) {
  bool monitor_gone = false;
  for (;;) {
    _cleanup_ctr_ struct hutch_ctr *c = NULL;
    if (hutch_ctr_open(e, id, false, &c, err) < 0)
      return -1;
    const char *st = hutch_ctr_status(e, c);
    bool busy =
        strcmp(st, "running") == 0 || strcmp(st, "paused") == 0 || strcmp(st, "restarting") == 0;
    /* exited, but the monitor has not written the code yet */
    if (!busy && c->st.running) {
      busy = c->st.monitor_pid > 0 && hutch_pid_alive(c->st.monitor_pid, c->st.monitor_start);
      /* gone since we read the record? It writes the exit before it
       * goes: the record read after seeing it gone is the last word */
      if (!busy && !monitor_gone) {
        monitor_gone = true;
        continue;
      }
    }
    if (!busy) {
      *code = c->st.exit_code;
      return 0;
    }
    if (hutch_ctr_running(c))
      hutch_wait_pid_gone(c->st.pid, c->st.pid_start, 200);
    else
      usleep(c->st.running ? 10000 : 50000); /* the monitor is writing the exit */
  }
}
