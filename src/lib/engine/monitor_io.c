/* The monitor's I/O loop and json-file log; see monitor_io.h. Only libc,
 * jansson and util/log.c: this file is linked into the static
 * hutch-monitor too. */
#include "monitor_io.h"
#include "attach_proto.h"

#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* json-file rotation: docker keeps one file unbounded by default; we
 * bound it and keep one older file. */
#define LOG_MAX_SIZE (10 * 1024 * 1024)
#define LINE_MAX_BUF 16384

void hutch_logw_open(struct hutch_logw *l) {
  l->fd = -1;
  l->size = 0;
  if (!l->path)
    return;
  if (l->max_size <= 0) {
    l->max_size = LOG_MAX_SIZE;
    l->max_file = 2;
  }
  if (l->max_file < 1)
    l->max_file = 1;
  l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  struct stat st;
  l->size = l->fd >= 0 && fstat(l->fd, &st) == 0 ? st.st_size : 0;
}

void hutch_logw_close(struct hutch_logw *l) {
  if (l->fd >= 0)
    close(l->fd);
  l->fd = -1;
}

/* docker's json-file rotation: PATH.N-1 → PATH.N … PATH → PATH.1, the
 * oldest dropped; with one file, PATH starts over. */
static void log_rotate(struct hutch_logw *l) {
  hutch_logw_close(l);
  if (l->max_file <= 1) {
    if (truncate(l->path, 0) < 0)
      return;
  } else {
    char from[4300], to[4300];
    for (int i = l->max_file - 1; i >= 1; i--) {
      snprintf(to, sizeof(to), "%s.%d", l->path, i);
      if (i == 1)
        snprintf(from, sizeof(from), "%s", l->path);
      else
        snprintf(from, sizeof(from), "%s.%d", l->path, i - 1);
      rename(from, to);
    }
  }
  hutch_logw_open(l);
}

static void log_line(struct hutch_logw *l, const char *stream, const char *data, size_t len) {
  if (l->fd < 0 || len == 0)
    return;
  json_t *s = json_stringn(data, len);
  if (!s) {
    /* not UTF-8: keep the bytes' places */
    char *copy = malloc(len);
    if (!copy)
      return;
    for (size_t i = 0; i < len; i++)
      copy[i] = (unsigned char)data[i] < 0x80 ? data[i] : '?';
    s = json_stringn(copy, len);
    free(copy);
  }
  char now[HUTCH_RFC3339_MAX];
  hutch_time_rfc3339(now);
  json_t *j = json_pack("{s:o, s:s, s:s}", "log", s, "stream", stream, "time", now);
  char *text = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  if (!text)
    return;
  size_t n = strlen(text);
  text[n] = '\n'; /* over the NUL: one write per line */
  if (write(l->fd, text, n + 1) > 0)
    l->size += (off_t)n + 1;
  free(text);
  if (l->size >= l->max_size)
    log_rotate(l);
}

struct stream {
  const char *name;
  char type; /* the attach message type of its bytes */
  int fd;    /* read end, -1 when closed */
  int out;   /* attached: where to copy, else -1 */
  char buf[LINE_MAX_BUF];
  size_t len;
};

/* Log the complete lines (all: the rest too; a full buffer without a
 * newline goes out as one line). */
