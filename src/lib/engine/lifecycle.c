/* docker's container verbs over the records: create (record, volumes,
 * overlay rootfs, network namespace, OCI spec), start (through a monitor),
 * stop, kill, wait, rm, rename, inspect. */
#include "engine.h"

#include "linux/caps.h"
#include "net/net.h"
#include "net/netns.h"
#include "netsetup.h"
#include "statedb.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ZERO_TIME "0001-01-01T00:00:00Z"

/* ---- names ---- */

static const char *const adjectives[] = {
    "admiring", "brave",  "clever", "dazzling", "eager",   "focused",    "gallant",  "happy",
    "jolly",    "keen",   "loving", "modest",   "nifty",   "optimistic", "peaceful", "quirky",
    "relaxed",  "serene", "tender", "upbeat",   "vibrant", "wizardly",   "youthful", "zealous"};
static const char *const surnames[] = {
    "babbage", "curie",    "darwin",   "einstein", "feynman", "galileo", "hopper",  "hypatia",
    "johnson", "kepler",   "lovelace", "meitner",  "newton",  "noether", "pasteur", "ritchie",
    "shannon", "thompson", "turing",   "wozniak",  "yonath",  "lamport", "knuth",   "liskov"};

static bool valid_ctr_name(const char *n) {
  if (!isalnum((unsigned char)n[0]))
    return false;
  for (const char *p = n; *p; p++)
    if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
      return false;
  return true;
}

/* ---- helpers ---- */

static json_t *strv_json(char *const *v) {
  json_t *a = json_array();
  for (; v && *v; v++)
    json_array_append_new(a, json_string(*v));
  return a;
}

static json_t *strv_json_or_null(char *const *v) {
  return v ? strv_json(v) : json_null();
}

static bool swap_limit_supported(void) {
  return access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0 ||
         access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
}

/* Our bounding set, from /proc/self/status. */
static uint64_t own_bounding_set(void) {
  _cleanup_free_ char *text = NULL;
  size_t len;
  if (hutch_read_file("/proc/self/status", &text, &len) < 0)
    return 0;
  const char *p = strstr(text, "CapBnd:");
  return p ? strtoull(p + 7, NULL, 16) : 0;
}

/* durable: fsync before the rename (see hutch_ctr_save) */
static int write_text(int dirfd, const char *name, const char *text, bool durable,
                      struct hutch_error **err) {
  int r = durable ? hutch_write_file_atomic(dirfd, name, text, strlen(text), 0644)
                  : hutch_write_file_replace(dirfd, name, text, strlen(text), 0644);
  if (r < 0)
    return hutch_error_set(err, r, "write %s", name);
  return 0;
}

static char *ctr_path(struct hutch_ctr *c, const char *name) {
  char *p = NULL;
  if (asprintf(&p, "%s/%s", c->dir, name) < 0)
    return NULL;
  return p;
}

/* --init: the container gets its own copy of hutch-init, not a bind of the
 * host's binary: a read-only bind is one remount away from writable for a
 * container with CAP_SYS_ADMIN, and the host's file must stay out of reach
 * (CVE-2019-5736 class, see runtime/sealed.h). */
static char *private_init_copy(struct hutch_ctr *c, struct hutch_error **err) {
  _cleanup_free_ char *host = hutch_engine_helper_path("HUTCH_INIT", "hutch-init");
  if (!host) {
    hutch_error_set(err, ENOENT, "--init: hutch-init not found (set HUTCH_INIT)");
    return NULL;
  }
  _cleanup_close_ int src = open(host, O_RDONLY | O_CLOEXEC);
  _cleanup_close_ int dst = openat(c->dirfd, "init", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0555);
  struct stat st;
  if (src < 0 || dst < 0 || fstat(src, &st) < 0) {
    hutch_error_set(err, errno, "--init: copy %s into %s", host, c->dir);
    return NULL;
  }
  for (off_t left = st.st_size; left > 0;) {
    ssize_t n = copy_file_range(src, NULL, dst, NULL, (size_t)left, 0);
    if (n <= 0) {
      hutch_error_set(err, n < 0 ? errno : EIO, "--init: copy %s into %s", host, c->dir);
      return NULL;
    }
    left -= n;
  }
  return ctr_path(c, "init");
}

/* Mount requests: volumes resolved to their _data dirs, bind sources made
 * absolute (and created for -v, as docker does), the image's VOLUMEs not
 * covered by a mount given anonymous volumes. */
