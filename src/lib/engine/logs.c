/* Reading a container's json-file log (written by the monitor): the
 * history, then, when following, what is written until the container
 * stops. Shared by `hutch logs` and the API's logs and attach. The file
 * is read through one open fd, so a --rm container's last lines still
 * arrive after its directory is gone. */
#include "engine.h"

#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/units.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct log_reader {
  int fd;
  char *buf;
  size_t len, cap;
};

/* 1 past the window's end, 0 emitted or skipped, < 0 stopped by fn */
static int emit_line(const char *line, const struct hutch_logs_opts *o, hutch_log_fn fn, void *ud) {
  json_error_t je;
  _cleanup_json_ json_t *j = json_loads(line, 0, &je);
  if (!j)
    return 0; /* not ours to judge: skip what is not a log record */
  int64_t t;
  if ((o->since_ns || o->until_ns) &&
      hutch_parse_timestamp(json_string_value(json_object_get(j, "time")) ?: "", 0, &t) == 0) {
    if (o->until_ns && t > o->until_ns)
      return 1;
    if (t < o->since_ns)
      return 0;
  }
  const char *log = json_string_value(json_object_get(j, "log"));
  const char *stream = json_string_value(json_object_get(j, "stream"));
  struct hutch_log_entry en = {
      .stderr_stream = stream && strcmp(stream, "stderr") == 0,
      .time = json_string_value(json_object_get(j, "time")) ?: "",
      .text = log ? log : "",
      .len = log ? json_string_length(json_object_get(j, "log")) : 0,
  };
  return fn(ud, &en);
}

/* Complete lines read so far onto *v, the partial last one kept. */
static int read_more(struct log_reader *lr, char ***v) {
  for (;;) {
    if (lr->cap - lr->len < 65536) {
      size_t cap = lr->cap ? lr->cap * 2 : 131072;
      char *b = realloc(lr->buf, cap);
      if (!b)
        return -ENOMEM;
      lr->buf = b;
      lr->cap = cap;
    }
    ssize_t n = read(lr->fd, lr->buf + lr->len, lr->cap - lr->len - 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    lr->len += (size_t)n;
  }
  size_t start = 0;
  for (size_t i = 0; i < lr->len; i++) {
    if (lr->buf[i] != '\n')
      continue;
    lr->buf[i] = '\0';
    if (hutch_strv_push(v, lr->buf + start) < 0)
      return -ENOMEM;
    start = i + 1;
  }
  memmove(lr->buf, lr->buf + start, lr->len - start);
  lr->len -= start;
  return 0;
}

static void read_file_lines(const char *path, char ***v) {
  struct log_reader lr = {.fd = open(path, O_RDONLY | O_CLOEXEC)};
  if (lr.fd >= 0)
    read_more(&lr, v);
  if (lr.fd >= 0)
    close(lr.fd);
  free(lr.buf);
}

/* 1 once past the window's end */
static int emit_all(char **lines, size_t from, const struct hutch_logs_opts *o, hutch_log_fn fn,
                    void *ud) {
  for (size_t i = from; lines && lines[i]; i++) {
    int r = emit_line(lines[i], o, fn, ud);
    if (r != 0)
      return r < 0 ? -ECANCELED : 1;
  }
  return 0;
}

static int64_t realtime_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
}

/* The monitor rotates the log (and a start may make it anew): when the
 * path names another file than ours, what we have is read to its end and
 * the new one is read from its start. */
static bool reopen_if_replaced(struct log_reader *lr, const char *path) {
  struct stat a, b;
  if (lr->fd < 0 || stat(path, &a) < 0 || fstat(lr->fd, &b) < 0)
    return false;
  if (a.st_ino == b.st_ino && a.st_dev == b.st_dev)
    return false;
  close(lr->fd);
  lr->fd = open(path, O_RDONLY | O_CLOEXEC);
  lr->len = 0;
  return true;
}

