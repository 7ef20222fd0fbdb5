/* The monitor: the parent of a container's init, like conmon. It creates
 * and starts the container through runtime/ with pipes (or a pty) as its
 * stdio, copies the output into the json-file log (and to the caller's
 * stdout/stderr for an attached run), forwards signals and window size
 * when attached, records the exit code, time and OOM kill, applies the
 * restart policy and removes the container for --rm.
 *
 * For `run -d` it runs in a double-forked, setsid process that outlives
 * the CLI; for an attached run in a child of the CLI with a session of its
 * own and the CLI's stdio, so that killing the client (even its process
 * group) leaves the container, its exit code and --rm to the monitor.
 *
 * A detached monitor idles for the container's whole life, so once the
 * container runs it execs the small static hutch-monitor (like conmon),
 * which copies the output into the log (monitor_io.c) and, at the exit,
 * execs `hutch __monitor ID --status N …` back: the same process (pid,
 * children, start time) then resumes here for the rare heavy work —
 * recording the exit, the restart policy (another launch, another exec),
 * --rm. The idle process keeps none of the engine's mappings. */
#include "engine/ctr_runtime.h"
#include "engine.h"
#include "health.h"
#include "monitor_io.h"
#include "attach_proto.h"
#include "netsetup.h"

#include "linux/terminal.h"
#include "runtime/sealed.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int hutch_exec_error_status(const struct hutch_error *e) {
  if (!e || !e->msg || !strstr(e->msg, "exec: \""))
    return 125;
  return e->errnum == ENOENT ? 127 : 126;
}

static volatile pid_t fwd_pid;
static volatile sig_atomic_t winch;
static void on_signal(int sig) {
  if (sig == SIGWINCH) {
    winch = 1;
    return;
  }
  if (fwd_pid > 0)
    kill(fwd_pid, sig);
}

static const int fwd_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static void set_forwarding(bool on) {
  for (size_t i = 0; i < ARRAY_SIZE(fwd_sigs); i++) {
    struct sigaction sa = {.sa_handler = on ? on_signal : SIG_DFL, .sa_flags = SA_RESTART};
    sigaction(fwd_sigs[i], &sa, NULL);
  }
}

/* docker's "volume mount" events, one per volume, as the container starts. */
static void volume_mount_events(struct hutch_engine *e, struct hutch_ctr *c) {
  struct hutch_volume_mount v[64];
  size_t n = hutch_ctr_volume_mounts(c->rec, v, ARRAY_SIZE(v));
  for (size_t i = 0; i < n; i++)
    hutch_engine_event(e, "volume", "mount", v[i].name, "container", c->id, "destination",
                       v[i].destination, "driver", "local", "propagation", v[i].propagation,
                       "read/write", v[i].rw ? "true" : "false", NULL);
}

/* Update the record's state under the container's lock; then, with
 * action, record the event ("start", "die" with exitCode). */
static int update_record(struct hutch_engine *e, const char *id,
                         void (*fn)(struct hutch_ctr_state *st, void *ud), void *ud,
                         const char *action, struct hutch_error **err) {
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (hutch_ctr_open(e, id, true, &c, err) < 0)
    return -1;
  fn(&c->st, ud);
  if (hutch_ctr_save_state(c, err) < 0)
    return -1;
  if (action && strcmp(action, "die") == 0) {
    char code[16];
    snprintf(code, sizeof(code), "%d", c->st.exit_code);
    if (c->st.oom_killed)
      hutch_ctr_event(c, "oom", NULL);
    hutch_ctr_event(c, action, "exitCode", code, NULL);
  } else if (action) {
    hutch_ctr_event(c, action, NULL);
    if (strcmp(action, "start") == 0)
      volume_mount_events(e, c);
  }
  return 0;
}

static void set_time(char *dst, size_t n, const char *t) {
  snprintf(dst, n, "%s", t);
}