static int resolve_mounts(struct hutch_engine *e, struct hutch_run_opts *o,
                          const struct hutch_image_config *img, json_t *mounts_rec, json_t *anon,
                          struct hutch_error **err) {
  for (char **v = img ? img->volumes : NULL; v && *v; v++) {
    bool covered = false;
    for (size_t i = 0; i < o->n_mounts; i++)
      if (strcmp(o->mounts[i].target, *v) == 0)
        covered = true;
    if (covered)
      continue;
    struct hutch_mount_req *nm = realloc(o->mounts, (o->n_mounts + 1) * sizeof(*nm));
    if (!nm)
      return hutch_error_set(err, ENOMEM, "mounts");
    o->mounts = nm;
    memset(&nm[o->n_mounts], 0, sizeof(*nm));
    nm[o->n_mounts].type = HUTCH_MOUNT_VOLUME;
    nm[o->n_mounts].target = strdup(*v);
    o->n_mounts++;
  }
  for (size_t i = 0; i < o->n_mounts; i++) {
    struct hutch_mount_req *m = &o->mounts[i];
    json_t *rec = NULL;
    if (m->type == HUTCH_MOUNT_VOLUME) {
      bool anonymous = m->source == NULL;
      _cleanup_free_ char *name = NULL;
      if (hutch_volume_create(e, m->source, anonymous, &name, &m->host_path, err) < 0)
        return -1;
      if (anonymous)
        json_array_append_new(anon, json_string(name));
      rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "volume", "Name", name,
                      "Source", m->host_path, "Destination", m->target, "Driver", "local", "Mode",
                      "z", "RW", !m->readonly, "Propagation", "");
    } else if (m->type == HUTCH_MOUNT_BIND) {
      _cleanup_free_ char *abs = realpath(m->source, NULL);
      if (!abs) {
        if (errno != ENOENT)
          return hutch_error_set(err, errno, "bind source %s", m->source);
        int r = hutch_mkdir_p(m->source, 0755);
        if (r < 0)
          return hutch_error_set(err, r, "create bind source %s", m->source);
        abs = realpath(m->source, NULL);
        if (!abs)
          return hutch_error_set(err, errno, "bind source %s", m->source);
      }
      free(m->source);
      m->source = TAKE_PTR(abs);
      rec = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "bind", "Source", m->source,
                      "Destination", m->target, "Mode", "", "RW", !m->readonly, "Propagation",
                      "rprivate");
    } else {
      rec = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "tmpfs", "Source", "",
                      "Destination", m->target, "Mode", m->options ? m->options : "", "RW",
                      !m->readonly, "Propagation", "");
    }
    json_array_append_new(mounts_rec, rec);
  }
  return 0;
}

static json_t *labels_json(char *const *img_labels, char *const *labels) {
  json_t *o = json_object();
  char *const *lists[] = {img_labels, labels};
  for (size_t k = 0; k < 2; k++)
    for (char *const *l = lists[k]; l && *l; l++) {
      const char *eq = strchr(*l, '=');
      _cleanup_free_ char *key = eq ? strndup(*l, (size_t)(eq - *l)) : strdup(*l);
      json_object_set_new(o, key, json_string(eq ? eq + 1 : ""));
    }
  return o;
}

void hutch_ctr_cleanup_unrecorded(struct hutch_engine *e, const char *id, const char *dir) {
  hutch_ctr_delete(e, id, NULL);
  char p[4200];
  snprintf(p, sizeof(p), "%s/merged", dir);
  hutch_overlay_umount(p, NULL);
  snprintf(p, sizeof(p), "%s/%s", e->netns_dir, id);
  hutch_netns_delete(p, NULL);
  struct hutch_store *s;
  if (hutch_engine_store(e, &s, NULL) == 0)
    hutch_image_release(s, id, NULL);
  hutch_rm_rf(dir);
}

/* The container dir appears under its id already locked and with its row
 * (complete=0) in the database: it is made as .creating-<id>, locked, the
 * row inserted, then renamed. hutch_ctr_reap() removes what a killed
 * create left once its lock is free. */
