/* The exec endpoints: POST /containers/{id}/exec makes an exec instance,
 * POST /exec/{id}/start runs it, POST /exec/{id}/resize sizes its pty,
 * GET /exec/{id}/json inspects it. Instances live in the service's memory
 * (docker keeps them in its daemon), keyed by a random 64-hex id. The
 * process is started by an exec runner the spawner forks (spawner.h,
 * exec_runner.c: the service's threads must not fork), over the engine's
 * hutch_ctr_exec_spawn, the function `hutch exec` runs; the runner
 * reports its pid, the pty master, the exit status. A start that is not
 * detached hijacks the connection as attach does: the process's output
 * raw with a tty, docker's multiplexed frames without; stdin forwarded
 * through the detach keys, the client's half-close closing it. */
#include "api_int.h"
#include "spawner.h"

#include "engine/attach.h"
#include "engine/ctr_exec.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum exec_state { EXEC_CREATED, EXEC_RUNNING, EXEC_EXITED };

/* An exec instance: its config (from the create body), then its state,
 * under exec_lock. Records are never freed while a thread may hold one:
 * only exited ones are dropped, beyond EXEC_KEEP of them. */
struct api_exec {
  char id[65], ctr[65];
  char **args, **env;
  char *user, *workdir, *detach_keys;
  bool tty, in, out, err, privileged;
  enum exec_state state;
  int exit_code;
  pid_t pid;
  int master; /* the pty master while a stream holds it, else -1 */
  uint16_t rows, cols;
  struct api_exec *next;
};

#define EXEC_KEEP 256

static pthread_mutex_t exec_lock = PTHREAD_MUTEX_INITIALIZER;
static struct api_exec *execs;

static void exec_free(struct api_exec *x) {
  if (!x)
    return;
  hutch_strv_free(x->args);
  hutch_strv_free(x->env);
  free(x->user);
  free(x->workdir);
  free(x->detach_keys);
  free(x);
}

/* Under exec_lock: add x, dropping the oldest exited records beyond
 * EXEC_KEEP. */
static void exec_add_locked(struct api_exec *x) {
  x->next = execs;
  execs = x;
  size_t exited = 0;
  for (struct api_exec **p = &execs; *p;) {
    if ((*p)->state == EXEC_EXITED && ++exited > EXEC_KEEP) {
      struct api_exec *old = *p;
      *p = old->next;
      exec_free(old);
      continue;
    }
    p = &(*p)->next;
  }
}

static struct api_exec *exec_find_locked(const char *id) {
  for (struct api_exec *x = execs; x; x = x->next)
    if (strcmp(x->id, id) == 0)
      return x;
  return NULL;
}

/* The process ended (or never ran): its status, once. */
static void exec_exited(struct api_exec *x, int code) {
  pthread_mutex_lock(&exec_lock);
  if (x->state != EXEC_EXITED) {
    x->state = EXEC_EXITED;
    x->exit_code = code;
  }
  pthread_mutex_unlock(&exec_lock);
}

static void set_winsize(int fd, uint16_t rows, uint16_t cols) {
  struct winsize ws = {.ws_row = rows, .ws_col = cols};
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
    hutch_debug("exec: TIOCSWINSZ: %s, ignoring", strerror(errno));
}

/* ---- create ---- */

