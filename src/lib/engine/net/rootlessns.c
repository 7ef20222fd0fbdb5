/* The user's rootless netns and its slirp4netns; see rootlessns.h. */
#include "rootlessns.h"

#include "netns.h"
#include "netpriv.h"
#include "slirp.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* A sysctl of the namespace the calling thread is in: /proc/sys/net
 * resolves against the opener's network namespace, so open it only after
 * setns. */
static int netns_sysctl(const char *path, struct hutch_error **err) {
  hutch_debug("rootless netns: sysctl %s = 1", path);
  int r = hutch_write_file(path, "1", 1);
  return r < 0 ? hutch_error_set(err, r, "rootless netns: set %s", path) : 0;
}

/* Routing in the namespace, and answers to slirp4netns' ARP requests for
 * the containers' addresses (the host forwards' guest_addr lies behind a
 * bridge, not on tap0: proxy ARP makes the namespace answer for it). */
static int configure_inside(bool slirp_started, struct hutch_error **err) {
  if (netns_sysctl("/proc/sys/net/ipv4/ip_forward", err) < 0)
    return -1;
  if (slirp_started && netns_sysctl("/proc/sys/net/ipv4/conf/tap0/proxy_arp", err) < 0)
    return -1;
  return 0;
}

/* A valid namespace file, made anew when it is missing or stale. Returns
 * an fd of it; *created says whether it is new. Under the lock. */
static int ensure_netns(const char *dir, const char *path, bool *created,
                        struct hutch_error **err) {
  *created = false;
  int fd = hutch_netns_open(path);
  if (fd >= 0)
    return fd;
  hutch_debug("rootless netns %s: %s, making it", path,
              fd == -ENOENT ? "missing" : "stale (no namespace behind the file)");
  /* a slirp4netns left for the old namespace (pid and start time checked) */
  hutch_slirp_stop(dir, HUTCH_ROOTLESS_NETNS);
  if (hutch_netns_delete(path, err) < 0)
    return -1;
  _cleanup_free_ char *made = NULL;
  if (hutch_netns_create(dir, HUTCH_ROOTLESS_NETNS, &made, err) < 0)
    return -1;
  *created = true;
  fd = hutch_netns_open(path);
  if (fd < 0)
    return hutch_error_set(err, -fd, "open network namespace %s", path);
  return fd;
}

static int lock_dir(const char *dir, struct hutch_error **err) {
  int r = hutch_mkdir_p(dir, 0700);
  if (r < 0)
    return hutch_error_set(err, r, "create %s", dir);
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/%s.lock", dir, HUTCH_ROOTLESS_NETNS);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return hutch_error_set(err, errno, "open %s", path);
  while (flock(fd, LOCK_EX) < 0) {
    if (errno != EINTR) {
      int e = errno;
      close(fd);
      return hutch_error_set(err, e, "lock %s", path);
    }
  }
  return fd;
}

/* The namespace, and slirp4netns when OUTSIDE; *slirp_started when this
 * call started it. Runs in the caller's (the host's) namespace, where
 * slirp4netns must live. Returns an fd of the namespace. */
static int ensure(const char *dir, bool outside, bool *created, bool *slirp_started,
                  struct hutch_error **err) {
  _cleanup_close_ int lock = lock_dir(dir, err);
  if (lock < 0)
    return -1;
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/%s", dir, HUTCH_ROOTLESS_NETNS);
  int fd = ensure_netns(dir, path, created, err);
  if (fd < 0)
    return -1;
  *slirp_started = false;
  if (outside && !hutch_slirp_running(dir, HUTCH_ROOTLESS_NETNS)) {
    if (hutch_slirp_start(dir, HUTCH_ROOTLESS_NETNS, path, NULL, 0, err) < 0) {
      close(fd);
      return hutch_error_wrap(err, "rootless netns");
    }
    *slirp_started = true;
  }
  return fd;
}

struct run_args {
  int nsfd;
  bool configure, slirp_started;
  hutch_rootless_netns_fn fn;
  void *ud;
  struct hutch_error *err;
  int ret;
};

/* The thread: into the namespace, FN, and end there. */
static void *run_thread(void *p) {
  struct run_args *a = p;
  hutch_debug("setns into the rootless netns (a thread of its own)");
  if (setns(a->nsfd, CLONE_NEWNET) < 0)
    a->ret = hutch_error_set(&a->err, errno, "setns into the rootless netns");
  else if (a->configure && configure_inside(a->slirp_started, &a->err) < 0)
    a->ret = -1;
  else
    a->ret = a->fn(a->ud, &a->err);
  return NULL;
}

int hutch_rootless_netns_run(const char *dir, bool outside, hutch_rootless_netns_fn fn, void *ud,
                             struct hutch_error **err) {
  bool created = false, started = false;
  _cleanup_close_ int nsfd = ensure(dir, outside, &created, &started, err);
  if (nsfd < 0)
    return -1;
  struct run_args a = {
      .nsfd = nsfd, .configure = created || started, .slirp_started = started, .fn = fn, .ud = ud};
  pthread_t t;
  int r = pthread_create(&t, NULL, run_thread, &a);
  if (r != 0)
    return hutch_error_set(err, r, "rootless netns: start a thread");
  pthread_join(t, NULL);
  if (a.ret < 0) {
    if (err)
      *err = a.err;
    else
      hutch_error_free(a.err);
    return a.ret;
  }
  hutch_error_free(a.err);
  return 0;
}

/* ---- published ports ---- */

