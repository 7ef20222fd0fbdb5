/* hutch-recvtty: the other end of --console-socket for tests.
 *
 *   hutch-recvtty SOCKET_PATH
 *
 * Listens on a unix socket, accepts one connection, receives the pty master
 * the runtime sends (SCM_RIGHTS, as runc's recvtty expects), and copies
 * everything the container writes to its terminal to stdout until the pty
 * closes (EIO once the container's last holder of the slave is gone). Also
 * prints nothing of its own on stdout, so the output is exactly the
 * container's; the socket is removed on exit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int recv_fd(int conn) {
  char name[256];
  struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } u;
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  ssize_t n;
  do
    n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -errno;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
      c->cmsg_len != CMSG_LEN(sizeof(int)))
    return -EBADMSG;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(fd));
  return fd;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: hutch-recvtty SOCKET_PATH\n");
    return 2;
  }
  const char *path = argv[1];
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path)) {
    fprintf(stderr, "hutch-recvtty: %s: path too long for a unix socket\n", path);
    return 2;
  }
  strcpy(addr.sun_path, path);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s, 1) < 0) {
    fprintf(stderr, "hutch-recvtty: listen on %s: %s\n", path, strerror(errno));
    return 1;
  }
  int conn;
  do
    conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  unlink(path);
  if (conn < 0) {
    fprintf(stderr, "hutch-recvtty: accept: %s\n", strerror(errno));
    return 1;
  }
  int master = recv_fd(conn);
  close(conn);
  close(s);
  if (master < 0) {
    fprintf(stderr, "hutch-recvtty: no pty master received: %s\n", strerror(-master));
    return 1;
  }
  char buf[4096];
  for (;;) {
    ssize_t n = read(master, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break; /* EIO: the slave side is closed, the container is done */
    if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
      return 1;
    fflush(stdout);
  }
  return 0;
}
