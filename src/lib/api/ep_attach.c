/* POST /containers/{id}/attach and /containers/{id}/resize: the hijacked
 * connection ("Upgrade: tcp") becomes a client of the container's monitor
 * through its attach socket (engine/attach_proto.h), the same one `hutch
 * attach` uses: output as the monitor sends it (raw with a tty, docker's
 * multiplexed frames without), stdin with docker's detach keys, a close
 * of the client's write side closing the container's stdin, window sizes.
 *
 * docker run attaches before it starts the container: the session then
 * waits for the socket, and leaves HUTCH_ATTACH_WAIT_FILE so that the
 * monitor of a container that exits at once waits for it (its output
 * comes from the monitor's replay, nothing is lost). Sessions are listed
 * so that a resize reaches the monitor through the session's connection
 * (a connection of its own would take the replay meant for the session). */
#include "api_int.h"

#include "engine/attach.h"
#include "engine/attach_proto.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct attach_sess {
  char *id, *dir;
  bool tty, in, out, err, waited;
  struct hutch_detach_matcher m;
  int sock; /* the client's hijacked connection */
  int mon;  /* the monitor's attach socket, -1 until connected */
  uint16_t rows, cols;
  struct attach_sess *next;
};

static pthread_mutex_t sess_lock = PTHREAD_MUTEX_INITIALIZER;
static struct attach_sess *sessions;

static void sess_free(struct attach_sess *s) {
  if (!s)
    return;
  free(s->id);
  free(s->dir);
  free(s);
}

static void sess_unlist(struct attach_sess *s) {
  pthread_mutex_lock(&sess_lock);
  for (struct attach_sess **p = &sessions; *p; p = &(*p)->next)
    if (*p == s) {
      *p = s->next;
      break;
    }
  pthread_mutex_unlock(&sess_lock);
}

static void send_winsize(int fd, uint16_t rows, uint16_t cols) {
  char msg[5] = {HUTCH_ATTACH_WINSIZE};
  uint16_t rc[2] = {rows, cols};
  memcpy(msg + 1, rc, sizeof(rc));
  send(fd, msg, sizeof(msg), MSG_NOSIGNAL);
}

/* stdin bytes to the monitor, through the detach keys; false on a detach. */
static bool forward_in(struct attach_sess *s, const char *buf, size_t len) {
  char out[HUTCH_ATTACH_MSG_MAX + HUTCH_DETACH_KEYS_MAX];
  while (len) {
    size_t k = len < 2048 ? len : 2048, o = 0;
    bool detach = hutch_detach_feed(&s->m, buf, k, out + 1, &o);
    if (o) {
      out[0] = HUTCH_ATTACH_STDIN;
      send(s->mon, out, o + 1, MSG_NOSIGNAL);
    }
    if (detach)
      return false;
    buf += k;
    len -= k;
  }
  return true;
}

/* A message from the monitor to the client; false when the session ends. */
static bool from_monitor(struct attach_sess *s) {
  char msg[HUTCH_ATTACH_MSG_MAX];
  ssize_t n = hutch_attach_recv(s->mon, msg, sizeof(msg));
  if (n <= 0 || msg[0] == HUTCH_ATTACH_EXIT)
    return false;
  bool is_err = msg[0] == HUTCH_ATTACH_STDERR;
  if (is_err ? !s->err : !s->out)
    return true;
  if (s->tty)
    return api_send_all(s->sock, msg + 1, (size_t)n - 1) == 0;
  unsigned char frame[HUTCH_ATTACH_MSG_MAX + 8];
  size_t len = hutch_api_frame(frame, is_err ? 2 : 1, msg + 1, (size_t)n - 1);
  return api_send_all(s->sock, frame, len) == 0;
}

/* Wait for the monitor's socket (the container may not be started yet);
 * false when the container or the client went away, or the service
 * stops. */
static bool connect_monitor(struct attach_sess *s) {
  for (;;) {
    _cleanup_close_ int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
      return false; /* removed */
    int fd = hutch_attach_connect(dfd);
    if (fd >= 0) {
      pthread_mutex_lock(&sess_lock);
      s->mon = fd;
      if (s->rows)
        send_winsize(fd, s->rows, s->cols);
      pthread_mutex_unlock(&sess_lock);
      return true;
    }
    struct pollfd p = {.fd = s->sock, .events = 0};
    if (api_stopping() || (poll(&p, 1, 20) > 0 && (p.revents & (POLLHUP | POLLERR))))
      return false;
  }
}

