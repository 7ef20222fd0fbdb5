/* Parent/child sync messages; see sync.h and docs/sync-protocol.md. */
#include "sync.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const char *names[] = {
    [SYNC_GO] = "go",
    [SYNC_HOOKS_REQUEST] = "hooks-request",
    [SYNC_HOOKS_DONE] = "hooks-done",
    [SYNC_READY] = "ready",
    [SYNC_ERROR] = "error",
    [SYNC_LOG] = "log",
    [SYNC_PID] = "pid",
    [SYNC_EXEC_FAILED] = "exec-failed",
};

const char *hutch_sync_name(enum sync_type t) {
  if (t < SYNC_GO || t > SYNC_EXEC_FAILED)
    return "unknown";
  return names[t];
}

int hutch_sync_send(int fd, enum sync_type t, int value, const char *text) {
  struct sync_msg m = {.type = t, .value = value};
  size_t len = 0;
  if (text) {
    len = strnlen(text, sizeof(m.text) - 1);
    memcpy(m.text, text, len);
  }
  m.text[len] = '\0';
  size_t sz = offsetof(struct sync_msg, text) + len + 1;
  for (;;) {
    ssize_t w = send(fd, &m, sz, MSG_NOSIGNAL);
    if (w >= 0)
      return 0;
    if (errno != EINTR)
      return -errno;
  }
}

int hutch_sync_recv(int fd, struct sync_msg *m) {
  for (;;) {
    ssize_t r = recv(fd, m, sizeof(*m), 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -errno;
    if (r == 0)
      return -EPIPE;
    if ((size_t)r < offsetof(struct sync_msg, text))
      return -EBADMSG;
    m->text[sizeof(m->text) - 1] = '\0';
    if ((size_t)r < sizeof(*m))
      ((char *)m)[r] = '\0';
    return 0;
  }
}

int hutch_sync_expect(int fd, enum sync_type want, struct sync_msg *m, struct hutch_error **err) {
  for (;;) {
    int r = hutch_sync_recv(fd, m);
    if (r < 0)
      return hutch_error_set(err, r == -EPIPE ? 0 : r,
                             "container init exited before sending \"%s\"", hutch_sync_name(want));
    if (m->type == SYNC_LOG) {
      enum hutch_log_level lvl = (enum hutch_log_level)m->value;
      if (lvl > HUTCH_LOG_DEBUG)
        lvl = HUTCH_LOG_DEBUG;
      hutch_log_write(lvl, m->text);
      continue;
    }
    if (m->type == SYNC_ERROR)
      return hutch_error_set(err, m->value, "%s", m->text);
    if (m->type != want)
      return hutch_error_set(err, EPROTO, "sync: expected \"%s\", got \"%s\"",
                             hutch_sync_name(want), hutch_sync_name(m->type));
    return 0;
  }
}

static void log_sink(enum hutch_log_level level, const char *msg, void *ud) {
  hutch_sync_send(*(int *)ud, SYNC_LOG, (int)level, msg);
}

void hutch_sync_route_log(int fd) {
  static int sink_fd;
  sink_fd = fd;
  hutch_log_set_sink(log_sink, &sink_fd);
}
