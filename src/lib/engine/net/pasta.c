/* pasta for rootless containers (see pasta.h): its command line, its start
 * (the first process's exit is the ready signal), its stop by the pid and
 * start time it was recorded with (net/usernet.c). */
#include "net/pasta.h"

#include "net/ipam.h"
#include "net/usernet.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* pasta configures the namespace in a fraction of a second; a slow
 * machine gets ten. */
#define PASTA_READY_TIMEOUT_MS 10000
#define PASTA_EXT ".pasta"

static const struct hutch_usernet_kind pasta_kind = {PASTA_EXT, "pasta", hutch_pasta_stop};

/* "-t" "127.0.0.1/8080:80" (or "8080:80" for all addresses) for each of
 * PORTS of PROTO; "none" when there is none. */
static int push_ports(char ***argv, const char *opt, int proto,
                      const struct hutch_port_mapping *ports, size_t n, struct hutch_error **err) {
  bool any = false;
  for (size_t i = 0; i < n; i++) {
    const struct hutch_port_mapping *m = &ports[i];
    if (m->proto != proto)
      continue;
    if (m->host_port == 0)
      return hutch_error_set(err, EINVAL,
                             "publish %u: rootless networking needs an explicit host port",
                             (unsigned)m->container_port);
    char ip[INET_ADDRSTRLEN], spec[64];
    if (m->host_ip)
      snprintf(spec, sizeof(spec), "%s/%u:%u", hutch_ipv4_format(m->host_ip, ip),
               (unsigned)m->host_port, (unsigned)m->container_port);
    else
      snprintf(spec, sizeof(spec), "%u:%u", (unsigned)m->host_port, (unsigned)m->container_port);
    if (hutch_strv_push(argv, opt) < 0 || hutch_strv_push(argv, spec) < 0)
      return hutch_error_set(err, ENOMEM, "pasta");
    any = true;
  }
  if (!any && (hutch_strv_push(argv, opt) < 0 || hutch_strv_push(argv, "none") < 0))
    return hutch_error_set(err, ENOMEM, "pasta");
  return 0;
}

char **hutch_pasta_argv(const char *netns, const char *pidfile,
                        const struct hutch_port_mapping *ports, size_t n_ports,
                        struct hutch_error **err) {
  /* --runas 0: hutch is root in the user's namespace, and pasta would drop
   * to nobody, who may not join the netns. -4: IPv4 only, as slirp4netns.
   * -T/-U none: nothing forwarded from the container to the host's ports
   * but through the gateway. */
  static const char *const fixed[] = {
      "pasta", "--quiet",   "--runas",       "0",        "--config-net", "--ns-ifname", "tap0",
      "-4",    "--address", "10.0.2.100",    "-n",       "24",           "--gateway",   "10.0.2.2",
      "--mtu", "65520",     "--dns-forward", "10.0.2.3", "-T",           "none",        "-U",
      "none",  NULL};
  _cleanup_strv_ char **v = NULL;
  for (const char *const *a = fixed; *a; a++)
    if (hutch_strv_push(&v, *a) < 0)
      goto oom;
  if (push_ports(&v, "-t", IPPROTO_TCP, ports, n_ports, err) < 0 ||
      push_ports(&v, "-u", IPPROTO_UDP, ports, n_ports, err) < 0)
    return NULL;
  if (hutch_strv_push(&v, "--pid") < 0 || hutch_strv_push(&v, pidfile) < 0 ||
      hutch_strv_push(&v, "--netns") < 0 || hutch_strv_push(&v, netns) < 0)
    goto oom;
  char **out = v;
  v = NULL;
  return out;
oom:
  hutch_error_set(err, ENOMEM, "pasta");
  return NULL;
}

/* The last line pasta wrote to stderr that says something (its syslog
 * complaints say nothing), into buf. */
static void last_words(int fd, char *buf, size_t len) {
  char text[4096];
  ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
  buf[0] = '\0';
  text[n > 0 ? n : 0] = '\0';
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
    if (!hutch_str_has_prefix(line, "Failed to send") && *line)
      snprintf(buf, len, "%s", line);
}