static bool is_active(struct hutch_engine *e, struct hutch_ctr *c) {
  const char *st = hutch_ctr_status(e, c);
  return strcmp(st, "running") == 0 || strcmp(st, "restarting") == 0 || strcmp(st, "paused") == 0;
}

/* Follow until the container stops (and, with wait_start, has run since
 * we began: its start or finish time changed) or is removed. */
static int follow(struct hutch_engine *e, struct hutch_ctr *c, const struct hutch_logs_opts *o,
                  struct log_reader *lr, hutch_log_fn fn, void *ud) {
  char started0[40], finished0[40];
  snprintf(started0, sizeof(started0), "%s", c->st.started_at);
  snprintf(finished0, sizeof(finished0), "%s", c->st.finished_at);
  _cleanup_free_ char *path = strdup(c->cfg.log_path);
  if (!path)
    return -ENOMEM;
  for (;;) {
    bool gone = hutch_ctr_reload(c, NULL) < 0, active = !gone && is_active(e, c);
    bool ran = strcmp(started0, c->st.started_at) != 0 || strcmp(finished0, c->st.finished_at) != 0;
    if (lr->fd < 0)
      lr->fd = open(path, O_RDONLY | O_CLOEXEC);
    /* what the file we hold has, then the file now at the path if it
     * was replaced */
    for (int pass = 0; pass < 2; pass++) {
      _cleanup_strv_ char **more = NULL;
      if (lr->fd >= 0 && read_more(lr, &more) < 0)
        return -ENOMEM;
      int r = emit_all(more, 0, o, fn, ud);
      if (r != 0)
        return r < 0 ? r : 0;
      if (!reopen_if_replaced(lr, path))
        break;
    }
    if (gone || (!active && (!o->wait_start || ran)) ||
        (o->until_ns && realtime_ns() > o->until_ns))
      return 0;
    if (o->cancelled && o->cancelled(ud))
      return -ECANCELED;
    usleep(o->wait_start ? 20000 : 100000);
  }
}

int hutch_ctr_logs(struct hutch_engine *e, struct hutch_ctr *c, const struct hutch_logs_opts *o,
                   hutch_log_fn fn, void *ud) {
  struct log_reader lr = {.fd = -EBADF};
  int r = 0;
  if (strcmp(c->cfg.log_driver, "json-file") != 0)
    return -EOPNOTSUPP;
  if (o->tail != 0) {
    _cleanup_strv_ char **lines = NULL;
    /* the rotated files, oldest first (--log-opt max-file; hutch's own
     * bound keeps one) */
    for (int i = c->cfg.log_max_file > 1 ? c->cfg.log_max_file - 1 : 1; i >= 1; i--) {
      _cleanup_free_ char *old = NULL;
      if (asprintf(&old, "%s.%d", c->cfg.log_path, i) < 0)
        return -ENOMEM;
      read_file_lines(old, &lines);
    }
    lr.fd = open(c->cfg.log_path, O_RDONLY | O_CLOEXEC);
    if (lr.fd >= 0)
      r = read_more(&lr, &lines);
    size_t n = hutch_strv_len(lines);
    size_t from = o->tail > 0 && (size_t)o->tail < n ? n - (size_t)o->tail : 0;
    if (r == 0)
      r = emit_all(lines, from, o, fn, ud);
  } else {
    /* from now on only: start at the end of what is there. Waiting for
     * the start, make the log (the monitor appends to it), so that it is
     * held open before a first line and a --rm container's lines are
     * read even when it is gone before the next poll. */
    lr.fd = open(c->cfg.log_path, O_RDONLY | O_CLOEXEC | (o->wait_start ? O_CREAT : 0), 0640);
    if (lr.fd >= 0)
      lseek(lr.fd, 0, SEEK_END);
  }
  if (r == 1) /* past --until: nothing to follow */
    r = 0;
  else if (r == 0 && o->follow)
    r = follow(e, c, o, &lr, fn, ud);
  if (lr.fd >= 0)
    close(lr.fd);
  free(lr.buf);
  return r;
}