struct started {
  pid_t pid;
};
static void rec_started(struct hutch_ctr_state *st, void *ud) {
  struct started *s = ud;
  st->running = true;
  st->restarting = false;
  st->oom_killed = false;
  st->pid = s->pid;
  st->pid_start = hutch_pid_start_time(s->pid);
  st->exit_code = 0;
  set_time(st->started_at, sizeof(st->started_at), hutch_now_rfc3339());
  set_time(st->finished_at, sizeof(st->finished_at), "0001-01-01T00:00:00Z");
  st->monitor_pid = getpid();
  st->monitor_start = hutch_pid_start_time(getpid());
}

struct exited {
  int code;
  bool oom;
  const char *error;
  bool restarting;
};
static void rec_exited(struct hutch_ctr_state *st, void *ud) {
  struct exited *x = ud;
  st->running = false;
  st->pid = 0;
  st->exit_code = x->code;
  st->oom_killed = x->oom;
  st->restarting = x->restarting;
  if (x->error) {
    free(st->error);
    st->error = strdup(x->error);
  } else {
    set_time(st->finished_at, sizeof(st->finished_at), hutch_now_rfc3339());
  }
}
static void rec_restart(struct hutch_ctr_state *st, void *ud) {
  (void)ud;
  st->restart_count++;
}

/* Did the kernel OOM-kill something in the container's memory cgroup
 * (cgpath: its linux.cgroupsPath)? */
static bool oom_killed(const char *cgpath) {
  const char *files[] = {"/sys/fs/cgroup/memory%s/memory.oom_control",
                         "/sys/fs/cgroup%s/memory.events",
                         "/sys/fs/cgroup/unified%s/memory.events"};
  for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
    char p[4200];
    snprintf(p, sizeof(p), files[i], cgpath);
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (hutch_read_file(p, &text, &len) < 0)
      continue;
    const char *k = strstr(text, "oom_kill ");
    if (k && atoll(k + 9) > 0)
      return true;
  }
  return false;
}

static void report_ready(int *fd, const char *text) {
  if (*fd < 0)
    return;
  /* one write: the CLI reads until EOF, and a message under PIPE_BUF
   * goes into the pipe whole */
  size_t n = strnlen(text, PIPE_BUF - 1);
  if (write(*fd, text, n) < 0)
    hutch_debug("report to the CLI: %s, ignoring", strerror(errno));
  close(*fd);
  *fd = -EBADF;
}

/* A (re)started container's health: "starting" again. */
static void health_started(struct hutch_engine *e, const char *id) {
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  struct hutch_error *herr = NULL;
  if (hutch_ctr_open(e, id, false, &c, &herr) < 0 || hutch_health_reset(e, c, &herr) < 0)
    hutch_warn("health status of %.12s: %s, ignoring", id, herr && herr->msg ? herr->msg : "?");
  hutch_error_free(herr);
}

/* A started container: its init (our child) and our ends of its stdio. */
struct launched {
  pid_t pid;
  int out_fd; /* stdout pipe or pty master */
  int err_fd; /* stderr pipe, -1 with a pty */
  int in_w;   /* -d -i: the write end of its stdin, held open; else -1 */
  bool pty;
};

static void launched_close(struct launched *l) {
  int *fds[] = {&l->out_fd, &l->err_fd, &l->in_w};
  for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
    if (*fds[i] >= 0) {
      close(*fds[i]);
      *fds[i] = -1;
    }
}

/* The starter's word that the network is up (net_fd, once); 0 or -1. */
static int wait_network(int *net_fd, struct hutch_error **err) {
  if (*net_fd < 0)
    return 0;
  char buf[1024];
  ssize_t n;
  while ((n = recv(*net_fd, buf, sizeof(buf) - 1, 0)) < 0 && errno == EINTR)
    ;
  close(*net_fd);
  *net_fd = -1;
  buf[n > 0 ? n : 0] = '\0';
  if (n == 2 && memcmp(buf, "ok", 2) == 0)
    return 0;
  int en = 0, used = 0;
  if (n > 0 && buf[0] == 'E' && sscanf(buf + 1, "%d %n", &en, &used) == 1)
    return hutch_error_set(err, en, "%s", buf + 1 + used);
  return hutch_error_set(err, EPIPE, "the network: its starter went away before it was up");
}