struct fwd {
  bool udp;
  char host[HUTCH_IPV4_STRLEN], guest[HUTCH_IPV4_STRLEN];
  unsigned host_port, guest_port;
  bool present;
};

static bool fwd_eq(const struct fwd *a, const struct fwd *b) {
  return a->udp == b->udp && a->host_port == b->host_port && a->guest_port == b->guest_port &&
         strcmp(a->host, b->host) == 0 && strcmp(a->guest, b->guest) == 0;
}

/* Every published port of every attachment, as a forward. */
static int wanted_fwds(const struct hutch_net_ctx *ctx, struct fwd **out, size_t *n,
                       struct hutch_error **err) {
  _cleanup_json_ json_t *all = NULL;
  if (hutch_net_attachments_all(ctx, &all, err) < 0)
    return -1;
  size_t i, k, j;
  json_t *rec, *ep, *jp;
  *out = NULL;
  *n = 0;
  hutch_net_foreach_endpoint(all, i, rec, k, ep) {
    const char *ip = json_string_value(json_object_get(ep, "ip"));
    json_array_foreach(json_object_get(ep, "ports"), j, jp) {
      struct hutch_port_mapping pm;
      if (ip == NULL || hutch_net_record_port(jp, &pm) < 0)
        continue;
      struct fwd *v = realloc(*out, (*n + 1) * sizeof(**out));
      if (v == NULL)
        return hutch_error_set(err, ENOMEM, "published ports");
      *out = v;
      struct fwd *f = &v[(*n)++];
      *f = (struct fwd){.udp = pm.proto == IPPROTO_UDP,
                        .host_port = pm.host_port,
                        .guest_port = pm.container_port};
      hutch_ipv4_format(pm.host_ip, f->host);
      snprintf(f->guest, sizeof(f->guest), "%s", ip);
    }
  }
  return 0;
}

static int fwd_add(const char *dir, const struct fwd *f, struct hutch_error **err) {
  char req[384];
  snprintf(req, sizeof(req),
           "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"%s\",\"host_addr\":\"%s\","
           "\"host_port\":%u,\"guest_addr\":\"%s\",\"guest_port\":%u}}",
           f->udp ? "udp" : "tcp", f->host, f->host_port, f->guest, f->guest_port);
  hutch_debug("slirp4netns add_hostfwd %s:%u -> %s:%u/%s", f->host, f->host_port, f->guest,
              f->guest_port, f->udp ? "udp" : "tcp");
  if (hutch_slirp_request(dir, HUTCH_ROOTLESS_NETNS, req, NULL, err) < 0)
    return hutch_error_wrap(err, "publish %s:%u/%s (is the port free on the host?)", f->host,
                            f->host_port, f->udp ? "udp" : "tcp");
  return 0;
}

/* Remove the forwards nobody publishes any more; mark the others present. */
static int drop_unwanted(const char *dir, struct fwd *want, size_t n, struct hutch_error **err) {
  _cleanup_free_ char *reply = NULL;
  if (hutch_slirp_request(dir, HUTCH_ROOTLESS_NETNS, "{\"execute\":\"list_hostfwd\"}", &reply,
                          err) < 0)
    return -1;
  _cleanup_json_ json_t *j = json_loads(reply, 0, NULL);
  json_t *ret = json_object_get(j, "return");
  json_t *entries = json_object_get(ret ? ret : j, "entries");
  size_t i;
  json_t *e;
  json_array_foreach(entries, i, e) {
    struct fwd f = {.udp = strcmp(json_string_value(json_object_get(e, "proto")) ?: "", "udp") == 0,
                    .host_port = (unsigned)json_integer_value(json_object_get(e, "host_port")),
                    .guest_port = (unsigned)json_integer_value(json_object_get(e, "guest_port"))};
    snprintf(f.host, sizeof(f.host), "%s",
             json_string_value(json_object_get(e, "host_addr")) ?: "");
    snprintf(f.guest, sizeof(f.guest), "%s",
             json_string_value(json_object_get(e, "guest_addr")) ?: "");
    bool keep = false;
    for (size_t k = 0; k < n && !keep; k++)
      if (!want[k].present && fwd_eq(&want[k], &f))
        keep = want[k].present = true;
    if (keep)
      continue;
    char req[128];
    snprintf(req, sizeof(req), "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":%lld}}",
             (long long)json_integer_value(json_object_get(e, "id")));
    hutch_debug("slirp4netns remove_hostfwd %s:%u/%s", f.host, f.host_port, f.udp ? "udp" : "tcp");
    if (hutch_slirp_request(dir, HUTCH_ROOTLESS_NETNS, req, NULL, err) < 0)
      return hutch_error_wrap(err, "unpublish %s:%u", f.host, f.host_port);
  }
  return 0;
}

int hutch_rootless_netns_sync_ports(const struct hutch_net_ctx *ctx, const char *dir,
                                    struct hutch_error **err) {
  /* one sync at a time: two would both add a missing forward */
  _cleanup_close_ int lock = lock_dir(dir, err);
  if (lock < 0)
    return -1;
  if (!hutch_slirp_running(dir, HUTCH_ROOTLESS_NETNS))
    return 0;
  _cleanup_free_ struct fwd *want = NULL;
  size_t n = 0;
  if (wanted_fwds(ctx, &want, &n, err) < 0 || drop_unwanted(dir, want, n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (!want[i].present && fwd_add(dir, &want[i], err) < 0)
      return -1;
  return 0;
}
