/* slirp4netns for rootless containers (see slirp.h): start it for a
 * namespace file, wait for its ready fd, publish ports through its API
 * socket, stop it by the pid and start time it was recorded with. */
#include "net/slirp.h"

#include "net/ipam.h"
#include "net/usernet.h"
#include "runtime/state.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* slirp4netns configures the interface within a second; a slow machine
 * gets ten. */
#define SLIRP_READY_TIMEOUT_MS 10000
#define SLIRP_EXT ".slirp"

static const struct hutch_usernet_kind slirp_kind = {SLIRP_EXT, "slirp4netns", hutch_slirp_stop};

static void slirp_path(char *buf, size_t len, const char *dir, const char *id, const char *suffix) {
  hutch_usernet_path(buf, len, dir, id, SLIRP_EXT, suffix);
}

/* The grandchild: slirp4netns, ready fd 3, stdio on /dev/null. */
static _Noreturn void exec_slirp(int ready_w, const char *sock, const char *netns) {
  if (hutch_child_setup(-1, ready_w) < 0)
    _exit(127);
  char api[PATH_MAX + 16];
  snprintf(api, sizeof(api), "--api-socket=%s", sock);
  execlp("slirp4netns", "slirp4netns", "--configure", "--mtu=65520", "--netns-type=path",
         "--ready-fd=3", api, netns, "tap0", (char *)NULL);
  _exit(127);
}

/* Fork twice so slirp4netns belongs to init, not to this short-lived
 * process; *pid gets its pid. */
static int spawn_slirp(const char *sock, const char *netns, int ready[2], pid_t *pid,
                       struct hutch_error **err) {
  int pp[2];
  if (pipe2(pp, O_CLOEXEC) < 0)
    return hutch_error_set(err, errno, "slirp4netns: pipe");
  pid_t mid = fork();
  if (mid < 0) {
    int e = errno;
    close(pp[0]);
    close(pp[1]);
    return hutch_error_set(err, e, "slirp4netns: fork");
  }
  if (mid == 0) {
    close(ready[0]);
    pid_t g = fork();
    if (g == 0)
      exec_slirp(ready[1], sock, netns);
    (void)!write(pp[1], &g, sizeof(g));
    _exit(g < 0);
  }
  close(pp[1]);
  pid_t g = -1;
  ssize_t r = read(pp[0], &g, sizeof(g));
  close(pp[0]);
  waitpid(mid, NULL, 0);
  if (r != (ssize_t)sizeof(g) || g <= 0)
    return hutch_error_set(err, ECHILD, "slirp4netns: fork");
  *pid = g;
  return 0;
}

static int wait_ready(int fd, struct hutch_error **err) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int r = poll(&p, 1, SLIRP_READY_TIMEOUT_MS);
  if (r == 0)
    return hutch_error_set(err, ETIMEDOUT, "slirp4netns: not ready");
  char c = 0;
  if (r < 0 || read(fd, &c, 1) != 1 || c != '1')
    return hutch_error_set(err, EIO,
                           "slirp4netns: exited before the network was up (is slirp4netns "
                           "installed and /dev/net/tun readable and writable?)");
  return 0;
}

/* One request to the API socket; fails unless the answer is "return".
 * With REPLY, *REPLY gets the whole answer (caller frees). */
static int slirp_api_reply(const char *sock, const char *req, char **reply,
                           struct hutch_error **err) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(sock) >= sizeof(sa.sun_path))
    return hutch_error_set(err, ENAMETOOLONG, "slirp4netns api socket %s", sock);
  strcpy(sa.sun_path, sock);
  _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
    return hutch_error_set(err, errno, "slirp4netns api %s", sock);
  size_t len = strlen(req);
  if (write(fd, req, len) != (ssize_t)len || shutdown(fd, SHUT_WR) < 0)
    return hutch_error_set(err, errno, "slirp4netns api %s: write", sock);
  char buf[16384];
  size_t got = 0;
  ssize_t n;
  while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
    got += (size_t)n;
  if (got == 0)
    return hutch_error_set(err, EIO, "slirp4netns api %s: read", sock);
  buf[got] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  /* list_hostfwd answers {"entries": [...]}, the others {"return": ...} */
  if (strstr(buf, "\"error\"") || (!strstr(buf, "\"return\"") && !strstr(buf, "\"entries\"")))
    return hutch_error_set(err, EIO, "slirp4netns: %s", buf);
  if (reply && (*reply = strdup(buf)) == NULL)
    return hutch_error_set(err, ENOMEM, "slirp4netns api reply");
  return 0;
}

