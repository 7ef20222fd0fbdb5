/* The monitor: the parent of a container's init, like conmon. It creates
 * and starts the container through runtime/ with pipes (or a pty) as its
 * stdio, copies the output into the json-file log (and to the caller's
 * stdout/stderr for an attached run), forwards signals and window size
 * when attached, records the exit code, time and OOM kill, applies the
 * restart policy and removes the container for --rm.
 *
 * For `run -d` it runs in a double-forked, setsid process that outlives
 * the CLI; for an attached run it runs in the CLI process itself. */
#include "engine.h"
#include "netsetup.h"

#include "linux/terminal.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
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

/* json-file rotation: docker keeps one file unbounded by default; we
 * bound it and keep one older file. */
#define LOG_MAX_SIZE (10 * 1024 * 1024)
#define LINE_MAX_BUF 16384

int hutch_exec_error_status(const struct hutch_error *e) {
  if (!e || !e->msg || !strstr(e->msg, "exec: \""))
    return 125;
  return e->errnum == ENOENT ? 127 : 126;
}

struct logw {
  char *path;
  int fd;
  off_t size;
};

static void log_open(struct logw *l) {
  l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  struct stat st;
  l->size = l->fd >= 0 && fstat(l->fd, &st) == 0 ? st.st_size : 0;
}

static void log_rotate(struct logw *l) {
  char old[4300];
  snprintf(old, sizeof(old), "%s.1", l->path);
  if (l->fd >= 0)
    close(l->fd);
  rename(l->path, old);
  log_open(l);
}

static void log_line(struct logw *l, const char *stream, const char *data, size_t len) {
  if (l->fd < 0 || len == 0)
    return;
  json_t *s = json_stringn(data, len);
  if (!s) {
    /* not UTF-8: keep the bytes' places */
    _cleanup_free_ char *copy = malloc(len);
    if (!copy)
      return;
    for (size_t i = 0; i < len; i++)
      copy[i] = (unsigned char)data[i] < 0x80 ? data[i] : '?';
    s = json_stringn(copy, len);
  }
  _cleanup_json_ json_t *j = json_pack("{s:o, s:s, s:s}", "log", s, "stream", stream, "time", hutch_now_rfc3339());
  _cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);
  if (!text)
    return;
  size_t n = strlen(text);
  text[n] = '\n';
  if (write(l->fd, text, n + 1) > 0)
    l->size += (off_t)n + 1;
  text[n] = '\0';
  if (l->size > LOG_MAX_SIZE)
    log_rotate(l);
}

struct stream {
  const char *name;
  int fd;   /* read end, -EBADF when closed */
  int out;  /* attached: where to copy, else -1 */
  char buf[LINE_MAX_BUF];
  size_t len;
};

static void stream_flush(struct stream *s, struct logw *l, bool all) {
  size_t start = 0;
  for (size_t i = 0; i < s->len; i++)
    if (s->buf[i] == '\n') {
      log_line(l, s->name, s->buf + start, i + 1 - start);
      start = i + 1;
    }
  if (all || (start == 0 && s->len == sizeof(s->buf))) {
    log_line(l, s->name, s->buf + start, s->len - start);
    start = s->len;
  }
  memmove(s->buf, s->buf + start, s->len - start);
  s->len -= start;
}

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return;
    p += w;
    n -= (size_t)w;
  }
}