static int exec_cfg(json_t *b, struct api_exec *x, struct hutch_error **err) {
  const char *user = NULL, *wd = NULL, *keys = NULL;
  bool dummy = false;
  x->out = x->err = false;
  if (api_strv(json_object_get(b, "Cmd"), &x->args, "Cmd", err) < 0 ||
      api_strv(json_object_get(b, "Env"), &x->env, "Env", err) < 0 ||
      api_str_field(json_object_get(b, "User"), "User", &user, err) < 0 ||
      api_str_field(json_object_get(b, "WorkingDir"), "WorkingDir", &wd, err) < 0 ||
      api_str_field(json_object_get(b, "DetachKeys"), "DetachKeys", &keys, err) < 0 ||
      api_bool_field(json_object_get(b, "Tty"), "Tty", &x->tty, err) < 0 ||
      api_bool_field(json_object_get(b, "AttachStdin"), "AttachStdin", &x->in, err) < 0 ||
      api_bool_field(json_object_get(b, "AttachStdout"), "AttachStdout", &x->out, err) < 0 ||
      api_bool_field(json_object_get(b, "AttachStderr"), "AttachStderr", &x->err, err) < 0 ||
      api_bool_field(json_object_get(b, "Privileged"), "Privileged", &x->privileged, err) < 0 ||
      api_bool_field(json_object_get(b, "Detach"), "Detach", &dummy, err) < 0)
    return -1;
  if (!x->args || !x->args[0])
    return hutch_error_say(err, EINVAL, "No exec command specified");
  for (char **e = x->env; e && *e; e++)
    if (!strchr(*e, '=') || **e == '=')
      return hutch_error_say(err, EINVAL, "invalid environment variable: %s", *e);
  if (wd && *wd && wd[0] != '/')
    return hutch_error_say(err, EINVAL,
                           "the working directory '%s' is invalid, it needs to be "
                           "an absolute path",
                           wd);
  struct hutch_detach_matcher m;
  if (keys && *keys && hutch_detach_keys_parse(keys, m.keys, &m.n, err) < 0)
    return -1;
  if ((user && !(x->user = strdup(user))) || (wd && !(x->workdir = strdup(wd))) ||
      (keys && !(x->detach_keys = strdup(keys))) ||
      (!x->env && !(x->env = calloc(1, sizeof(char *)))))
    return hutch_error_set(err, ENOMEM, "exec");
  return 0;
}

static enum MHD_Result exec_create(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  _cleanup_json_ json_t *b = api_body_json(r, &err);
  if (!b)
    return api_error(r, err);
  struct api_exec *x = calloc(1, sizeof(*x));
  if (!x)
    return api_fail(r, 500, "out of memory");
  x->master = -1;
  if (exec_cfg(b, x, &err) < 0 || !e || hutch_ctr_open(e, r->params[0], false, &c, &err) < 0) {
    exec_free(x);
    return api_error(r, err);
  }
  if (strcmp(hutch_ctr_status(e, c), "paused") == 0) {
    exec_free(x);
    return api_fail(r, 409, "Container %s is paused, unpause the container before exec", c->id);
  }
  if (!hutch_ctr_running(c)) {
    exec_free(x);
    return api_fail(r, 409, "Container %s is not running", c->id);
  }
  if (hutch_ctr_new_id(x->id) < 0) {
    exec_free(x);
    return api_fail(r, 500, "cannot make an exec id");
  }
  snprintf(x->ctr, sizeof(x->ctr), "%s", c->id);
  hutch_ctr_exec_event(c, "exec_create", x->id, x->args, -1);
  pthread_mutex_lock(&exec_lock);
  exec_add_locked(x);
  pthread_mutex_unlock(&exec_lock);
  return api_json(r, 201, json_pack("{s:s}", "Id", x->id));
}

/* ---- start ---- */

/* A running exec's stream: the client's socket, our ends of the
 * process's pipes (or its pty master as in and out), the runner's
 * reports. */
struct exec_stream {
  struct api_exec *x;
  int sock, st;
  int in, out, err; /* -1 when absent or closed */
  bool tty, frames;
  bool client_eof; /* the client closed its write side */
  struct hutch_detach_matcher m;
  char pend[4096 + HUTCH_DETACH_KEYS_MAX]; /* stdin not yet written */
  size_t pend_off, pend_len;
};

static void stream_close(struct exec_stream *s) {
  if (s->tty) {
    pthread_mutex_lock(&exec_lock);
    s->x->master = -1;
    pthread_mutex_unlock(&exec_lock);
  }
  if (s->in >= 0 && s->in != s->out)
    close(s->in);
  if (s->out >= 0)
    close(s->out);
  if (s->err >= 0)
    close(s->err);
  if (s->st >= 0)
    close(s->st);
  free(s);
}