static void stream_flush(struct stream *s, struct hutch_logw *l, bool all) {
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

/* Read what is there; false at EOF or error. */
static bool stream_read(struct stream *s, struct hutch_logw *l, struct hutch_attach_server *a) {
  ssize_t n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  if (s->out >= 0)
    hutch_write_all(s->out, s->buf + s->len, (size_t)n);
  if (a)
    hutch_attach_server_send(a, s->type, s->buf + s->len, (size_t)n);
  s->len += (size_t)n;
  stream_flush(s, l, false);
  return true;
}

static long mono_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The next probe, unless the last one still runs (reaped here: it is our
 * child, and waitpid names it, never the container's init). */
static void health_spawn(const struct hutch_pump *p, pid_t *child) {
  if (*child > 0 && waitpid(*child, NULL, WNOHANG) == 0)
    return;
  *child = fork();
  if (*child != 0)
    return;
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
  }
  const char *argv[] = {p->health_hutch, "__health", p->health_id, NULL};
  execv(p->health_hutch, (char *const *)argv);
  _exit(127);
}

/* poll's timeout: until the next probe, or none */
static int health_wait(const struct hutch_pump *p, long next) {
  if (p->health_ms <= 0)
    return -1;
  long left = next - mono_ms();
  return left < 0 ? 0 : (int)left;
}

enum { NFIXED = 6 }; /* the fixed fds of the pump's poll set */

int hutch_pump_run(const struct hutch_pump *p, struct hutch_logw *log) {
  /* static: 2 × 16 KiB that a small monitor should not keep on its stack */
  static struct stream so, se;
  so = (struct stream){
      .name = "stdout", .type = HUTCH_ATTACH_STDOUT, .fd = p->out_fd, .out = p->attached ? 1 : -1};
  se = (struct stream){
      .name = "stderr", .type = HUTCH_ATTACH_STDERR, .fd = p->err_fd, .out = p->attached ? 2 : -1};
  struct hutch_attach_server *at = p->attach;
  int master = p->pty ? p->out_fd : -1;
  int pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
  bool in_open = p->forward_in && master >= 0;
  bool exited = false, owner_gone = false;
  int drain_ms = 2000;
  pid_t health = 0;
  long health_next = mono_ms() + p->health_ms;
  while (so.fd >= 0 || se.fd >= 0) {
    if (p->winch && *p->winch && master >= 0) {
      *p->winch = 0;
      struct winsize ws;
      if (ioctl(0, TIOCGWINSZ, &ws) == 0)
        ioctl(master, TIOCSWINSZ, &ws);
    }
    /* 4 fixed fds, the attach listener, the owner, the attach clients */
    struct pollfd pf[NFIXED + HUTCH_ATTACH_CLIENTS_MAX] = {
        {.fd = so.fd, .events = POLLIN},
        {.fd = se.fd, .events = POLLIN},
        {.fd = in_open ? 0 : -1, .events = POLLIN},
        {.fd = exited ? -1 : pidfd, .events = POLLIN},
        {.fd = at && !exited ? at->listen_fd : -1, .events = POLLIN},
        {.fd = exited || owner_gone ? -1 : p->owner_fd, .events = POLLIN}};
    size_t nclients = at ? at->n_clients : 0;
    for (size_t i = 0; i < nclients; i++)
      pf[NFIXED + i] = (struct pollfd){.fd = at->clients[i], .events = POLLIN};
    int n = poll(pf, NFIXED + nclients, exited ? 100 : health_wait(p, health_next));
    if (!exited && p->health_ms > 0 && mono_ms() >= health_next) {
      health_spawn(p, &health);
      health_next = mono_ms() + p->health_ms;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n == 0 && !exited)
      continue;
    if (n < 0)
      break;
    if (n == 0 && exited) {
      drain_ms -= 100;
      if (master >= 0 || drain_ms <= 0)
        break;
      continue;
    }
    if (pf[0].revents && !stream_read(&so, log, at)) {
      if (master >= 0)
        break; /* EIO: the pty has no more writers */
      close(so.fd);
      so.fd = -1;
    }
    if (pf[1].revents && !stream_read(&se, log, at)) {
      close(se.fd);
      se.fd = -1;
    }
    if (pf[2].revents) {
      char buf[4096];
      ssize_t k = read(0, buf, sizeof(buf));
      if (k <= 0)
        in_open = false;
      else
        hutch_write_all(master, buf, (size_t)k);
    }
    /* clients from the last to the first: a gone one is replaced by the last */
    for (size_t i = nclients; i-- > 0;)
      if (pf[NFIXED + i].revents)
        hutch_attach_server_recv(at, i);
    if (pf[5].revents) {
      hutch_debug("monitor: the container's owner is gone: kill %d", (int)p->pid);
      kill(p->pid, SIGKILL);
      owner_gone = true;
    }
    if (pf[4].revents)
      hutch_attach_server_accept(at);
    if (pf[3].revents) {
      exited = true;
      if (master >= 0)
        fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    }
  }
  stream_flush(&so, log, true);
  stream_flush(&se, log, true);
  if (so.fd >= 0)
    close(so.fd);
  if (se.fd >= 0)
    close(se.fd);
  if (pidfd >= 0)
    close(pidfd);
  int status = 0;
  while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (health > 0)
    waitpid(health, NULL, 0);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (at) {
    hutch_attach_server_linger(at, p->attach_wait);
    hutch_attach_server_close(at, code);
  }
  return code;
}