static int make_locked_dir(struct hutch_engine *e, struct hutch_ctr *c, char **tmp,
                           struct hutch_error **err) {
  if (asprintf(tmp, "%s/" HUTCH_CTR_CREATING_PREFIX "%s", e->containers_dir, c->id) < 0) {
    *tmp = NULL;
    return hutch_error_set(err, ENOMEM, "container dir");
  }
  if (mkdir(*tmp, 0700) < 0)
    return hutch_error_set(err, errno, "create %s", *tmp);
  c->dirfd = open(*tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->dirfd >= 0)
    c->lockfd = openat(c->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (c->dirfd < 0 || c->lockfd < 0 || flock(c->lockfd, LOCK_EX) < 0) {
    int r = hutch_error_set(err, errno, "create %s", *tmp);
    hutch_rm_rf(*tmp);
    return r;
  }
  return 0;
}

static char *generated_name(const char *id, int tries) {
  unsigned a = (unsigned char)id[tries % 60] * 7u + (unsigned)tries,
           b = (unsigned char)id[(tries + 1) % 60] * 13u;
  char *name = NULL;
  if (asprintf(&name, tries < 10 ? "%s_%s" : "%s_%s%d", adjectives[a % ARRAY_SIZE(adjectives)],
               surnames[b % ARRAY_SIZE(surnames)], tries) < 0)
    return NULL;
  return name;
}

/* Insert the row that reserves c->id and c->name: 0, -EEXIST for a name in
 * use (nothing in *err), else -1 with *err. */
static int try_insert(struct hutch_ctr *c, struct hutch_error **err) {
  struct hutch_error *ierr = NULL;
  int r = hutch_ctr_insert(c, &ierr);
  if (r < 0 && r != -EEXIST && err && !*err)
    *err = TAKE_PTR(ierr);
  hutch_error_free(ierr);
  return r;
}

/* The row that reserves the id and the name: the given one (docker's
 * conflict when taken) or a generated one that is free. */
static int reserve_name(struct hutch_ctr *c, const char *wanted, struct hutch_error **err) {
  if (wanted) {
    if (!(c->name = strdup(wanted)))
      return hutch_error_set(err, ENOMEM, "container name");
    int r = try_insert(c, err);
    if (r == -EEXIST) { /* held by what a killed create left? */
      hutch_ctr_reap(c->e);
      r = try_insert(c, err);
    }
    if (r == -EEXIST)
      return hutch_error_set(
          err, EEXIST,
          "Conflict. The container name \"/%s\" is already in use by another container", wanted);
    return r;
  }
  for (int tries = 0; tries < 100; tries++) {
    free(c->name);
    if (!(c->name = generated_name(c->id, tries)))
      return hutch_error_set(err, ENOMEM, "container name");
    int r = try_insert(c, err);
    if (r != -EEXIST)
      return r;
  }
  return hutch_error_set(err, EEXIST, "no free container name");
}

/* A new container: its id, locked dir, and the row reserving its name. */
static int ctr_begin(struct hutch_engine *e, const char *wanted, struct hutch_ctr **out,
                     struct hutch_error **err) {
  char id[65];
  if (hutch_ctr_new_id(id) < 0)
    return hutch_error_set(err, EIO, "container id");
  _cleanup_ctr_ struct hutch_ctr *c = hutch_ctr_alloc(e, id);
  if (!c)
    return hutch_error_set(err, ENOMEM, "container");
  snprintf(c->created, sizeof(c->created), "%s", hutch_now_rfc3339());
  snprintf(c->st.started_at, sizeof(c->st.started_at), "%s", ZERO_TIME);
  snprintf(c->st.finished_at, sizeof(c->st.finished_at), "%s", ZERO_TIME);
  _cleanup_free_ char *tmp = NULL;
  if (make_locked_dir(e, c, &tmp, err) < 0)
    return -1;
  if (reserve_name(c, wanted, err) < 0) {
    hutch_rm_rf(tmp);
    return -1;
  }
  if (rename(tmp, c->dir) < 0) {
    int r = hutch_error_set(err, errno, "create %s", c->dir);
    hutch_ctr_delete(e, id, NULL);
    hutch_rm_rf(tmp);
    return r;
  }
  hutch_debug("container %.12s: dir %s (locked), name %s", id, c->dir, c->name);
  *out = TAKE_PTR(c);
  return 0;
}

int hutch_ctr_create(struct hutch_engine *e, const char *image_ref, struct hutch_image *img,
                     struct hutch_run_opts *o, struct hutch_ctr **out, struct hutch_error **err) {
  const char *pol;
  int max_retries;
  if (hutch_parse_restart(o->restart, &pol, &max_retries) < 0)
    return hutch_error_set(err, EINVAL, "invalid restart policy %s", o->restart);
  if (o->rm && strcmp(pol, "no") != 0)
    return hutch_error_set(err, EINVAL, "conflicting options: --restart and --rm");
  if (o->name && !valid_ctr_name(o->name))
    return hutch_error_set(
        err, EINVAL, "invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
        o->name);
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (ctr_begin(e, o->name, &c, err) < 0)
    return -1;
  const char *id = c->id;
  int ret = -1;
  json_t *mounts_rec = json_array(), *anon = json_array();
  _cleanup_json_ json_t *spec = NULL;
  _cleanup_free_ char *merged = NULL, *passwd = NULL, *group = NULL, *init_path = NULL,
                      *seccomp = NULL;
  _cleanup_free_ char *netns_path = NULL, *hostname_path = NULL, *hosts_path = NULL,
                      *resolv_path = NULL;
  struct hutch_engine_net_plan netplan = {0};
  _cleanup_strv_ char **args = NULL;
  _cleanup_free_ char *upper = NULL, *work = NULL;
  static const char *const sub[] = {"upper", "work", "merged"};
  for (size_t i = 0; i < ARRAY_SIZE(sub); i++)
    if (mkdirat(c->dirfd, sub[i], 0755) < 0) {
      hutch_error_set(err, errno, "create %s/%s", c->dir, sub[i]);
      goto fail;
    }
  struct hutch_store *store;
  /* hold by the manifest digest, the store's key: the Id (config digest)
   * is shared by images that differ only in their layers' compression
   * (the same image pushed gzip and zstd), and ambiguous to the store */
  if (hutch_engine_store(e, &store, err) < 0 ||
      hutch_image_hold(store, id, img->manifest_digest, err) < 0)
    goto fail;
  if (resolve_mounts(e, o, img->config, mounts_rec, anon, err) < 0)
    goto fail;
  merged = ctr_path(c, "merged");
  upper = ctr_path(c, "upper");
  work = ctr_path(c, "work");
  if (hutch_overlay_mount(img->layer_dirs, img->n_layers, upper, work, merged, err) < 0)
    goto fail;
  for (size_t i = 0; i < o->n_mounts; i++)
    if (o->mounts[i].type == HUTCH_MOUNT_VOLUME &&
        hutch_volume_copy_up(merged, o->mounts[i].target, o->mounts[i].host_path, err) < 0)
      goto fail;
  if (hutch_read_user_db(merged, "/etc/passwd", &passwd, err) < 0 ||
      hutch_read_user_db(merged, "/etc/group", &group, err) < 0)
    goto fail;
  if (o->init && !(init_path = private_init_copy(c, err)))
    goto fail;
  if (o->seccomp && strcmp(o->seccomp, "unconfined") != 0) {
    size_t len;
    int r = hutch_read_file(o->seccomp, &seccomp, &len);
    if (r < 0) {
      hutch_error_set(err, r, "opening seccomp profile (%s) failed", o->seccomp);
      goto fail;
    }
  }
  /* networking (netsetup.c): mode, netns path, the /etc files */
  if (hutch_engine_net_prepare(e, o, id, c->name, c->dir,
                               img->config ? img->config->exposed_ports : NULL, &netplan, err) < 0)
    goto fail;
  const char *net = netplan.network_mode;
  /* container:X gets X's hostname (docker's rule); the spec takes it from o */
  if (!o->hostname && netplan.mode == HUTCH_NETMODE_CONTAINER && netplan.hostname)
    o->hostname = strdup(netplan.hostname);
  char host_hn[256] = "";
  gethostname(host_hn, sizeof(host_hn) - 1);
  const char *hostname = netplan.hostname;
  netns_path = netplan.netns_path ? strdup(netplan.netns_path) : NULL;
  hostname_path = strdup(netplan.hostname_path ? netplan.hostname_path : "");
  hosts_path = strdup(netplan.hosts_path ? netplan.hosts_path : "");
  resolv_path = strdup(netplan.resolv_path ? netplan.resolv_path : "");
  struct hutch_spec_input in = {
      .id = id,
      .o = o,
      .img = img->config,
      .rootfs = merged,
      .passwd = passwd,
      .group = group,
      .init_path = init_path,
      .netns_path = netns_path,
      .seccomp_profile = seccomp,
      .host_hostname = host_hn,
      .etc_hostname = netplan.hostname_path,
      .etc_hosts = netplan.hosts_path,
      .etc_resolv = netplan.resolv_path,
      .swap_limit_supported = swap_limit_supported(),
      .cap_last = hutch_cap_last(),
      .host_caps = own_bounding_set(),
  };
  if (hutch_spec_generate(&in, &spec, err) < 0)
    goto fail;
  {
    _cleanup_free_ char *text = json_dumps(spec, JSON_INDENT(2));
    if (!text || write_text(c->dirfd, "config.json", text, !o->rm, err) < 0)
      goto fail;
  }
  args = hutch_spec_args(o, img->config);
  const struct hutch_image_config *ic = img->config;
  json_t *process = json_object_get(spec, "process");
  json_t *config = json_pack(
      "{s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:O, s:o, s:o, s:s, s:s, s:o, s:o, s:o}", "Hostname",
      hostname, "User", o->user ? o->user : (ic && ic->user ? ic->user : ""), "AttachStdin",
      o->interactive && !o->detach, "AttachStdout", !o->detach, "AttachStderr", !o->detach, "Tty",
      o->tty, "OpenStdin", o->interactive, "Env", json_object_get(process, "env"), "Cmd",
      strv_json_or_null(o->cmd ? o->cmd : (!o->has_entrypoint && ic ? ic->cmd : NULL)),
      "Entrypoint",
      o->has_entrypoint
          ? (o->entrypoint && *o->entrypoint ? json_pack("[s]", o->entrypoint) : json_null())
          : strv_json_or_null(ic ? ic->entrypoint : NULL),
      "Image", image_ref, "WorkingDir",
      o->workdir ? o->workdir : (ic && ic->working_dir ? ic->working_dir : ""), "Labels",
      labels_json(ic ? ic->labels : NULL, o->labels), "ExposedPorts", json_object(), "Volumes",
      json_object());
  for (char **p = ic ? ic->exposed_ports : NULL; p && *p; p++)
    json_object_set_new(json_object_get(config, "ExposedPorts"), *p, json_object());
  for (char **v = ic ? ic->volumes : NULL; v && *v; v++)
    json_object_set_new(json_object_get(config, "Volumes"), *v, json_object());
  const char *stop_signal =
      o->stop_signal ? o->stop_signal : (ic && ic->stop_signal ? ic->stop_signal : NULL);
  if (stop_signal)
    json_object_set_new(config, "StopSignal", json_string(stop_signal));
  if (o->stop_timeout >= 0)
    json_object_set_new(config, "StopTimeout", json_integer(o->stop_timeout));
  json_t *binds = json_array(), *tmpfs = json_object();
  for (size_t i = 0; i < o->n_mounts; i++) {
    const struct hutch_mount_req *m = &o->mounts[i];
    if (m->type == HUTCH_MOUNT_BIND) {
      char *b = NULL;
      if (asprintf(&b, "%s:%s%s", m->source, m->target, m->readonly ? ":ro" : "") >= 0)
        json_array_append_new(binds, json_string(b));
      free(b);
    } else if (m->type == HUTCH_MOUNT_TMPFS)
      json_object_set_new(tmpfs, m->target, json_string(m->options ? m->options : ""));
  }
  json_t *host = json_pack(
      "{s:o, s:o, s:s, s:{s:s, s:i}, s:b, s:b, s:b, s:b, s:I, s:I, s:I, s:I, s:s, s:I, s:o, s:o, "
      "s:o, s:o, "
      "s:o, s:{s:s, s:{}}, s:o}",
      "Binds", binds, "Tmpfs", tmpfs, "NetworkMode", net, "RestartPolicy", "Name", pol,
      "MaximumRetryCount", max_retries, "AutoRemove", o->rm, "Privileged", o->privileged,
      "ReadonlyRootfs", o->read_only, "Init", o->init, "Memory", (json_int_t)o->memory,
      "MemorySwap", (json_int_t)o->memory_swap, "NanoCpus", (json_int_t)o->nano_cpus, "CpuShares",
      (json_int_t)o->cpu_shares, "CpusetCpus", o->cpuset_cpus ? o->cpuset_cpus : "", "PidsLimit",
      (json_int_t)o->pids_limit, "CapAdd", strv_json_or_null(o->cap_add), "CapDrop",
      strv_json_or_null(o->cap_drop), "SecurityOpt", strv_json_or_null(o->security_opt), "Devices",
      strv_json(o->devices), "Ulimits", strv_json(o->ulimits), "LogConfig", "Type", "json-file",
      "Config", "PortBindings", strv_json(o->publish));
  char logpath[4200];
  snprintf(logpath, sizeof(logpath), "%s/%s-json.log", c->dir, id);
  c->rec = json_pack(
      "{s:s, s:O, s:s, s:s, s:o, s:o, s:o, s:{s:s, s:{s:s, s:s, s:s, s:s}}, s:s, s:s, s:s, s:s, "
      "s:{s:o, s:s}}",
      "Path", args[0] ? args[0] : "", "Args", json_object_get(process, "args"), "Image", img->id,
      "ImageName", image_ref, "Config", config, "HostConfig", host, "Mounts", TAKE_PTR(mounts_rec),
      "GraphDriver", "Name", "overlay", "Data", "LowerDir", "", "UpperDir", upper, "WorkDir", work,
      "MergedDir", merged, "LogPath", logpath, "HostnamePath", hostname_path, "HostsPath",
      hosts_path, "ResolvConfPath", resolv_path, "Hutch", "AnonVolumes", TAKE_PTR(anon), "NetNS",
      netns_path ? netns_path : "");
  if (!c->rec) {
    hutch_error_set(err, ENOMEM, "container record");
    goto fail;
  }
  {
    /* the image's layers, top first, as docker's LowerDir */
    size_t cap = 1;
    for (size_t i = 0; i < img->n_layers; i++)
      cap += strlen(img->layer_dirs[i]) + 1;
    _cleanup_free_ char *lower = calloc(1, cap);
    for (size_t i = img->n_layers; lower && i-- > 0;) {
      strcat(lower, img->layer_dirs[i]);
      if (i)
        strcat(lower, ":");
    }
    json_object_set_new(json_object_get(json_object_get(c->rec, "GraphDriver"), "Data"), "LowerDir",
                        json_string(lower ? lower : ""));
  }
  hutch_engine_net_record(&netplan, c->rec);
  if (hutch_ctr_save(c, err) < 0)
    goto fail;
  *out = TAKE_PTR(c);
  ret = 0;
fail:
  hutch_engine_net_plan_clear(&netplan);
  if (mounts_rec)
    json_decref(mounts_rec);
  if (anon)
    json_decref(anon);
  if (ret < 0 && c)
    hutch_ctr_cleanup_unrecorded(e, id, c->dir);
  return ret;
}

/* ---- start ---- */

int hutch_ctr_mount_rootfs(struct hutch_engine *e, struct hutch_ctr *c, char **merged_out,
                           struct hutch_error **err) {
  _cleanup_free_ char *merged = ctr_path(c, "merged"), *upper = ctr_path(c, "upper"),
                      *work = ctr_path(c, "work");
  if (!hutch_is_mountpoint(merged)) {
    _cleanup_strv_ char **dirs = calloc(1, sizeof(char *));
    _cleanup_free_ char *copy = strdup(c->cfg.lower_dir);
    char *save = NULL;
    /* LowerDir is top first; the mount wants lowest first */
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
      hutch_strv_push(&dirs, d);
    size_t n = hutch_strv_len(dirs);
    for (size_t i = 0; i < n / 2; i++) {
      char *t = dirs[i];
      dirs[i] = dirs[n - 1 - i];
      dirs[n - 1 - i] = t;
    }
    if (hutch_overlay_mount(dirs, n, upper, work, merged, err) < 0)
      return -1;
  }
  if (merged_out)
    *merged_out = TAKE_PTR(merged);
  return 0;
}

int hutch_ctr_start(struct hutch_engine *e, struct hutch_ctr *c, const struct hutch_attach *a,
                    int *status, struct hutch_error **err) {
  *status = 0;
  const char *st = hutch_ctr_status(e, c);
  if (strcmp(st, "running") == 0 || strcmp(st, "restarting") == 0)
    return 0;
  if (strcmp(st, "paused") == 0)
    return hutch_error_set(err, EINVAL, "cannot start a paused container, try unpause instead");
  if (hutch_ctr_mount_rootfs(e, c, NULL, err) < 0)
    return -1;
  /* the netns (again after a stop or a reboot), attached to its networks */
  if (hutch_engine_net_start(e, c, err) < 0)
    return -1;
  /* A runtime state dir left by a killed monitor would block create. */
  hutch_container_delete(&e->rt, c->id, true, NULL);
  c->st.manual_stop = false;
  free(c->st.error);
  c->st.error = NULL;
  if (hutch_ctr_save_state(c, err) < 0)
    return -1;
  struct hutch_monitor_args ma = {
      .e = e,
      .id = c->id,
      .attached = a && a->attach,
      .interactive = a && a->interactive,
      .tty = c->cfg.tty,
      .ready_fd = -EBADF,
  };
  /* The monitor takes the lock itself whenever it writes the record. */
  if (c->lockfd >= 0) {
    close(c->lockfd);
    c->lockfd = -EBADF;
  }
  if (ma.attached) {
    int r = hutch_monitor_run(&ma, err);
    if (r < 0) {
      *status = -r;
      return -1;
    }
    *status = r;
    return 0;
  }
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0)
    return hutch_error_set(err, errno, "pipe");
  /* the monitor opens its own: SQLite's locks are per process, and a
   * connection inherited open would make the child's lock-free */
  hutch_engine_db_close(e);
  pid_t child = fork();
  if (child < 0) {
    close(ready[0]);
    close(ready[1]);
    return hutch_error_set(err, errno, "fork monitor");
  }
  if (child == 0) {
    close(ready[0]);
    setsid();
    pid_t m = fork();
    if (m != 0)
      _exit(m < 0 ? 1 : 0);
    /* the monitor: no controlling terminal, our stdio gone */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    char logp[4200];
    snprintf(logp, sizeof(logp), "%s/monitor.log", c->dir);
    int lf = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(lf >= 0 ? lf : null, 2);
    }
    ma.ready_fd = ready[1];
    struct hutch_error *merr = NULL;
    int r = hutch_monitor_run(&ma, &merr);
    if (r < 0 && merr) {
      hutch_error_print(stderr, "hutch-monitor", merr);
      hutch_error_free(merr);
    }
    _exit(0);
  }
  close(ready[1]);
  waitpid(child, NULL, 0);
  char buf[4096];
  size_t off = 0;
  ssize_t n;
  while (off < sizeof(buf) - 1 &&
         ((n = read(ready[0], buf + off, sizeof(buf) - 1 - off)) > 0 || (n < 0 && errno == EINTR)))
    if (n > 0)
      off += (size_t)n;
  close(ready[0]);
  buf[off] = '\0';
  if (strncmp(buf, "ok", 2) == 0)
    return 0;
  /* "E<status> <errno> <message>" */
  int code = 125, en = 0, used = 0;
  if (buf[0] == 'E' && sscanf(buf + 1, "%d %d %n", &code, &en, &used) >= 2) {
    *status = code;
    return hutch_error_set(err, en, "%s", buf + 1 + used);
  }
  return hutch_error_set(err, 0, "container %.12s: the monitor exited before starting it", c->id);
}