/* Read what is there; false at EOF or error. */
static bool stream_read(struct stream *s, struct logw *l) {
  ssize_t n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  if (s->out >= 0)
    write_all(s->out, s->buf + s->len, (size_t)n);
  s->len += (size_t)n;
  stream_flush(s, l, false);
  return true;
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

/* Update the record under the container's lock. */
static int update_record(struct hutch_engine *e, const char *id, void (*fn)(json_t *rec, void *ud), void *ud,
                         struct hutch_error **err) {
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (hutch_ctr_open(e, id, true, &c, err) < 0)
    return -1;
  fn(c->rec, ud);
  return hutch_ctr_save_state(c, err);
}

struct started {
  pid_t pid;
};
static void rec_started(json_t *rec, void *ud) {
  struct started *s = ud;
  json_t *st = json_object_get(rec, "State"), *h = json_object_get(rec, "Hutch");
  json_object_set_new(st, "Running", json_true());
  json_object_set_new(st, "Restarting", json_false());
  json_object_set_new(st, "OOMKilled", json_false());
  json_object_set_new(st, "Pid", json_integer(s->pid));
  json_object_set_new(st, "ExitCode", json_integer(0));
  json_object_set_new(st, "StartedAt", json_string(hutch_now_rfc3339()));
  json_object_set_new(st, "FinishedAt", json_string("0001-01-01T00:00:00Z"));
  json_object_set_new(h, "PidStart", json_integer((json_int_t)hutch_pid_start_time(s->pid)));
  json_object_set_new(h, "MonitorPid", json_integer(getpid()));
  json_object_set_new(h, "MonitorStart", json_integer((json_int_t)hutch_pid_start_time(getpid())));
}

struct exited {
  int code;
  bool oom;
  const char *error;
  bool restarting;
};
static void rec_exited(json_t *rec, void *ud) {
  struct exited *x = ud;
  json_t *st = json_object_get(rec, "State");
  json_object_set_new(st, "Running", json_false());
  json_object_set_new(st, "Pid", json_integer(0));
  json_object_set_new(st, "ExitCode", json_integer(x->code));
  json_object_set_new(st, "OOMKilled", json_boolean(x->oom));
  json_object_set_new(st, "Restarting", json_boolean(x->restarting));
  if (x->error)
    json_object_set_new(st, "Error", json_string(x->error));
  else
    json_object_set_new(st, "FinishedAt", json_string(hutch_now_rfc3339()));
}
static void rec_restart(json_t *rec, void *ud) {
  (void)ud;
  json_object_set_new(rec, "RestartCount", json_integer(json_integer_value(json_object_get(rec, "RestartCount")) + 1));
}

/* Did the kernel OOM-kill something in the container's memory cgroup? */
static bool oom_killed(const char *id) {
  const char *files[] = {"/sys/fs/cgroup/memory/hutch/%s/memory.oom_control", "/sys/fs/cgroup/hutch/%s/memory.events",
                         "/sys/fs/cgroup/unified/hutch/%s/memory.events"};
  for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
    char p[512];
    snprintf(p, sizeof(p), files[i], id);
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
  write_all(*fd, text, strlen(text));
  close(*fd);
  *fd = -EBADF;
}

/* One run of the container: create, start, pump, wait. Returns the exit
 * status, or -1 with *err when it could not be started (and *code the
 * status docker gives that failure). */
static int run_once(const struct hutch_monitor_args *a, struct logw *lw, int *ready_fd, int *code,
                    struct hutch_error **err) {
  struct hutch_engine *e = a->e;
  char bundle[4200];
  snprintf(bundle, sizeof(bundle), "%s/%s", e->containers_dir, a->id);
  int saved[3] = {-1, -1, -1};
  int outp[2] = {-1, -1}, errp[2] = {-1, -1}, inp[2] = {-1, -1}, csock[2] = {-1, -1};
  bool keep_stdin = a->attached && a->interactive && !a->tty;
  for (int i = 0; i < 3; i++)
    saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
  if (a->tty) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, csock) < 0)
      return hutch_error_set(err, errno, "socketpair");
  } else {
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
      return hutch_error_set(err, errno, "pipe");
    dup2(outp[1], 1);
    dup2(errp[1], 2);
  }
  if (!keep_stdin && !a->tty) {
    if (a->interactive && pipe2(inp, O_CLOEXEC) == 0) {
      dup2(inp[0], 0); /* -d -i: stdin stays open, nobody writes yet */
    } else {
      int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
      dup2(null, 0);
      close(null);
    }
  }
  struct hutch_create_opts co = {.id = a->id, .bundle = bundle, .console_sock_fd = a->tty ? &csock[1] : NULL};
  pid_t pid = 0;
  int r = hutch_container_create(&e->rt, &co, &pid, err);
  for (int i = 0; i < 3; i++)
    if (saved[i] >= 0) {
      dup2(saved[i], i);
      close(saved[i]);
    }
  if (outp[1] >= 0)
    close(outp[1]);
  if (errp[1] >= 0)
    close(errp[1]);
  if (inp[0] >= 0)
    close(inp[0]);
  if (csock[1] >= 0)
    close(csock[1]);
  _cleanup_close_ int master = -EBADF, in_w = inp[1], cs = csock[0], pidfd = -EBADF;
  struct stream so = {.name = "stdout", .fd = outp[0], .out = a->attached ? 1 : -1};
  struct stream se = {.name = "stderr", .fd = errp[0], .out = a->attached ? 2 : -1};
  int ret = -1;
  if (r < 0) {
    *code = hutch_exec_error_status(*err);
    goto out;
  }
  if (a->tty) {
    master = hutch_recv_fd(cs, NULL, 0);
    if (master < 0) {
      hutch_error_set(err, -master, "receive the container's pty");
      hutch_container_delete(&e->rt, a->id, true, NULL);
      *code = 125;
      goto out;
    }
    so.fd = master;
  }
  fwd_pid = pid;
  struct started s = {.pid = pid};
  if (update_record(e, a->id, rec_started, &s, err) < 0 || hutch_container_start(&e->rt, a->id, err) < 0) {
    hutch_container_delete(&e->rt, a->id, true, NULL);
    struct exited x = {.code = 125, .error = *err && (*err)->msg ? (*err)->msg : "start failed"};
    update_record(e, a->id, rec_exited, &x, NULL);
    *code = 125;
    goto out;
  }
  report_ready(ready_fd, "ok");

  struct termios saved_tio;
  bool raw = a->attached && a->tty && isatty(0) && tcgetattr(0, &saved_tio) == 0;
  if (raw) {
    struct termios t = saved_tio;
    cfmakeraw(&t);
    tcsetattr(0, TCSANOW, &t);
    winch = 1;
  }
  pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  bool in_open = a->attached && a->interactive && a->tty;
  bool exited = false;
  int drain_ms = 2000;
  while (so.fd >= 0 || se.fd >= 0) {
    if (winch && master >= 0) {
      winch = 0;
      struct winsize ws;
      if (ioctl(0, TIOCGWINSZ, &ws) == 0)
        ioctl(master, TIOCSWINSZ, &ws);
    }
    struct pollfd p[4] = {{.fd = so.fd, .events = POLLIN},
                          {.fd = se.fd, .events = POLLIN},
                          {.fd = in_open ? 0 : -1, .events = POLLIN},
                          {.fd = exited ? -1 : pidfd, .events = POLLIN}};
    int n = poll(p, 4, exited ? 100 : -1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    if (n == 0 && exited) {
      drain_ms -= 100;
      if (master >= 0 || drain_ms <= 0)
        break;
      continue;
    }
    if (p[0].revents && !stream_read(&so, lw)) {
      so.fd = so.fd == master ? so.fd : (close(so.fd), -1);
      if (master >= 0)
        break; /* EIO: the pty has no more writers */
    }
    if (p[1].revents && !stream_read(&se, lw)) {
      close(se.fd);
      se.fd = -1;
    }
    if (p[2].revents) {
      char buf[4096];
      ssize_t k = read(0, buf, sizeof(buf));
      if (k <= 0)
        in_open = false;
      else
        write_all(master, buf, (size_t)k);
    }
    if (p[3].revents) {
      exited = true;
      if (master >= 0)
        fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    }
  }
  stream_flush(&so, lw, true);
  stream_flush(&se, lw, true);
  if (raw)
    tcsetattr(0, TCSANOW, &saved_tio);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  fwd_pid = 0;
  ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  *code = ret;
out:
  if (so.fd >= 0 && so.fd != master)
    close(so.fd);
  if (se.fd >= 0)
    close(se.fd);
  return ret;
}