static int slirp_api(const char *sock, const char *req, struct hutch_error **err) {
  return slirp_api_reply(sock, req, NULL, err);
}

static int publish(const char *sock, const struct hutch_port_mapping *m, struct hutch_error **err) {
  if (m->host_port == 0)
    return hutch_error_set(err, EINVAL,
                           "publish %u: rootless networking needs an explicit host port",
                           (unsigned)m->container_port);
  char ip[INET_ADDRSTRLEN];
  hutch_ipv4_format(m->host_ip, ip);
  char req[256];
  snprintf(req, sizeof(req),
           "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"%s\",\"host_addr\":\"%s\","
           "\"host_port\":%u,\"guest_port\":%u}}",
           m->proto == IPPROTO_UDP ? "udp" : "tcp", ip, (unsigned)m->host_port,
           (unsigned)m->container_port);
  if (slirp_api(sock, req, err) < 0)
    return hutch_error_wrap(err, "publish %s:%u", ip, (unsigned)m->host_port);
  return 0;
}

int hutch_slirp_start(const char *dir, const char *id, const char *netns,
                      const struct hutch_port_mapping *ports, size_t n_ports,
                      struct hutch_error **err) {
  if (hutch_usernet_begin(dir, id, &slirp_kind, err) < 0)
    return -1;
  char sock[PATH_MAX];
  slirp_path(sock, sizeof(sock), dir, id, ".sock");
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0)
    return hutch_error_set(err, errno, "slirp4netns: pipe");
  /* the grandchild's ready fd must survive exec: dup2 to 3 clears CLOEXEC */
  pid_t pid = -1;
  int r = spawn_slirp(sock, netns, ready, &pid, err);
  close(ready[1]);
  if (r == 0)
    r = wait_ready(ready[0], err);
  close(ready[0]);
  if (r == 0)
    r = hutch_usernet_record(dir, id, &slirp_kind, pid, err);
  for (size_t i = 0; r == 0 && i < n_ports; i++)
    r = publish(sock, &ports[i], err);
  return hutch_usernet_started(dir, id, &slirp_kind, netns, pid, r);
}

void hutch_slirp_stop(const char *dir, const char *id) {
  hutch_usernet_stop(dir, id, &slirp_kind);
  char path[PATH_MAX];
  slirp_path(path, sizeof(path), dir, id, ".sock");
  unlink(path);
}

void hutch_slirp_cleanup_stale(const char *dir, bool (*holds)(const char *id, void *ud), void *ud) {
  hutch_usernet_cleanup_stale(dir, &slirp_kind, holds, ud);
}

bool hutch_slirp_running(const char *dir, const char *id) {
  char path[PATH_MAX];
  slirp_path(path, sizeof(path), dir, id, "");
  _cleanup_free_ char *txt = NULL;
  int pid = 0;
  unsigned long long start = 0;
  return hutch_read_file(path, &txt, NULL) == 0 && sscanf(txt, "%d %llu", &pid, &start) == 2 &&
         pid > 0 && hutch_pid_alive(pid, start);
}

int hutch_slirp_request(const char *dir, const char *id, const char *req, char **reply,
                        struct hutch_error **err) {
  char sock[PATH_MAX];
  slirp_path(sock, sizeof(sock), dir, id, ".sock");
  return slirp_api_reply(sock, req, reply, err);
}