/* Wait for pasta's first process: 0 when it exited 0 (configured). */
static int wait_configured(pid_t pid, int err_fd, struct hutch_error **err) {
  int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pfd >= 0) {
    struct pollfd p = {.fd = pfd, .events = POLLIN};
    int r = poll(&p, 1, PASTA_READY_TIMEOUT_MS);
    close(pfd);
    if (r == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      return hutch_error_set(err, ETIMEDOUT, "pasta: not ready");
    }
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0)
    return hutch_error_set(err, errno, "pasta: waitpid");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return hutch_error_set(err, ENOENT, "pasta: could not run it");
  char why[512];
  last_words(err_fd, why, sizeof(why));
  return hutch_error_set(err, EIO, "pasta: %s", *why ? why : "exited before the network was up");
}

static int spawn_pasta(char **argv, pid_t *pid, int err_fd, struct hutch_error **err) {
  *pid = fork();
  if (*pid < 0)
    return hutch_error_set(err, errno, "pasta: fork");
  if (*pid == 0) {
    if (hutch_child_setup(err_fd, -1) == 0)
      execvp("pasta", argv);
    _exit(127);
  }
  return 0;
}

struct hutch_pasta_pending {
  pid_t pid;  /* pasta's first process, which exits once configured */
  int err_fd; /* its stderr */
  char *dir, *id, *netns;
  char pidfile[PATH_MAX];
};

static void pending_free(struct hutch_pasta_pending *p) {
  if (p->err_fd >= 0)
    close(p->err_fd);
  free(p->dir);
  free(p->id);
  free(p->netns);
  free(p);
}

int hutch_pasta_spawn(const char *dir, const char *id, const char *netns,
                      const struct hutch_port_mapping *ports, size_t n_ports,
                      struct hutch_pasta_pending **pending, struct hutch_error **err) {
  if (hutch_usernet_begin(dir, id, &pasta_kind, err) < 0)
    return -1;
  struct hutch_pasta_pending *p = calloc(1, sizeof(*p));
  if (!p || !(p->dir = strdup(dir)) || !(p->id = strdup(id)) || !(p->netns = strdup(netns))) {
    if (p)
      pending_free(p);
    return hutch_error_set(err, ENOMEM, "pasta");
  }
  p->err_fd = -1;
  hutch_usernet_path(p->pidfile, sizeof(p->pidfile), dir, id, PASTA_EXT, ".pid");
  _cleanup_strv_ char **argv = hutch_pasta_argv(netns, p->pidfile, ports, n_ports, err);
  if (argv && hutch_log_enabled(HUTCH_LOG_DEBUG)) {
    _cleanup_free_ char *line = hutch_strv_join(argv, " ");
    hutch_debug("exec %s", line ? line : "pasta");
  }
  p->err_fd = argv ? memfd_create("pasta-stderr", MFD_CLOEXEC) : -1;
  if (argv && p->err_fd < 0)
    hutch_error_set(err, errno, "pasta: memfd_create");
  if (p->err_fd < 0 || spawn_pasta(argv, &p->pid, p->err_fd, err) < 0) {
    pending_free(p);
    return -1;
  }
  *pending = p;
  return 0;
}

int hutch_pasta_finish(struct hutch_pasta_pending *p, struct hutch_error **err) {
  pid_t daemon = -1;
  int r = wait_configured(p->pid, p->err_fd, err);
  _cleanup_free_ char *txt = NULL;
  int d = 0;
  if (r == 0 &&
      (hutch_read_file(p->pidfile, &txt, NULL) < 0 || sscanf(txt, "%d", &d) != 1 || d <= 0))
    r = hutch_error_set(err, EIO, "pasta: no pid in %s", p->pidfile);
  if (r == 0)
    daemon = d;
  unlink(p->pidfile);
  if (r == 0)
    r = hutch_usernet_record(p->dir, p->id, &pasta_kind, daemon, err);
  r = hutch_usernet_started(p->dir, p->id, &pasta_kind, p->netns, daemon, r);
  pending_free(p);
  return r;
}

void hutch_pasta_stop(const char *dir, const char *id) {
  hutch_usernet_stop(dir, id, &pasta_kind);
  char path[PATH_MAX];
  hutch_usernet_path(path, sizeof(path), dir, id, PASTA_EXT, ".pid");
  unlink(path);
}

void hutch_pasta_cleanup_stale(const char *dir, bool (*holds)(const char *id, void *ud), void *ud) {
  hutch_usernet_cleanup_stale(dir, &pasta_kind, holds, ud);
}