static void pump(struct attach_sess *s, const char *extra, size_t extra_len) {
  bool in_open = true;
  if (s->in && extra_len && !forward_in(s, extra, extra_len))
    return;
  for (;;) {
    struct pollfd p[2] = {{.fd = s->mon, .events = POLLIN},
                          {.fd = s->sock, .events = in_open ? POLLIN : 0}};
    if (poll(p, 2, 500) < 0 && errno != EINTR)
      return;
    if (api_stopping())
      return;
    if (p[0].revents && !from_monitor(s))
      return;
    if (p[1].revents & POLLIN) {
      char buf[4096];
      ssize_t n = recv(s->sock, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        in_open = false; /* the client closed its write side: stdin's EOF */
        if (s->in) {
          char c = HUTCH_ATTACH_STDIN_CLOSE;
          send(s->mon, &c, 1, MSG_NOSIGNAL);
        }
      } else if (s->in && !forward_in(s, buf, (size_t)n)) {
        return; /* detached */
      }
    } else if (p[1].revents & (POLLHUP | POLLERR)) {
      return;
    }
  }
}

static void sess_list(struct attach_sess *s) {
  pthread_mutex_lock(&sess_lock);
  s->next = sessions;
  sessions = s;
  pthread_mutex_unlock(&sess_lock);
}

/* The hijacked connection's thread. */
static void attach_run(void *ud, int sock, const char *extra, size_t extra_len) {
  struct attach_sess *s = ud;
  s->sock = sock;
  sess_list(s);
  if (connect_monitor(s))
    pump(s, extra, extra_len);
  sess_unlist(s);
  if (s->waited) {
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", s->dir, HUTCH_ATTACH_WAIT_FILE);
    unlink(path); /* the monitor removes it when it ran; not when it did not */
  }
  if (s->mon >= 0)
    close(s->mon);
}

static void attach_done(void *ud) {
  sess_free(ud);
}

/* The session for the request: the container, the streams asked for,
 * the detach keys; NULL with the reply queued in *res. */
static struct attach_sess *sess_new(struct api_req *r, enum MHD_Result *res) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  const char *keys = api_query(r, "detachKeys");
  struct attach_sess *s = calloc(1, sizeof(*s));
  if (!s || !e || hutch_ctr_open(e, r->params[0], false, &c, &err) < 0 ||
      hutch_detach_keys_parse(keys && *keys ? keys : HUTCH_DETACH_KEYS_DEFAULT, s->m.keys, &s->m.n,
                              &err) < 0) {
    free(s);
    *res = err ? api_error(r, err) : api_fail(r, 500, "out of memory");
    return NULL;
  }
  s->mon = -1;
  s->id = strdup(c->id);
  s->dir = strdup(c->dir);
  s->tty = c->cfg.tty;
  s->in = api_query_bool(r, "stdin") && c->cfg.open_stdin;
  s->out = api_query_bool(r, "stdout");
  s->err = api_query_bool(r, "stderr");
  if (!s->id || !s->dir) {
    sess_free(s);
    *res = api_fail(r, 500, "out of memory");
    return NULL;
  }
  if (!hutch_ctr_running(c)) {
    /* docker run: the start comes next; the monitor waits for us */
    s->waited = hutch_attach_wait_mark(c->dirfd);
  }
  return s;
}

static enum MHD_Result ctr_attach(struct api_req *r) {
  enum MHD_Result res;
  if (!api_query_bool(r, "stream") && !api_query_bool(r, "logs"))
    return api_fail(r, 400, "attach: either stream or logs must be set");
  struct attach_sess *s = sess_new(r, &res);
  if (!s)
    return res;
  return api_hijack(r, s->tty, attach_run, attach_done, s);
}

/* Through an attach session of this container when there is one (before
 * it connected: kept until it does), else a connection of its own. */
static int resize_ctr(struct hutch_ctr *c, uint16_t rows, uint16_t cols) {
  bool done = false;
  pthread_mutex_lock(&sess_lock);
  for (struct attach_sess *s = sessions; s; s = s->next)
    if (strcmp(s->id, c->id) == 0) {
      s->rows = rows;
      s->cols = cols;
      if (s->mon >= 0)
        send_winsize(s->mon, rows, cols);
      done = true;
    }
  pthread_mutex_unlock(&sess_lock);
  if (done)
    return 0;
  int fd = hutch_attach_connect(c->dirfd);
  if (fd < 0)
    return fd;
  send_winsize(fd, rows, cols);
  close(fd);
  return 0;
}

static enum MHD_Result ctr_resize(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  int64_t h, w;
  if (hutch_api_int(api_query(r, "h"), 0, &h) < 0 || hutch_api_int(api_query(r, "w"), 0, &w) < 0 ||
      h < 0 || w < 0 || h > UINT16_MAX || w > UINT16_MAX)
    return api_fail(r, 400, "resize: invalid height or width");
  if (!e || hutch_ctr_open(e, r->params[0], false, &c, &err) < 0)
    return api_error(r, err);
  if (!hutch_ctr_running(c))
    return api_fail(r, 409, "Container %s is not running", r->params[0]);
  if (resize_ctr(c, (uint16_t)h, (uint16_t)w) < 0)
    return api_fail(r, 409, "Container %s has no terminal to resize", r->params[0]);
  return api_empty(r, 200);
}

const struct api_route hutch_api_attach_routes[] = {
    {"POST", "/containers/{}/attach", ctr_attach},
    {"POST", "/containers/{}/resize", ctr_resize},
    {NULL, NULL, NULL},
};