/* Create and start the container with pipes (or a pty) as its stdio.
 * Returns 0 with *l filled, or -1 with *err and *code (the status docker
 * gives that failure) when it could not be started. */
static int launch(const struct hutch_monitor_args *a, int *ready_fd, int *net_fd,
                  struct launched *l, int *code, struct hutch_error **err) {
  struct hutch_engine *e = a->e;
  *l = (struct launched){.out_fd = -1, .err_fd = -1, .in_w = -1, .pty = a->tty};
  _cleanup_free_ char *rt = hutch_rt_of(e, a->id);
  char bundle[4200];
  snprintf(bundle, sizeof(bundle), "%s/%s", e->containers_dir, a->id);
  int outp[2] = {-1, -1}, errp[2] = {-1, -1}, inp[2] = {-1, -1}, csock[2] = {-1, -1};
  bool keep_stdin = a->attached && a->interactive && !a->tty;
  /* the container's fds 0-2 (-1: ours); with a tty, the pty's slave */
  int stdio[3] = {-1, -1, -1};
  _cleanup_close_ int null = -EBADF;
  if (a->tty) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, csock) < 0)
      return hutch_error_set(err, errno, "socketpair");
  } else {
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
      return hutch_error_set(err, errno, "pipe");
    stdio[1] = outp[1];
    stdio[2] = errp[1];
  }
  if (!keep_stdin && !a->tty) {
    if (a->interactive && pipe2(inp, O_CLOEXEC) == 0) {
      stdio[0] = inp[0]; /* -d -i: stdin stays open, nobody writes yet */
    } else {
      null = open("/dev/null", O_RDONLY | O_CLOEXEC);
      stdio[0] = null;
    }
  }
  struct hutch_create_opts co = {
      .id = a->id, .bundle = bundle, .console_sock_fd = a->tty ? &csock[1] : NULL, .stdio = stdio};
  pid_t pid = 0;
  int r = hutch_rt_create(e, rt, &co, &pid, err);
  if (outp[1] >= 0)
    close(outp[1]);
  if (errp[1] >= 0)
    close(errp[1]);
  if (inp[0] >= 0)
    close(inp[0]);
  if (csock[1] >= 0)
    close(csock[1]);
  _cleanup_close_ int cs = csock[0];
  l->out_fd = outp[0];
  l->err_fd = errp[0];
  l->in_w = inp[1];
  if (r < 0) {
    *code = hutch_exec_error_status(*err);
    goto fail;
  }
  if (a->tty) {
    int master = hutch_recv_fd(cs, NULL, 0);
    if (master < 0) {
      hutch_error_set(err, -master, "receive the container's pty");
      hutch_rt_delete(e, rt, a->id, NULL);
      *code = 125;
      goto fail;
    }
    l->out_fd = master;
  }
  if (wait_network(net_fd, err) < 0) {
    hutch_rt_delete(e, rt, a->id, NULL);
    *code = 125;
    goto fail;
  }
  fwd_pid = pid;
  struct started s = {.pid = pid};
  if (update_record(e, a->id, rec_started, &s, "start", err) < 0 ||
      hutch_rt_start(e, rt, a->id, err) < 0) {
    hutch_rt_delete(e, rt, a->id, NULL);
    struct exited x = {.code = 125, .error = *err && (*err)->msg ? (*err)->msg : "start failed"};
    update_record(e, a->id, rec_exited, &x, "die", NULL);
    *code = 125;
    goto fail;
  }
  l->pid = pid;
  health_started(e, a->id);
  report_ready(ready_fd, "ok");
  return 0;
fail:
  fwd_pid = 0;
  launched_close(l);
  return -1;
}