static void stream_done(void *ud) {
  stream_close(ud);
}

/* To the client: raw, or a frame of stream 1 or 2. */
static bool to_client(struct exec_stream *s, int stream, const char *buf, size_t n) {
  if (!s->frames)
    return api_send_all(s->sock, buf, n) == 0;
  unsigned char frame[8192 + 8];
  size_t len = hutch_api_frame(frame, stream, buf, n);
  return api_send_all(s->sock, frame, len) == 0;
}

/* A report of the runner; the pty master with STARTED. -1 when it is
 * gone. */
static int read_report(int st, struct hutch_api_exec_msg *m, int *fd) {
  char cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
  ssize_t n;
  while ((n = recvmsg(st, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
    ;
  if (fd)
    *fd = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); n > 0 && c; c = CMSG_NXTHDR(&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int got;
      memcpy(&got, CMSG_DATA(c), sizeof(int));
      if (fd)
        *fd = got;
      else
        close(got);
    }
  return n == (ssize_t)sizeof(*m) ? 0 : -1;
}

/* The runner's first report: STARTED (the record running, with its pid
 * and pty), or FAILED (exited with 126/127; *why its message). */
static int await_start(struct exec_stream *s, char *why, size_t n) {
  struct hutch_api_exec_msg m;
  int master = -1;
  if (read_report(s->st, &m, &master) < 0 || m.type != HUTCH_API_EXEC_STARTED) {
    bool failed = m.type == HUTCH_API_EXEC_FAILED;
    snprintf(why, n, "%s", failed ? m.msg : "exec: the runner is gone");
    exec_exited(s->x, failed ? m.code : 126);
    if (master >= 0)
      close(master);
    return -1;
  }
  pthread_mutex_lock(&exec_lock);
  s->x->pid = m.pid;
  if (master >= 0) {
    s->in = s->out = s->x->master = master;
    if (s->x->rows)
      set_winsize(master, s->x->rows, s->x->cols);
  }
  pthread_mutex_unlock(&exec_lock);
  return 0;
}

static json_t *strv_json(char **v) {
  json_t *a = json_array();
  for (; a && v && *v; v++)
    json_array_append_new(a, json_string(*v));
  return a;
}

/* Launch through the spawner: pipes for the attached streams (none with
 * a tty: the pty is all three). */
static int launch(struct exec_stream *s, bool attached, struct hutch_error **err) {
  struct api_exec *x = s->x;
  int st[2], io[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
  bool want[3] = {attached && x->in, attached && x->out, attached && x->err};
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, st) < 0)
    return hutch_error_set(err, errno, "exec: socketpair");
  int fds[4] = {st[1], -1, -1, -1};
  size_t n = 4;
  for (int i = 0; i < 3; i++) {
    if (!x->tty && want[i] && pipe2(io[i], O_CLOEXEC) == 0)
      fds[1 + i] = io[i][i == 0 ? 0 : 1];
    else
      fds[1 + i] = open("/dev/null", O_RDWR | O_CLOEXEC);
  }
  _cleanup_json_ json_t *q =
      json_pack("{s:s, s:s, s:o, s:o, s:s?, s:s?, s:b, s:b}", "ctr", x->ctr, "exec_id", x->id,
                "args", strv_json(x->args), "env", strv_json(x->env), "user", x->user, "workdir",
                x->workdir, "tty", x->tty, "privileged", x->privileged);
  _cleanup_free_ char *req = q ? json_dumps(q, JSON_COMPACT) : NULL;
  int rc = req ? hutch_api_spawner_exec(req, fds, n, err) : hutch_error_set(err, ENOMEM, "exec");
  for (size_t i = 0; i < n; i++)
    if (fds[i] >= 0)
      close(fds[i]);
  s->st = st[0];
  s->in = io[0][1];
  s->out = io[1][0];
  s->err = io[2][0];
  return rc;
}

/* Client bytes for stdin, through the detach keys: false on a detach. */
static bool from_client(struct exec_stream *s) {
  char buf[4096];
  ssize_t n = recv(s->sock, buf, sizeof(buf), 0);
  if (n < 0)
    return errno == EINTR || errno == EAGAIN;
  if (n == 0) { /* the client closed its write side: stdin's EOF */
    s->client_eof = true;
    if (!s->tty && s->in >= 0) {
      close(s->in);
      s->in = -1;
    }
    return true;
  }
  if (s->in < 0 || !s->x->in)
    return true;
  size_t o = 0;
  bool detach = hutch_detach_feed(&s->m, buf, (size_t)n, s->pend, &o);
  s->pend_off = 0;
  s->pend_len = o;
  return !detach;
}

static void to_stdin(struct exec_stream *s) {
  ssize_t w = write(s->in, s->pend + s->pend_off, s->pend_len - s->pend_off);
  if (w < 0 && errno != EINTR && errno != EAGAIN) {
    s->pend_len = s->pend_off = 0; /* the process closed its stdin */
    return;
  }
  if (w > 0 && (s->pend_off += (size_t)w) == s->pend_len)
    s->pend_len = s->pend_off = 0;
}

/* Output of fd (*fd closed and -1 at its end) to the client. */
static bool from_proc(struct exec_stream *s, int *fd, int stream) {
  char buf[8192];
  ssize_t n = read(*fd, buf, sizeof(buf));
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0) { /* EOF, or EIO on a pty whose process is gone */
    if (*fd == s->in) {
      pthread_mutex_lock(&exec_lock);
      s->x->master = -1; /* no resize on it any more */
      pthread_mutex_unlock(&exec_lock);
      s->in = -1;
    }
    close(*fd);
    *fd = -1;
    return true;
  }
  return to_client(s, stream, buf, (size_t)n);
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Until the process has exited and its output is drained: what a child
 * left holding the streams gets a second more, then the stream ends.
 * false when it ends before the exit (the client went or detached). */
static bool pump(struct exec_stream *s, const char *extra, size_t extra_len) {
  long long exited_at = -1;
  if (s->in >= 0)
    fcntl(s->in, F_SETFL, fcntl(s->in, F_GETFL) | O_NONBLOCK);
  if (extra_len && s->in >= 0) {
    size_t o = 0;
    if (hutch_detach_feed(&s->m, extra, extra_len > 4096 ? 4096 : extra_len, s->pend, &o))
      return false;
    s->pend_len = o;
  }
  while (!api_stopping()) {
    if (exited_at >= 0 && ((s->out < 0 && s->err < 0) || now_ms() - exited_at > 1000))
      return true;
    struct pollfd p[5] = {{.fd = !s->client_eof && !s->pend_len ? s->sock : -1, .events = POLLIN},
                          {.fd = s->pend_len ? s->in : -1, .events = POLLOUT},
                          {.fd = s->out, .events = POLLIN},
                          {.fd = s->err, .events = POLLIN},
                          {.fd = exited_at < 0 ? s->st : -1, .events = POLLIN}};
    if (poll(p, 5, 100) < 0 && errno != EINTR)
      break;
    if ((p[2].revents && !from_proc(s, &s->out, 1)) || (p[3].revents && !from_proc(s, &s->err, 2)))
      break; /* the client is gone */
    if (p[4].revents) {
      struct hutch_api_exec_msg m;
      int code =
          read_report(s->st, &m, NULL) == 0 && m.type == HUTCH_API_EXEC_EXITED ? m.code : 255;
      exec_exited(s->x, code); /* before the stream ends: the client asks next */
      exited_at = now_ms();
    }
    if (p[1].revents && s->in >= 0)
      to_stdin(s);
    if (p[0].revents & POLLIN) {
      if (!from_client(s))
        break; /* detached: the process runs on */
    } else if (p[0].revents & (POLLHUP | POLLERR)) {
      break; /* the client is gone: the process gets EOF, EPIPE or SIGHUP */
    }
  }
  return exited_at >= 0;
}

/* Detached, or a stream that ended first: a thread waits for the exit
 * status. */
static void *watch_thread(void *arg) {
  struct exec_stream *s = arg;
  struct hutch_api_exec_msg m;
  int code = read_report(s->st, &m, NULL) == 0 && m.type == HUTCH_API_EXEC_EXITED ? m.code : 255;
  exec_exited(s->x, code);
  stream_close(s);
  return NULL;
}

/* false when no thread could be made. */
static bool watch(struct exec_stream *s) {
  pthread_t th;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  bool ok = pthread_create(&th, &attr, watch_thread, s) == 0;
  pthread_attr_destroy(&attr);
  return ok;
}

/* The stream ended before the process: its exit is still recorded. */
static void watch_rest(struct exec_stream *s) {
  struct exec_stream *w = calloc(1, sizeof(*w));
  if (!w)
    return;
  *w = (struct exec_stream){.x = s->x, .sock = -1, .st = s->st, .in = -1, .out = -1, .err = -1};
  s->st = -1;
  if (!watch(w))
    stream_close(w);
}

/* The hijacked connection's thread: launch, then the stream. */
static void exec_run(void *ud, int sock, const char *extra, size_t extra_len) {
  struct exec_stream *s = ud;
  struct hutch_error *err = NULL;
  char why[1100];
  s->sock = sock;
  if (launch(s, true, &err) < 0) {
    _cleanup_free_ char *text = hutch_error_text(err);
    snprintf(why, sizeof(why), "%s", text ? text : "exec failed");
    hutch_error_free(err);
    exec_exited(s->x, 126);
  } else if (await_start(s, why, sizeof(why)) == 0) {
    if (!pump(s, extra, extra_len))
      watch_rest(s);
    return;
  }
  strncat(why, "\r\n", sizeof(why) - strlen(why) - 1);
  to_client(s, 1, why, strlen(why));
}

static enum MHD_Result start_detached(struct api_req *r, struct exec_stream *s) {
  struct hutch_error *err = NULL;
  char why[1100];
  if (launch(s, false, &err) < 0) {
    exec_exited(s->x, 126);
    stream_close(s);
    return api_error(r, err);
  }
  if (await_start(s, why, sizeof(why)) < 0) {
    stream_close(s);
    return api_fail(r, 500, "%s", why);
  }
  if (!watch(s))
    stream_close(s); /* the process runs on; its status is not known */
  return api_empty(r, 200);
}

/* The record, now running (one start only), and its container still
 * running: NULL with the reply queued in *res. */
static struct api_exec *claim(struct api_req *r, enum MHD_Result *res) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  pthread_mutex_lock(&exec_lock);
  struct api_exec *x = exec_find_locked(r->params[0]);
  enum exec_state was = x ? x->state : EXEC_CREATED;
  if (x && was == EXEC_CREATED)
    x->state = EXEC_RUNNING;
  pthread_mutex_unlock(&exec_lock);
  if (!x) {
    *res = api_fail(r, 404, "No such exec instance: %s", r->params[0]);
    return NULL;
  }
  if (was != EXEC_CREATED) {
    *res = api_fail(r, 409, "Exec instance %s has already been started", x->id);
    return NULL;
  }
  if (!e || hutch_ctr_open(e, x->ctr, false, &c, &err) < 0 || !hutch_ctr_running(c)) {
    exec_exited(x, 126);
    *res = err ? api_error(r, err) : api_fail(r, 409, "Container %s is not running", x->ctr);
    return NULL;
  }
  return x;
}