/* ---- stop, kill, wait ---- */

static int wait_pid_gone(pid_t pid, unsigned long long start, int ms) {
  _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    if (!hutch_pid_alive(pid, start))
      return 0;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
    if (el >= ms)
      return -ETIMEDOUT;
    if (pidfd >= 0) {
      struct pollfd p = {.fd = pidfd, .events = POLLIN};
      poll(&p, 1, (int)(ms - el < 50 ? ms - el : 50));
    } else {
      usleep(20000);
    }
  }
}

/* Wait until the monitor has recorded the exit (or is gone). */
static void wait_recorded(struct hutch_engine *e, struct hutch_ctr *c, int ms) {
  for (int waited = 0; waited < ms; waited += 20) {
    if (hutch_ctr_reload(c, NULL) < 0)
      return;
    if (!c->st.running)
      return;
    if (c->st.monitor_pid <= 0 || !hutch_pid_alive(c->st.monitor_pid, c->st.monitor_start))
      break;
    usleep(20000);
  }
  (void)e;
}

static int lock_again(struct hutch_ctr *c, struct hutch_error **err) {
  if (c->lockfd >= 0)
    return 0;
  c->lockfd = openat(c->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (c->lockfd < 0 || flock(c->lockfd, LOCK_EX) < 0)
    return hutch_error_set(err, errno, "lock container %.12s", c->id);
  return hutch_ctr_reload(c, err);
}

static void unlock(struct hutch_ctr *c) {
  if (c->lockfd >= 0) {
    close(c->lockfd);
    c->lockfd = -EBADF;
  }
}

/* The monitor is gone but the record says running: settle it here. */
static void settle_orphan(struct hutch_engine *e, struct hutch_ctr *c, int code) {
  if (lock_again(c, NULL) < 0)
    return;
  if (c->st.running && !hutch_ctr_running(c)) {
    c->st.running = false;
    c->st.pid = 0;
    c->st.exit_code = code;
    snprintf(c->st.finished_at, sizeof(c->st.finished_at), "%s", hutch_now_rfc3339());
    hutch_container_delete(&e->rt, c->id, true, NULL);
    hutch_ctr_save_state(c, NULL);
  }
  unlock(c);
}

int hutch_ctr_stop(struct hutch_engine *e, struct hutch_ctr *c, int timeout,
                   struct hutch_error **err) {
  if (lock_again(c, err) < 0)
    return -1;
  c->st.manual_stop = true;
  c->st.restarting = false;
  if (hutch_ctr_save_state(c, err) < 0)
    return -1;
  if (!hutch_ctr_running(c)) {
    unlock(c);
    return 0;
  }
  int sig = SIGTERM;
  const char *ss = c->cfg.stop_signal;
  if (ss && hutch_parse_signal(ss) > 0)
    sig = hutch_parse_signal(ss);
  if (timeout < 0)
    timeout = c->cfg.stop_timeout >= 0 ? c->cfg.stop_timeout : 10;
  pid_t pid = c->st.pid;
  unsigned long long start = c->st.pid_start;
  unlock(c);
  hutch_debug("stop %.12s: signal %d, then SIGKILL after %ds", c->id, sig, timeout);
  if (hutch_container_kill(&e->rt, c->id, sig, false, NULL) < 0 ||
      wait_pid_gone(pid, start, timeout * 1000) < 0) {
    hutch_container_kill(&e->rt, c->id, SIGKILL, true, NULL);
    if (wait_pid_gone(pid, start, 10000) < 0)
      return hutch_error_set(err, EBUSY, "container %.12s did not exit after SIGKILL", c->id);
  }
  wait_recorded(e, c, 10000);
  settle_orphan(e, c, 128 + sig);
  return 0;
}

int hutch_ctr_kill(struct hutch_engine *e, struct hutch_ctr *c, int sig, struct hutch_error **err) {
  if (!hutch_ctr_running(c))
    return hutch_error_set(err, EINVAL, "container %.12s is not running", c->id);
  if (sig == SIGKILL && lock_again(c, NULL) == 0) {
    /* docker kill counts as a manual stop for the restart policy */
    c->st.manual_stop = true;
    hutch_ctr_save_state(c, NULL);
    unlock(c);
  }
  return hutch_container_kill(&e->rt, c->id, sig, false, err);
}

int hutch_ctr_wait(struct hutch_engine *e, const char *id, int *code, struct hutch_error **err) {
  bool monitor_gone = false;
  for (;;) {
    _cleanup_ctr_ struct hutch_ctr *c = NULL;
    if (hutch_ctr_open(e, id, false, &c, err) < 0)
      return -1;
    const char *st = hutch_ctr_status(e, c);
    bool busy =
        strcmp(st, "running") == 0 || strcmp(st, "paused") == 0 || strcmp(st, "restarting") == 0;
    /* exited, but the monitor has not written the code yet */
    if (!busy && c->st.running) {
      busy = c->st.monitor_pid > 0 && hutch_pid_alive(c->st.monitor_pid, c->st.monitor_start);
      /* gone since we read the record? It writes the exit before it
       * goes: the record read after seeing it gone is the last word */
      if (!busy && !monitor_gone) {
        monitor_gone = true;
        continue;
      }
    }
    if (!busy) {
      *code = c->st.exit_code;
      return 0;
    }
    if (c->st.pid > 0)
      wait_pid_gone(c->st.pid, c->st.pid_start, 200);
    else
      usleep(50000);
  }
}

/* ---- rm, rename ---- */

int hutch_ctr_remove(struct hutch_engine *e, struct hutch_ctr *c, bool force, bool volumes,
                     struct hutch_error **err) {
  if (lock_again(c, err) < 0)
    return -1;
  const char *st = hutch_ctr_status(e, c);
  bool active =
      strcmp(st, "running") == 0 || strcmp(st, "paused") == 0 || strcmp(st, "restarting") == 0;
  if (active && !force)
    return hutch_error_set(err, EBUSY,
                           "cannot remove container \"/%s\": container is %s: stop the container "
                           "before removing or force remove",
                           c->name, st);
  pid_t mp = c->st.monitor_pid;
  unsigned long long ms = c->st.monitor_start;
  if (active || (mp > 0 && mp != getpid() && hutch_pid_alive(mp, ms))) {
    c->st.manual_stop = true;
    hutch_ctr_save_state(c, NULL);
    pid_t pid = c->st.pid;
    unsigned long long start = c->st.pid_start;
    unlock(c);
    hutch_container_kill(&e->rt, c->id, SIGKILL, true, NULL);
    if (pid > 0)
      wait_pid_gone(pid, start, 10000);
    /* let the monitor finish (it may be the one removing, for --rm) */
    if (mp > 0 && mp != getpid())
      wait_pid_gone(mp, ms, 5000);
    if (lock_again(c, err) < 0)
      return -1;
  }
  hutch_container_delete(&e->rt, c->id, true, NULL);
  hutch_engine_net_teardown(e, c->id, c->cfg.netns, NULL); /* warns; rm goes on */
  _cleanup_free_ char *merged = ctr_path(c, "merged");
  if (hutch_overlay_umount(merged, err) < 0)
    return -1;
  struct hutch_store *s;
  if (hutch_engine_store(e, &s, NULL) == 0)
    hutch_image_release(s, c->id, NULL);
  /* forget the record first (it is gone for every lookup), then hide the
   * dir and delete the files: a dir left without a row is reaped */
  if (hutch_ctr_delete(e, c->id, err) < 0)
    return -1;
  _cleanup_free_ char *gone = NULL;
  if (asprintf(&gone, "%s/" HUTCH_CTR_REMOVING_PREFIX "%s", e->containers_dir, c->id) < 0)
    return hutch_error_set(err, ENOMEM, "rm");
  if (rename(c->dir, gone) < 0)
    return hutch_error_set(err, errno, "remove %s", c->dir);
  int r = hutch_rm_rf(gone);
  if (r < 0)
    return hutch_error_set(err, r, "remove %s", gone);
  if (volumes) {
    size_t i;
    json_t *v;
    json_array_foreach(c->cfg.anon_volumes, i, v) {
      struct hutch_error *ve = NULL;
      if (hutch_volume_remove(e, json_string_value(v), false, &ve) < 0)
        hutch_warn("remove volume %s: %s, ignoring", json_string_value(v),
                   ve && ve->msg ? ve->msg : "");
      hutch_error_free(ve);
    }
  }
  unlock(c);
  return 0;
}

int hutch_ctr_rename(struct hutch_engine *e, struct hutch_ctr *c, const char *name,
                     struct hutch_error **err) {
  if (!valid_ctr_name(name))
    return hutch_error_set(
        err, EINVAL, "invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
        name);
  if (lock_again(c, err) < 0)
    return -1;
  struct hutch_error *rerr = NULL;
  int r = hutch_ctr_set_name(c, name, &rerr);
  if (r == -EEXIST) {
    hutch_error_free(rerr);
    return hutch_error_set(err, EEXIST, "Conflict. The container name \"/%s\" is already in use",
                           name);
  }
  if (r < 0 && err && !*err)
    *err = rerr;
  else
    hutch_error_free(rerr);
  return r;
}

static json_t *inspect_state(struct hutch_engine *e, struct hutch_ctr *c) {
  const char *status = hutch_ctr_status(e, c);
  bool running = strcmp(status, "running") == 0 || strcmp(status, "paused") == 0;
  return json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}", "Status", status,
                   "Running", running, "Paused", strcmp(status, "paused") == 0, "Restarting",
                   strcmp(status, "restarting") == 0, "OOMKilled", c->st.oom_killed, "Dead",
                   c->st.dead, "Pid", running ? c->st.pid : 0, "ExitCode", c->st.exit_code, "Error",
                   c->st.error ? c->st.error : "", "StartedAt", c->st.started_at, "FinishedAt",
                   c->st.finished_at);
}

json_t *hutch_ctr_inspect(struct hutch_engine *e, struct hutch_ctr *c) {
  char name[300];
  snprintf(name, sizeof(name), "/%s", c->name);
  json_t *j = json_pack("{s:s, s:s, s:s, s:O, s:o}", "Id", c->id, "Created", c->created, "Path",
                        c->cfg.path, "Args", c->cfg.args ? c->cfg.args : json_null(), "State",
                        inspect_state(e, c));
  if (!j)
    return NULL;
  const char *k;
  json_t *v;
  json_object_foreach(c->rec, k, v) if (!json_object_get(j, k) && strcmp(k, "Hutch") &&
                                        strcmp(k, "ImageName")) json_object_set(j, k, v);
  json_object_set_new(j, "Name", json_string(name));
  json_object_set_new(j, "RestartCount", json_integer(c->st.restart_count));
  json_object_set_new(j, "NetworkSettings", hutch_engine_net_inspect(e, c));
  return j;
}