int hutch_monitor_run(const struct hutch_monitor_args *a, struct hutch_error **err) {
  struct hutch_engine *e = a->e;
  struct logw lw = {.fd = -1};
  if (asprintf(&lw.path, "%s/%s/%s-json.log", e->containers_dir, a->id, a->id) < 0)
    return hutch_error_set(err, ENOMEM, "log path");
  log_open(&lw);
  int ready_fd = a->ready_fd;
  if (!a->attached) {
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
  } else {
    set_forwarding(true);
  }
  int backoff_ms = 100;
  int last = 0;
  for (;;) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int code = 125;
    struct hutch_error *rerr = NULL;
    int r = run_once(a, &lw, &ready_fd, &code, &rerr);
    if (r < 0) {
      /* could not start: docker leaves the container created with the code */
      hutch_engine_net_stopped(e, a->id);
      struct exited x = {.code = code, .error = rerr && rerr->msg ? rerr->msg : "start failed"};
      update_record(e, a->id, rec_exited, &x, NULL);
      if (ready_fd >= 0) {
        _cleanup_free_ char *text = hutch_error_text(rerr);
        char *msg = NULL;
        if (asprintf(&msg, "E%d %d %s", code, rerr ? rerr->errnum : 0, rerr && rerr->msg ? rerr->msg : "") >= 0)
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
    last = r;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    bool oom = oom_killed(a->id);
    hutch_container_delete(&e->rt, a->id, true, NULL);
    /* the restart policy, unless someone stopped it on purpose */
    _cleanup_ctr_ struct hutch_ctr *c = NULL;
    bool restart = false;
    if (hutch_ctr_open(e, a->id, false, &c, NULL) == 0) {
      json_t *rp = json_object_get(json_object_get(c->rec, "HostConfig"), "RestartPolicy");
      const char *pol = json_string_value(json_object_get(rp, "Name")) ?: "no";
      int max = (int)json_integer_value(json_object_get(rp, "MaximumRetryCount"));
      int count = (int)json_integer_value(json_object_get(c->rec, "RestartCount"));
      bool manual = json_is_true(json_object_get(json_object_get(c->rec, "Hutch"), "ManualStop"));
      restart = !manual && !a->attached &&
                (strcmp(pol, "always") == 0 || strcmp(pol, "unless-stopped") == 0 ||
                 (strcmp(pol, "on-failure") == 0 && r != 0 && (max == 0 || count < max)));
    }
    /* Release the network before the record says exited: a `restart`
     * waiting for that must not find our detach racing its attach. */
    if (!restart)
      hutch_engine_net_stopped(e, a->id);
    struct exited x = {.code = r, .oom = oom, .restarting = restart};
    update_record(e, a->id, rec_exited, &x, NULL);
    if (!restart)
      break;
    long ran_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    backoff_ms = ran_ms > 10000 ? 100 : (backoff_ms * 2 > 60000 ? 60000 : backoff_ms * 2);
    usleep((useconds_t)backoff_ms * 1000 / 2);
    if (hutch_ctr_reload(c, NULL) < 0 ||
        json_is_true(json_object_get(json_object_get(c->rec, "Hutch"), "ManualStop")))
      break;
    update_record(e, a->id, rec_restart, NULL, NULL);
  }
  if (a->attached)
    set_forwarding(false);
  if (lw.fd >= 0)
    close(lw.fd);
  free(lw.path);
  /* --rm: the container goes when it ends (or could not start) */
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (hutch_ctr_open(e, a->id, true, &c, NULL) == 0 &&
      json_is_true(json_object_get(json_object_get(c->rec, "HostConfig"), "AutoRemove"))) {
    struct hutch_error *re = NULL;
    if (hutch_ctr_remove(e, c, true, true, &re) < 0)
      hutch_warn("--rm: %s, ignoring", re && re->msg ? re->msg : "remove failed");
    hutch_error_free(re);
  }
  return last; /* -status: could not start */
}