static enum MHD_Result exec_start(struct api_req *r) {
  struct hutch_error *err = NULL;
  _cleanup_json_ json_t *b = api_body_json(r, &err);
  bool detach = false, tty;
  enum MHD_Result res;
  if (!b || api_bool_field(json_object_get(b, "Detach"), "Detach", &detach, &err) < 0)
    return api_error(r, err);
  struct api_exec *x = claim(r, &res);
  if (!x)
    return res;
  tty = x->tty; /* the framing follows the start's Tty when given, as docker's */
  if (api_bool_field(json_object_get(b, "Tty"), "Tty", &tty, &err) < 0) {
    exec_exited(x, 126);
    return api_error(r, err);
  }
  struct exec_stream *s = calloc(1, sizeof(*s));
  if (!s) {
    exec_exited(x, 126);
    return api_fail(r, 500, "out of memory");
  }
  *s = (struct exec_stream){
      .x = x, .sock = -1, .st = -1, .in = -1, .out = -1, .err = -1, .tty = x->tty, .frames = !tty};
  hutch_detach_keys_parse(x->detach_keys && *x->detach_keys ? x->detach_keys
                                                            : HUTCH_DETACH_KEYS_DEFAULT,
                          s->m.keys, &s->m.n, NULL);
  if (detach)
    return start_detached(r, s);
  return api_hijack(r, tty, exec_run, stream_done, s);
}

