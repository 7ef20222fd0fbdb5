/* The service's listening socket: inherited from systemd (LISTEN_FDS),
 * a unix socket (0660, root's or a given group), or TCP when asked. */
#include "listen.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* sd_listen_fds(): the first inherited fd when LISTEN_PID is ours. */
static int inherited_fd(void) {
  const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
  if (!pid || !fds || atol(pid) != (long)getpid() || atoi(fds) < 1)
    return -EBADF;
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  int fd = 3;
  int type = 0;
  socklen_t len = sizeof(type);
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
    return -ENOTSOCK;
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
    return -errno;
  return fd;
}

/* A socket file left by a service that is gone: remove it. One that
 * still answers belongs to a live service: refuse. */
static int clear_stale(const struct sockaddr_un *sa, struct hutch_error **err) {
  struct stat st;
  if (lstat(sa->sun_path, &st) < 0)
    return 0;
  if (!S_ISSOCK(st.st_mode))
    return hutch_error_set(err, EEXIST, "%s exists and is not a socket", sa->sun_path);
  _cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe >= 0 && connect(probe, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
    return hutch_error_say(err, EADDRINUSE, "%s: another service is listening there", sa->sun_path);
  if (unlink(sa->sun_path) < 0 && errno != ENOENT)
    return hutch_error_set(err, errno, "remove stale %s", sa->sun_path);
  return 0;
}

static int listen_unix(const char *path, const char *group, struct hutch_error **err) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (!*path || strlen(path) >= sizeof(sa.sun_path))
    return hutch_error_say(err, EINVAL, "invalid socket path '%s'", path);
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
  gid_t gid = 0;
  if (group) {
    struct group *g = getgrnam(group);
    if (!g)
      return hutch_error_say(err, EINVAL, "no such group '%s'", group);
    gid = g->gr_gid;
  }
  _cleanup_free_ char *dir = strdup(path);
  char *slash = dir ? strrchr(dir, '/') : NULL;
  if (slash && slash != dir) {
    *slash = '\0';
    int r = hutch_mkdir_p(dir, 0711);
    if (r < 0)
      return hutch_error_set(err, -r, "mkdir %s", dir);
  }
  if (clear_stale(&sa, err) < 0)
    return -1;
  _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return hutch_error_set(err, errno, "socket");
  /* born 0660: no moment where others may connect */
  mode_t old = umask(0117);
  int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
  umask(old);
  if (r < 0)
    return hutch_error_set(err, errno, "bind %s", path);
  if (chown(path, 0, gid) < 0 || chmod(path, 0660) < 0) {
    int e = errno;
    unlink(path);
    return hutch_error_set(err, e, "set owner and mode of %s", path);
  }
  if (listen(fd, 128) < 0)
    return hutch_error_set(err, errno, "listen %s", path);
  hutch_debug("listening on unix://%s (0660, gid %u)", path, (unsigned)gid);
  return TAKE_FD(fd);
}

static int listen_tcp(const char *hostport, struct hutch_error **err) {
  _cleanup_free_ char *host = strdup(hostport);
  char *colon = host ? strrchr(host, ':') : NULL;
  if (!colon || !colon[1])
    return hutch_error_say(err, EINVAL, "invalid tcp address '%s': want tcp://HOST:PORT", hostport);
  *colon = '\0';
  const char *port = colon + 1;
  char *h = host;
  if (*h == '[' && h[strlen(h) - 1] == ']') {
    h++;
    h[strlen(h) - 1] = '\0';
  }
  struct addrinfo hints = {.ai_family = AF_UNSPEC,
                           .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_PASSIVE | AI_NUMERICSERV},
                  *ai = NULL;
  int r = getaddrinfo(*h ? h : NULL, port, &hints, &ai);
  if (r != 0)
    return hutch_error_say(err, EINVAL, "invalid tcp address '%s': %s", hostport, gai_strerror(r));
  _cleanup_close_ int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
      bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
    int e = errno;
    freeaddrinfo(ai);
    return hutch_error_set(err, e, "listen on tcp://%s", hostport);
  }
  freeaddrinfo(ai);
  hutch_warn("API listening on tcp://%s: anyone who can reach it controls this host as root "
             "(no TLS, no authentication)",
             hostport);
  return TAKE_FD(fd);
}

int hutch_api_listen(const char *url, const char *default_path, const char *group, char **unix_path,
                     struct hutch_error **err) {
  *unix_path = NULL;
  if (!url) {
    int fd = inherited_fd();
    if (fd >= 0) {
      hutch_debug("listening on inherited fd %d (LISTEN_FDS)", fd);
      return fd;
    }
    if (fd != -EBADF)
      return hutch_error_set(err, -fd, "inherited socket (LISTEN_FDS)");
    url = default_path;
  } else if (strncmp(url, "unix://", 7) == 0) {
    url += 7;
  } else if (strncmp(url, "tcp://", 6) == 0) {
    return listen_tcp(url + 6, err);
  } else {
    return hutch_error_say(err, EINVAL, "invalid address '%s': want unix://PATH or tcp://HOST:PORT",
                           url);
  }
  int fd = listen_unix(url, group, err);
  if (fd >= 0 && !(*unix_path = strdup(url))) {
    close(fd);
    return hutch_error_set(err, ENOMEM, "listen");
  }
  return fd;
}
