/* GET /containers/{id}/logs (follow streams until the container stops):
 * the log read through hutch_ctr_logs() in a thread of its own with its
 * own engine (SQLite connections stay in one thread); non-TTY output is
 * framed as docker's multiplexed stream. The attach is ep_attach.c's. */
#include "api_int.h"

#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct log_stream {
  char *id;
  bool tty, out, err, ts;
  struct hutch_logs_opts o;
  int fd; /* where the frames go: a pipe's write end */
  int rfd;
  atomic_bool cancel;
  pthread_t th;
};

static void stream_free(struct log_stream *ls) {
  free(ls->id);
  free(ls);
}

static int push_entry(void *ud, const struct hutch_log_entry *en) {
  struct log_stream *ls = ud;
  if (atomic_load(&ls->cancel))
    return -ECANCELED;
  if (en->stderr_stream ? !ls->err : !ls->out)
    return 0;
  size_t tlen = ls->ts ? strlen(en->time) + 1 : 0, len = tlen + en->len;
  _cleanup_free_ unsigned char *buf = malloc(len + 8);
  _cleanup_free_ char *text = malloc(len + 1);
  if (!buf || !text)
    return -ENOMEM;
  if (ls->ts)
    snprintf(text, tlen + 1, "%s ", en->time);
  memcpy(text + tlen, en->text, en->len);
  if (ls->tty)
    return api_send_all(ls->fd, text, len);
  size_t n = hutch_api_frame(buf, en->stderr_stream ? 2 : 1, text, len);
  return api_send_all(ls->fd, buf, n);
}

static bool stream_cancelled(void *ud) {
  struct log_stream *ls = ud;
  return atomic_load(&ls->cancel) || api_stopping();
}

static void run_stream(struct log_stream *ls) {
  struct hutch_error *err = NULL;
  _cleanup_engine_ struct hutch_engine *e = NULL;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  ls->o.cancelled = stream_cancelled;
  if (hutch_engine_open(&e, &err) < 0 || hutch_ctr_open(e, ls->id, false, &c, &err) < 0) {
    hutch_error_free(err);
    return;
  }
  hutch_ctr_logs(e, c, &ls->o, push_entry, ls);
}

static void *logs_thread(void *arg) {
  struct log_stream *ls = arg;
  run_stream(ls);
  close(ls->fd);
  return NULL;
}

static ssize_t logs_read(void *cls, uint64_t pos, char *buf, size_t max) {
  struct log_stream *ls = cls;
  return api_pipe_read(ls->rfd, buf, max);
}

static void logs_done(void *cls) {
  struct log_stream *ls = cls;
  atomic_store(&ls->cancel, true);
  close(ls->rfd); /* the writer's next write fails */
  pthread_join(ls->th, NULL);
  stream_free(ls);
}

/* The container named in the path, with what the stream needs of it. */
static struct log_stream *stream_new(struct api_req *r, enum MHD_Result *res) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (!e || hutch_ctr_open(e, r->params[0], false, &c, &err) < 0) {
    *res = api_error(r, err);
    return NULL;
  }
  struct log_stream *ls = calloc(1, sizeof(*ls));
  if (!ls || !(ls->id = strdup(c->id))) {
    free(ls);
    *res = api_fail(r, 500, "out of memory");
    return NULL;
  }
  ls->tty = c->cfg.tty;
  ls->out = api_query_bool(r, "stdout");
  ls->err = api_query_bool(r, "stderr");
  ls->fd = ls->rfd = -1;
  return ls;
}

static enum MHD_Result ctr_logs(struct api_req *r) {
  enum MHD_Result res;
  int64_t tail = -1;
  const char *t = api_query(r, "tail");
  if (t && strcmp(t, "all") != 0 && (hutch_api_int(t, -1, &tail) < 0 || tail < 0))
    return api_fail(r, 400, "invalid tail '%s'", t);
  /* unix times, "0" or absent for none, as docker's CLI sends them */
  int64_t win[2] = {0, 0};
  static const char *const keys[] = {"since", "until"};
  for (size_t i = 0; i < 2; i++) {
    const char *v = api_query(r, keys[i]);
    if (v && *v && hutch_api_timestamp_ns(v, &win[i]) < 0)
      return api_fail(r, 400, "invalid value for \"%s\": %s", keys[i], v);
  }
  struct log_stream *ls = stream_new(r, &res);
  if (!ls)
    return res;
  if (!ls->out && !ls->err) {
    stream_free(ls);
    return api_fail(r, 400, "Bad parameters: you must choose at least one stream");
  }
  ls->ts = api_query_bool(r, "timestamps");
  ls->o = (struct hutch_logs_opts){
      .follow = api_query_bool(r, "follow"), .tail = tail, .since_ns = win[0], .until_ns = win[1]};
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    stream_free(ls);
    return api_fail(r, 500, "pipe: %s", strerror(errno));
  }
  ls->rfd = p[0];
  ls->fd = p[1];
  if (pthread_create(&ls->th, NULL, logs_thread, ls) != 0) {
    close(p[0]);
    close(p[1]);
    stream_free(ls);
    return api_fail(r, 500, "cannot start the log thread");
  }
  return api_stream(r, 200,
                    ls->tty ? "application/vnd.docker.raw-stream"
                            : "application/vnd.docker.multiplexed-stream",
                    logs_read, ls, logs_done);
}

const struct api_route hutch_api_stream_routes[] = {
    {"GET", "/containers/{}/logs", ctr_logs},
    {NULL, NULL, NULL},
};
