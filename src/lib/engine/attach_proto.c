/* The attach socket (attach_proto.h): the monitor's listener and clients. */
#include "attach_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

/* The container dir's path can be longer than sun_path: reach it through
 * the dir fd's /proc/self/fd link, which bind() and connect() follow. */
static int sock_addr(int dirfd, struct sockaddr_un *sa) {
  memset(sa, 0, sizeof(*sa));
  sa->sun_family = AF_UNIX;
  int n =
      snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", dirfd, HUTCH_ATTACH_SOCK);
  return n < 0 || (size_t)n >= sizeof(sa->sun_path) ? -ENAMETOOLONG : 0;
}

int hutch_attach_listen(int dirfd) {
  struct sockaddr_un sa;
  int r = sock_addr(dirfd, &sa);
  if (r < 0)
    return r;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return -errno;
  unlinkat(dirfd, HUTCH_ATTACH_SOCK, 0);
  /* 0600 from the start: only root (the engine's user) may attach */
  mode_t old = umask(0177);
  r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
  umask(old);
  if (r < 0 || listen(fd, HUTCH_ATTACH_CLIENTS_MAX) < 0) {
    r = -errno;
    close(fd);
    return r;
  }
  return fd;
}

int hutch_attach_connect(int dirfd) {
  struct sockaddr_un sa;
  int r = sock_addr(dirfd, &sa);
  if (r < 0)
    return r;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
    r = -errno;
    close(fd);
    return r;
  }
  return fd;
}

ssize_t hutch_attach_recv(int fd, char *msg, size_t cap) {
  for (;;) {
    ssize_t n = recv(fd, msg, cap, 0);
    if (n >= 0 || (errno != EINTR && errno != ECONNRESET))
      return n;
  }
}

void hutch_attach_server_init(struct hutch_attach_server *s, int listen_fd, int in_fd, int pty_fd) {
  memset(s, 0, sizeof(*s));
  s->listen_fd = listen_fd;
  s->in_fd = in_fd;
  s->pty_fd = pty_fd;
}

static void keep_for_replay(struct hutch_attach_server *s, char type, const char *data,
                            size_t len) {
  size_t need = s->replay_len + 3 + len;
  if (need > HUTCH_ATTACH_REPLAY_MAX)
    return; /* full: the log has the rest */
  if (need > s->replay_cap) {
    size_t cap = s->replay_cap ? s->replay_cap : 16384;
    while (cap < need)
      cap *= 2;
    char *r = realloc(s->replay, cap);
    if (!r)
      return;
    s->replay = r;
    s->replay_cap = cap;
  }
  uint16_t n = (uint16_t)len;
  s->replay[s->replay_len] = type;
  memcpy(s->replay + s->replay_len + 1, &n, 2);
  memcpy(s->replay + s->replay_len + 3, data, len);
  s->replay_len += 3 + len;
}

/* One message to a client, waiting while its socket is full; false when
 * it is gone or stalled past HUTCH_ATTACH_STALL_MS. */
static bool send_all(int fd, const char *msg, size_t n) {
  for (;;) {
    if (send(fd, msg, n, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
      return true;
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN)
      return false;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int r = poll(&p, 1, HUTCH_ATTACH_STALL_MS);
    if (r == 0 || (r < 0 && errno != EINTR) || (r > 0 && (p.revents & (POLLERR | POLLHUP))))
      return false;
  }
}

void hutch_attach_server_accept(struct hutch_attach_server *s) {
  int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0)
    return;
  if (s->n_clients == HUTCH_ATTACH_CLIENTS_MAX) {
    close(fd);
    return;
  }
  s->clients[s->n_clients++] = fd;
  if (s->had_client)
    return;
  s->had_client = true;
  for (size_t off = 0; off < s->replay_len;) {
    uint16_t n;
    memcpy(&n, s->replay + off + 1, 2);
    char msg[HUTCH_ATTACH_MSG_MAX];
    msg[0] = s->replay[off];
    memcpy(msg + 1, s->replay + off + 3, n);
    if (!send_all(fd, msg, (size_t)n + 1))
      break;
    off += 3 + n;
  }
  free(s->replay);
  s->replay = NULL;
  s->replay_len = s->replay_cap = 0;
}