/* Copy the output until the container exits; its exit status. */
static int pump(const struct hutch_monitor_args *a, struct launched *l, struct hutch_logw *lw,
                long health_ms, int attach_fd) {
  struct termios saved_tio;
  bool raw = a->attached && a->tty && isatty(0) && tcgetattr(0, &saved_tio) == 0;
  if (raw) {
    struct termios t = saved_tio;
    cfmakeraw(&t);
    tcsetattr(0, TCSANOW, &t);
    winch = 1;
  }
  struct hutch_pump p = {.pid = l->pid,
                         .out_fd = l->out_fd,
                         .err_fd = l->err_fd,
                         .pty = l->pty,
                         .attached = a->attached,
                         .forward_in = a->attached && a->interactive && a->tty,
                         .winch = &winch,
                         .health_hutch = hutch_self_exe(),
                         .health_id = a->id,
                         .health_ms = hutch_self_exe()[0] == '/' ? health_ms : 0,
                         .owner_fd = a->owner_fd};
  struct hutch_attach_server srv;
  char wait_path[4200];
  snprintf(wait_path, sizeof(wait_path), "%s/%s/%s", a->e->containers_dir, a->id,
           HUTCH_ATTACH_WAIT_FILE);
  p.attach_wait = wait_path;
  if (attach_fd >= 0) {
    /* clients' stdin: to the pty, or the held stdin pipe of -d -i */
    int in = !a->interactive ? -1 : l->pty ? l->out_fd : l->in_w;
    hutch_attach_server_init(&srv, attach_fd, in, l->pty ? l->out_fd : -1);
    p.attach = &srv;
  }
  int status = hutch_pump_run(&p, lw);
  l->out_fd = l->err_fd = -1; /* closed by the pump */
  if (attach_fd >= 0 && !l->pty && l->in_w >= 0 && srv.in_fd < 0)
    l->in_w = -1; /* a client closed it ('c') */
  launched_close(l);
  if (raw)
    tcsetattr(0, TCSANOW, &saved_tio);
  fwd_pid = 0;
  return status;
}

static int listen_attach(const struct hutch_monitor_args *a) {
  char dir[4200];
  snprintf(dir, sizeof(dir), "%s/%s", a->e->containers_dir, a->id);
  _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd = dfd >= 0 ? hutch_attach_listen(dfd) : -errno;
  if (fd < 0)
    hutch_warn("attach socket for %.12s: %s, ignoring", a->id, strerror(-fd));
  else
    hutch_debug("attach: listening on %s/%s", dir, HUTCH_ATTACH_SOCK);
  return fd < 0 ? -EBADF : fd;
}

static long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Detached: become hutch-monitor for the container's life (see the top of
 * the file). Returns only if that is not possible; the caller then pumps
 * in this process as before. */
