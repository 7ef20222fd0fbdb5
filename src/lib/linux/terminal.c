/* Terminal setup and fd passing. */
#include "terminal.h"

#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <linux/magic.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int hutch_unix_connect(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path))
    return -ENAMETOOLONG;
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

int hutch_send_fd(int sock, int fd, const char *name) {
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof(cbuf));
  struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
  if (iov.iov_len == 0) {
    iov.iov_base = (void *)"\0";
    iov.iov_len = 1;
  }
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
    return -errno;
  return 0;
}

int hutch_recv_fd(int sock, char *name, size_t namelen) {
  char cbuf[CMSG_SPACE(sizeof(int))];
  char dummy[256];
  struct iovec iov = {.iov_base = name ? name : dummy,
                      .iov_len = name ? namelen - 1 : sizeof(dummy)};
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
  ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0)
    return -errno;
  if (name)
    name[n] = '\0';
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS)
    return -EBADMSG;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return fd;
}

/* Unix98 pty slaves have majors 136-143 (UNIX98_PTY_SLAVE_MAJOR..+7). */
int hutch_pty_check_slave(int fd) {
  struct stat st;
  struct statfs sfs;
  if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0)
    return -errno;
  unsigned maj = major(st.st_rdev);
  if (!S_ISCHR(st.st_mode) || maj < 136 || maj > 143 || sfs.f_type != DEVPTS_SUPER_MAGIC)
    return -ENOTTY;
  return 0;
}

/* /dev/ptmx is in the container's /dev (a symlink to pts/ptmx): what it
 * opened must be the pty multiplexer, 5:2, and nothing else. */
static int open_master(struct hutch_error **err) {
  hutch_debug("open /dev/ptmx");
  _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return hutch_error_set(err, errno, "open /dev/ptmx");
  struct stat st;
  if (fstat(master, &st) < 0)
    return hutch_error_set(err, errno, "stat /dev/ptmx");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(5, 2))
    return hutch_error_set(err, ENOTTY,
                           "/dev/ptmx in the container is not the pty multiplexer (5:2)");
  if (unlockpt(master) < 0)
    return hutch_error_set(err, errno, "unlockpt");
  return TAKE_FD(master);
}

/* The slave straight from the master (TIOCGPTPEER, Linux 4.13): a
 * /dev/pts/N the container swapped is never looked up. By name only on
 * older kernels, and checked either way. */
static int open_slave(int master, const char *name, struct hutch_error **err) {
  hutch_debug("ioctl TIOCGPTPEER for %s", name);
  _cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0 && (errno == EINVAL || errno == ENOTTY))
    slave = open(name, O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
  if (slave < 0)
    return hutch_error_set(err, errno, "open %s", name);
  int r = hutch_pty_check_slave(slave);
  if (r < 0)
    return hutch_error_set(err, r, "%s is not a devpts pty slave", name);
  return TAKE_FD(slave);
}

int hutch_terminal_setup(int console_sock, unsigned rows, unsigned cols, uid_t uid,
                         struct hutch_error **err) {
  _cleanup_close_ int master = open_master(err);
  if (master < 0)
    return -1;
  char name[128];
  if (ptsname_r(master, name, sizeof(name)) != 0)
    return hutch_error_set(err, errno, "ptsname");
  _cleanup_close_ int slave = open_slave(master, name, err);
  if (slave < 0)
    return -1;
  if (fchown(slave, uid, (gid_t)-1) < 0)
    hutch_debug("chown %s: %s, ignoring", name, strerror(errno));
  if (rows && cols) {
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    ioctl(slave, TIOCSWINSZ, &ws);
  }
  if (setsid() < 0 && errno != EPERM)
    return hutch_error_set(err, errno, "setsid");
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    return hutch_error_set(err, errno, "make %s the controlling terminal", name);
  for (int i = 0; i < 3; i++)
    if (dup2(slave, i) < 0)
      return hutch_error_set(err, errno, "dup2 terminal to fd %d", i);
  int r = hutch_send_fd(console_sock, master, name);
  if (r < 0)
    return hutch_error_set(err, r, "send the terminal master over the console socket");
  hutch_debug("terminal %s sent over the console socket", name);
  return 0;
}

static volatile sig_atomic_t winch_pending;
static void on_winch(int sig) {
  winch_pending = 1;
}

static void copy_winsize(int master) {
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0)
    ioctl(master, TIOCSWINSZ, &ws);
}

static void write_all_fd(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return;
    buf += w;
    n -= (size_t)w;
  }
}

void hutch_terminal_clear_onlcr(int master) {
  struct termios t;
  if (tcgetattr(master, &t) == 0) {
    t.c_oflag &= ~(tcflag_t)ONLCR;
    if (tcsetattr(master, TCSANOW, &t) == 0)
      return;
  }
  hutch_debug("clear ONLCR on the pty: %s, ignoring", strerror(errno));
}

void hutch_terminal_proxy(int master, int pidfd) {
  hutch_terminal_proxy_filtered(master, pidfd, NULL, NULL);
}

bool hutch_terminal_proxy_filtered(int master, int pidfd,
                                   bool (*filter)(void *ud, const char *in, size_t len, char *out,
                                                  size_t *out_len),
                                   void *ud) {
  bool stopped = false;
  char fbuf[8192 + 64];
  struct termios saved;
  bool raw = isatty(0) && tcgetattr(0, &saved) == 0;
  struct sigaction sa = {.sa_handler = on_winch, .sa_flags = SA_RESTART}, old_sa;
  sigaction(SIGWINCH, &sa, &old_sa);
  winch_pending = 0;
  if (raw) {
    struct termios t = saved;
    cfmakeraw(&t);
    tcsetattr(0, TCSANOW, &t);
    copy_winsize(master);
  }
  bool in_open = true;
  char buf[8192];
  for (;;) {
    if (winch_pending) {
      winch_pending = 0;
      copy_winsize(master);
    }
    struct pollfd p[3] = {{.fd = master, .events = POLLIN},
                          {.fd = in_open ? 0 : -1, .events = POLLIN},
                          {.fd = pidfd, .events = POLLIN}};
    int r = poll(p, 3, -1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      break;
    if (p[0].revents & POLLIN) {
      ssize_t n = read(master, buf, sizeof(buf));
      if (n > 0) {
        write_all_fd(1, buf, (size_t)n);
        continue;
      }
    }
    if (p[0].revents & (POLLHUP | POLLERR))
      break;
    if (p[1].revents & (POLLIN | POLLHUP)) {
      ssize_t n = read(0, buf, sizeof(buf));
      size_t len = (size_t)n;
      if (n <= 0) {
        in_open = false;
      } else if (filter) {
        stopped = filter(ud, buf, (size_t)n, fbuf, &len);
        write_all_fd(master, fbuf, len);
        if (stopped)
          break;
      } else {
        write_all_fd(master, buf, len);
      }
    }
    if (p[2].revents & POLLIN) {
      /* the process is gone: drain what it left, then stop */
      ssize_t n;
      int fl = fcntl(master, F_GETFL);
      fcntl(master, F_SETFL, fl | O_NONBLOCK);
      while ((n = read(master, buf, sizeof(buf))) > 0)
        write_all_fd(1, buf, (size_t)n);
      break;
    }
  }
  if (raw)
    tcsetattr(0, TCSANOW, &saved);
  sigaction(SIGWINCH, &old_sa, NULL);
  return stopped;
}