static void drop_client(struct hutch_attach_server *s, size_t i) {
  close(s->clients[i]);
  s->clients[i] = s->clients[--s->n_clients];
}

void hutch_write_all(int fd, const char *p, size_t n) {
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

bool hutch_attach_server_recv(struct hutch_attach_server *s, size_t i) {
  char msg[HUTCH_ATTACH_MSG_MAX];
  ssize_t n = recv(s->clients[i], msg, sizeof(msg), MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return true;
  if (n <= 0) {
    drop_client(s, i);
    return false;
  }
  if (msg[0] == HUTCH_ATTACH_STDIN && s->in_fd >= 0) {
    hutch_write_all(s->in_fd, msg + 1, (size_t)n - 1);
  } else if (msg[0] == HUTCH_ATTACH_STDIN_CLOSE && s->in_fd >= 0 && s->pty_fd < 0) {
    close(s->in_fd);
    s->in_fd = -1;
  } else if (msg[0] == HUTCH_ATTACH_WINSIZE && s->pty_fd >= 0 && n == 5) {
    uint16_t rc[2];
    memcpy(rc, msg + 1, sizeof(rc));
    struct winsize ws = {.ws_row = rc[0], .ws_col = rc[1]};
    ioctl(s->pty_fd, TIOCSWINSZ, &ws);
  }
  return true;
}

void hutch_attach_server_send(struct hutch_attach_server *s, char type, const char *data,
                              size_t len) {
  char msg[HUTCH_ATTACH_MSG_MAX];
  while (len > 0) {
    size_t k = len < sizeof(msg) - 1 ? len : sizeof(msg) - 1;
    msg[0] = type;
    memcpy(msg + 1, data, k);
    if (!s->had_client)
      keep_for_replay(s, type, data, k);
    for (size_t i = 0; i < s->n_clients;) {
      if (!send_all(s->clients[i], msg, k + 1)) {
        drop_client(s, i);
        continue;
      }
      i++;
    }
    data += k;
    len -= k;
  }
}

void hutch_attach_server_linger(struct hutch_attach_server *s, const char *wait_path) {
  if (!wait_path || access(wait_path, F_OK) < 0)
    return;
  unlink(wait_path);
  if (s->had_client || s->listen_fd < 0)
    return;
  struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};
  if (poll(&p, 1, HUTCH_ATTACH_WAIT_MS) > 0)
    hutch_attach_server_accept(s);
}

bool hutch_attach_wait_mark(int ctr_dirfd) {
  int fd = openat(ctr_dirfd, HUTCH_ATTACH_WAIT_FILE, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return false;
  close(fd);
  return true;
}

void hutch_attach_server_close(struct hutch_attach_server *s, int status) {
  char text[16];
  int n = snprintf(text, sizeof(text), "%d", status);
  for (size_t i = 0; i < s->n_clients; i++) {
    /* the last message waits for room: the exit status must arrive */
    int fl = fcntl(s->clients[i], F_GETFL);
    fcntl(s->clients[i], F_SETFL, fl & ~O_NONBLOCK);
    char msg[16];
    msg[0] = HUTCH_ATTACH_EXIT;
    memcpy(msg + 1, text, (size_t)n);
    struct timeval tv = {.tv_sec = 2};
    setsockopt(s->clients[i], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    send(s->clients[i], msg, (size_t)n + 1, MSG_NOSIGNAL);
    /* unread input would make the close a reset, which the client's
     * kernel reports before the output still queued for it */
    shutdown(s->clients[i], SHUT_WR);
    for (int k = 0; k < 1024; k++) /* bounded: a client may keep typing */
      if (recv(s->clients[i], msg, sizeof(msg), MSG_DONTWAIT | MSG_TRUNC) <= 0)
        break;
    close(s->clients[i]);
  }
  s->n_clients = 0;
  if (s->listen_fd >= 0)
    close(s->listen_fd);
  s->listen_fd = -1;
  free(s->replay);
  s->replay = NULL;
  s->replay_len = s->replay_cap = 0;
}