static void exec_monitor(const struct hutch_monitor_args *a, struct launched *l,
                         const struct hutch_logw *lw, long health_ms, long t0, int backoff_ms,
                         int attach_fd) {
  _cleanup_free_ char *mon = hutch_engine_helper_path("HUTCH_MONITOR", "hutch-monitor");
  const char *self = hutch_self_exe();
  if (mon == NULL || self[0] != '/') {
    hutch_debug("hutch-monitor not found: monitoring %.12s in this process", a->id);
    return;
  }
  char pid[16], out[16], err[16], hold[16], since[24], backoff[16], max_size[24], max_file[16],
      health[24], att[16];
  snprintf(health, sizeof(health), "%ld", health_ms);
  snprintf(max_size, sizeof(max_size), "%lld", lw->max_size);
  snprintf(max_file, sizeof(max_file), "%d", lw->max_file);
  snprintf(pid, sizeof(pid), "%d", (int)l->pid);
  snprintf(out, sizeof(out), "%d", l->out_fd);
  snprintf(err, sizeof(err), "%d", l->err_fd);
  snprintf(hold, sizeof(hold), "%d", l->in_w);
  snprintf(since, sizeof(since), "%ld", t0);
  snprintf(backoff, sizeof(backoff), "%d", backoff_ms);
  const char *argv[40];
  size_t k = 0;
  argv[k++] = mon;
  if (hutch_log_enabled(HUTCH_LOG_DEBUG))
    argv[k++] = "--debug";
  const char *args[][2] = {
      {"--id", a->id},
      {"--log", lw->path ? lw->path : ""},
      {"--log-max-size", max_size},
      {"--log-max-file", max_file},
      {"--health-interval", health},
      {"--pid", pid},
      {"--hutch", self},
      {"--since", since},
      {"--backoff", backoff},
      {l->pty ? "--pty" : "--stdout", out},
  };
  for (size_t i = 0; i < ARRAY_SIZE(args); i++) {
    argv[k++] = args[i][0];
    argv[k++] = args[i][1];
  }
  if (l->err_fd >= 0) {
    argv[k++] = "--stderr";
    argv[k++] = err;
  }
  if (l->in_w >= 0) {
    argv[k++] = "--hold";
    argv[k++] = hold;
  }
  char wait_path[4200];
  if (attach_fd >= 0) {
    snprintf(att, sizeof(att), "%d", attach_fd);
    argv[k++] = "--attach";
    argv[k++] = att;
    snprintf(wait_path, sizeof(wait_path), "%s/%s/%s", a->e->containers_dir, a->id,
             HUTCH_ATTACH_WAIT_FILE);
    argv[k++] = "--attach-wait";
    argv[k++] = wait_path;
  }
  if (a->tty)
    argv[k++] = "--tty";
  if (a->interactive)
    argv[k++] = "--interactive";
  argv[k] = NULL;
  int fds[] = {l->out_fd, l->err_fd, l->in_w, attach_fd};
  for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
    if (fds[i] >= 0)
      fcntl(fds[i], F_SETFD, 0);
  hutch_debug("exec %s for %.12s (pid %d)", mon, a->id, (int)l->pid);
  struct hutch_error *xerr = NULL;
  hutch_sealed_exec(mon, (char *const *)argv, &xerr);
  _cleanup_free_ char *why = hutch_error_text(xerr);
  hutch_error_free(xerr);
  hutch_warn("%s, monitoring in this process", why ? why : "exec hutch-monitor");
  for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
    if (fds[i] >= 0)
      fcntl(fds[i], F_SETFD, FD_CLOEXEC);
}

/* What the monitor takes from the record: the log as LogConfig wants
 * it, the cgroup, the health check's interval. */
struct settings {
  char *cgpath;
  long health_ms; /* 0: no health check */
};

static void read_settings(const struct hutch_monitor_args *a, struct hutch_logw *lw,
                          struct settings *set) {
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (hutch_ctr_open(a->e, a->id, false, &c, NULL) < 0)
    return;
  struct hutch_health_config hc;
  if (hutch_health_config_get(c, &hc))
    set->health_ms = (long)(hc.interval / 1000000);
  if (strcmp(c->cfg.log_driver, "none") == 0)
    lw->path = NULL;
  lw->max_size = c->cfg.log_max_size;
  lw->max_file = c->cfg.log_max_file;
  if (c->cfg.cgroups_path)
    set->cgpath = strdup(c->cfg.cgroups_path);
}

/* Has the process the container is tied to ended? */
static bool owner_gone(const struct hutch_monitor_args *a) {
  struct pollfd pf = {.fd = a->owner_fd, .events = POLLIN};
  return a->owner_fd >= 0 && poll(&pf, 1, 0) == 1;
}