/* ---- resize, inspect ---- */

static enum MHD_Result exec_resize(struct api_req *r) {
  int64_t h, w;
  if (hutch_api_int(api_query(r, "h"), 0, &h) < 0 || hutch_api_int(api_query(r, "w"), 0, &w) < 0 ||
      h < 0 || w < 0 || h > UINT16_MAX || w > UINT16_MAX)
    return api_fail(r, 400, "resize: invalid height or width");
  pthread_mutex_lock(&exec_lock);
  struct api_exec *x = exec_find_locked(r->params[0]);
  bool tty = x && x->tty;
  if (tty) {
    /* before the pty exists: applied when it comes */
    x->rows = (uint16_t)h;
    x->cols = (uint16_t)w;
    if (x->master >= 0)
      set_winsize(x->master, x->rows, x->cols);
  }
  pthread_mutex_unlock(&exec_lock);
  if (!x)
    return api_fail(r, 404, "No such exec instance: %s", r->params[0]);
  if (!tty)
    return api_fail(r, 409, "Exec instance %s has no terminal to resize", r->params[0]);
  return api_empty(r, 200);
}

/* docker's ExecInspect, under exec_lock. */
static json_t *exec_json_locked(const struct api_exec *x) {
  json_t *args = strv_json(x->args[1] ? x->args + 1 : NULL);
  json_t *pc =
      json_pack("{s:b, s:s, s:o, s:b, s:s}", "tty", x->tty, "entrypoint", x->args[0], "arguments",
                args, "privileged", x->privileged, "user", x->user ? x->user : "");
  return json_pack("{s:s, s:b, s:o, s:o, s:b, s:b, s:b, s:b, s:s, s:s, s:i}", "ID", x->id,
                   "Running", x->state == EXEC_RUNNING, "ExitCode",
                   x->state == EXEC_EXITED ? json_integer(x->exit_code) : json_null(),
                   "ProcessConfig", pc, "OpenStdin", x->in, "OpenStderr", x->err, "OpenStdout",
                   x->out, "CanRemove", false, "ContainerID", x->ctr, "DetachKeys",
                   x->detach_keys ? x->detach_keys : "", "Pid", (int)x->pid);
}

static enum MHD_Result exec_inspect(struct api_req *r) {
  pthread_mutex_lock(&exec_lock);
  struct api_exec *x = exec_find_locked(r->params[0]);
  json_t *j = x ? exec_json_locked(x) : NULL;
  pthread_mutex_unlock(&exec_lock);
  if (!x)
    return api_fail(r, 404, "No such exec instance: %s", r->params[0]);
  return j ? api_json(r, 200, j) : api_fail(r, 500, "out of memory");
}

const struct api_route hutch_api_exec_routes[] = {
    {"POST", "/containers/{}/exec", exec_create},
    {"POST", "/exec/{}/start", exec_start},
    {"POST", "/exec/{}/resize", exec_resize},
    {"GET", "/exec/{}/json", exec_inspect},
    {NULL, NULL, NULL},
};