int hutch_monitor_run(const struct hutch_monitor_args *a, struct hutch_error **err) {
  struct hutch_engine *e = a->e;
  _cleanup_free_ char *log_path = NULL;
  if (asprintf(&log_path, "%s/%s/%s-json.log", e->containers_dir, a->id, a->id) < 0)
    return hutch_error_set(err, ENOMEM, "log path");
  struct hutch_logw lw = {.path = log_path, .fd = -1};
  struct settings set = {0};
  read_settings(a, &lw, &set);
  _cleanup_free_ char *cgpath = set.cgpath;
  if (!cgpath && asprintf(&cgpath, "/hutch/%s", a->id) < 0)
    return hutch_error_set(err, ENOMEM, "cgroup path");
  hutch_logw_open(&lw);
  int ready_fd = a->ready_fd;
  int net_fd = a->net_pending ? a->net_fd : -1;
  if (!a->attached) {
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
  } else {
    set_forwarding(true);
  }
  int backoff_ms = a->resume ? a->backoff_ms : 100;
  bool resume = a->resume;
  int last = 0;
  for (;;) {
    int r;
    long ran_ms;
    if (resume) {
      /* hutch-monitor saw it exit and exec'd us back */
      resume = false;
      r = a->status;
      ran_ms = a->ran_ms;
    } else {
      long t0 = now_ms();
      int code = 125;
      struct hutch_error *rerr = NULL;
      struct launched l;
      /* detached: clients attach through the container dir's socket,
       * there before the CLI hears "ok" (run -it attaches right then) */
      _cleanup_close_ int attach_fd = a->attached ? -EBADF : listen_attach(a);
      if (launch(a, &ready_fd, &net_fd, &l, &code, &rerr) < 0) {
        /* could not start: docker leaves the container created with the code.
         * A network still starting is let finish first: removed under it,
         * its own failure would hide why the create failed. */
        wait_network(&net_fd, NULL);
        hutch_engine_net_stopped(e, a->id);
        struct exited x = {.code = code, .error = rerr && rerr->msg ? rerr->msg : "start failed"};
        update_record(e, a->id, rec_exited, &x, "die", NULL);
        if (ready_fd >= 0) {
          char *msg = NULL;
          if (asprintf(&msg, "E%d %d %s", code, rerr ? rerr->errnum : 0,
                       rerr && rerr->msg ? rerr->msg : "") >= 0)
            report_ready(&ready_fd, msg);
          free(msg);
          hutch_error_free(rerr);
        } else if (err && !*err) {
          *err = rerr;
        } else {
          hutch_error_free(rerr);
        }
        last = -code;
        break;
      }
      if (!a->attached)
        exec_monitor(a, &l, &lw, set.health_ms, t0, backoff_ms, attach_fd);
      r = pump(a, &l, &lw, set.health_ms, attach_fd);
      attach_fd = -EBADF; /* the pump closed it */
      ran_ms = now_ms() - t0;
    }
    last = r;
    bool oom = oom_killed(cgpath);
    _cleanup_free_ char *rt = hutch_rt_of(e, a->id);
    hutch_rt_delete(e, rt, a->id, NULL);
    /* the restart policy, unless someone stopped it on purpose */
    _cleanup_ctr_ struct hutch_ctr *c = NULL;
    bool restart = false;
    if (hutch_ctr_open(e, a->id, false, &c, NULL) == 0) {
      const char *pol = c->cfg.restart_policy;
      int max = c->cfg.restart_max;
      int count = c->st.restart_count;
      bool manual = c->st.manual_stop;
      restart = !manual && !a->attached &&
                (strcmp(pol, "always") == 0 || strcmp(pol, "unless-stopped") == 0 ||
                 (strcmp(pol, "on-failure") == 0 && r != 0 && (max == 0 || count < max)));
    }
    /* Release the network before the record says exited: a `restart`
     * waiting for that must not find our detach racing its attach. */
    if (!restart)
      hutch_engine_net_stopped(e, a->id);
    struct exited x = {.code = r, .oom = oom, .restarting = restart};
    update_record(e, a->id, rec_exited, &x, "die", NULL);
    if (!restart)
      break;
    backoff_ms = ran_ms > 10000 ? 100 : (backoff_ms * 2 > 60000 ? 60000 : backoff_ms * 2);
    usleep((useconds_t)backoff_ms * 1000 / 2);
    if (!c || hutch_ctr_reload(c, NULL) < 0 || c->st.manual_stop)
      break;
    update_record(e, a->id, rec_restart, NULL, NULL, NULL);
  }
  if (a->attached)
    set_forwarding(false);
  hutch_logw_close(&lw);
  /* --rm, or a tied container whose owner is gone: the container goes
   * when it ends (or could not start) */
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (hutch_ctr_open(e, a->id, true, &c, NULL) == 0 && (c->cfg.auto_remove || owner_gone(a))) {
    struct hutch_error *re = NULL;
    if (hutch_ctr_remove(e, c, true, true, &re) < 0)
      hutch_warn("--rm: %s, ignoring", re && re->msg ? re->msg : "remove failed");
    hutch_error_free(re);
  }
  return last; /* -status: could not start */
}
