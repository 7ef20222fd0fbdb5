/* docker create: a new container's name reserved (the given one or a
 * generated one), its dir made and locked, the image held, volumes and
 * binds resolved, the overlay rootfs mounted, the network settled, the
 * OCI spec written and the record saved; on failure, all of it undone. */
#include "create.h"

#include "linux/caps.h"
#include "linux/cgroup.h"
#include "linux/rootless.h"
#include "runtime/state.h"
#include "statedb.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZERO_TIME "0001-01-01T00:00:00Z"

/* ---- the name, the dir, the row ---- */

static const char *const adjectives[] = {
    "admiring", "brave",  "clever", "dazzling", "eager",   "focused",    "gallant",  "happy",
    "jolly",    "keen",   "loving", "modest",   "nifty",   "optimistic", "peaceful", "quirky",
    "relaxed",  "serene", "tender", "upbeat",   "vibrant", "wizardly",   "youthful", "zealous"};
static const char *const surnames[] = {
    "babbage", "curie",    "darwin",   "einstein", "feynman", "galileo", "hopper",  "hypatia",
    "johnson", "kepler",   "lovelace", "meitner",  "newton",  "noether", "pasteur", "ritchie",
    "shannon", "thompson", "turing",   "wozniak",  "yonath",  "lamport", "knuth",   "liskov"};

/* The container dir appears under its id already locked and with its row
 * (complete=0) in the database: it is made as .new-<pid>-<start>-<id>
 * (ours), locked, renamed
 * to .creating-<id> (from here the reaper may look at it: it is locked),
 * the row inserted, then renamed to <id>. hutch_ctr_reap() removes what a
 * killed create left once its lock is free. */
static int make_locked_dir(struct hutch_engine *e, struct hutch_ctr *c, char **tmp,
                           struct hutch_error **err) {
  _cleanup_free_ char *fresh = NULL;
  if (asprintf(&fresh, "%s/" HUTCH_CTR_NEW_PREFIX "%d-%llu-%s", e->containers_dir, (int)getpid(),
               hutch_pid_start_time(getpid()), c->id) < 0 ||
      asprintf(tmp, "%s/" HUTCH_CTR_CREATING_PREFIX "%s", e->containers_dir, c->id) < 0) {
    *tmp = NULL;
    return hutch_error_set(err, ENOMEM, "container dir");
  }
  if (mkdir(fresh, 0700) < 0)
    return hutch_error_set(err, errno, "create %s", fresh);
  c->dirfd = open(fresh, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->dirfd >= 0)
    c->lockfd = openat(c->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (c->dirfd < 0 || c->lockfd < 0 || flock(c->lockfd, LOCK_EX) < 0 || rename(fresh, *tmp) < 0) {
    int r = hutch_error_set(err, errno, "create %s", fresh);
    hutch_rm_rf(fresh);
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
      return hutch_error_say(
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

/* ---- helpers ---- */

static bool swap_limit_supported(void) {
  return access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0 ||
         access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
}

/* Our bounding set, from /proc/self/status. */
static uint64_t own_bounding_set(void) {
  return hutch_read_file_key("/proc/self/status", "CapBnd:", 16);
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
  return hutch_ctr_path(c, "init");
}

/* ---- mounts ---- */

/* The image's VOLUMEs that no mount covers, as anonymous volumes. */
static int add_image_volumes(struct hutch_run_opts *o, const struct hutch_image_config *img,
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
  return 0;
}

/* A bind source made absolute, and created first when missing (as -v
 * does in docker). */
static int bind_source(struct hutch_mount_req *m, struct hutch_error **err) {
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
  return 0;
}

/* One mount request resolved (a volume to its _data dir, made when new),
 * and its entry in the record's Mounts in *rec. */
static int resolve_mount(struct hutch_engine *e, struct hutch_mount_req *m, json_t *anon,
                         json_t **rec, struct hutch_error **err) {
  if (m->type == HUTCH_MOUNT_VOLUME) {
    bool anonymous = m->source == NULL;
    _cleanup_free_ char *name = NULL;
    if (hutch_volume_create(e, m->source, anonymous, NULL, &name, &m->host_path, err) < 0)
      return -1;
    if (anonymous)
      json_array_append_new(anon, json_string(name));
    *rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "volume", "Name", name,
                     "Source", m->host_path, "Destination", m->target, "Driver", "local", "Mode",
                     "z", "RW", !m->readonly, "Propagation", "");
  } else if (m->type == HUTCH_MOUNT_BIND) {
    if (bind_source(m, err) < 0)
      return -1;
    *rec = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "bind", "Source", m->source,
                     "Destination", m->target, "Mode", "", "RW", !m->readonly, "Propagation",
                     "rprivate");
  } else {
    *rec = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "tmpfs", "Source", "", "Destination",
                     m->target, "Mode", m->options ? m->options : "", "RW", !m->readonly,
                     "Propagation", "");
  }
  return 0;
}

/* Mount requests: volumes resolved to their _data dirs, bind sources made
 * absolute, the image's VOLUMEs not covered by a mount given anonymous
 * volumes; the record's Mounts and AnonVolumes in x. */
static int resolve_mounts(struct hutch_create *x, struct hutch_error **err) {
  struct hutch_run_opts *o = x->o;
  if (add_image_volumes(o, x->img->config, err) < 0)
    return -1;
  for (size_t i = 0; i < o->n_mounts; i++) {
    json_t *rec = NULL;
    if (resolve_mount(x->e, &o->mounts[i], x->anon, &rec, err) < 0)
      return -1;
    json_array_append_new(x->mounts, rec);
  }
  return 0;
}

/* ---- the steps ---- */

/* The options create refuses before it makes anything. */
/* The rootfs dirs, and the hold on the image that keeps its layers. */
static int make_dirs_hold_image(struct hutch_create *x, struct hutch_error **err) {
  struct hutch_ctr *c = x->c;
  static const char *const sub[] = {"upper", "work", "merged"};
  for (size_t i = 0; i < ARRAY_SIZE(sub); i++)
    if (mkdirat(c->dirfd, sub[i], 0755) < 0)
      return hutch_error_set(err, errno, "create %s/%s", c->dir, sub[i]);
  struct hutch_store *store;
  /* hold by the manifest digest, the store's key: the Id (config digest)
   * is shared by images that differ only in their layers' compression
   * (the same image pushed gzip and zstd), and ambiguous to the store */
  if (hutch_engine_store(x->e, &store, err) < 0 ||
      hutch_image_hold(store, c->id, x->img->manifest_digest, err) < 0)
    return -1;
  return 0;
}

/* The overlay mounted, new volumes filled from the image, and the image's
 * /etc/passwd and /etc/group read for the spec. */
static int make_rootfs(struct hutch_create *x, struct hutch_error **err) {
  struct hutch_run_opts *o = x->o;
  x->merged = hutch_ctr_path(x->c, "merged");
  x->upper = hutch_ctr_path(x->c, "upper");
  x->work = hutch_ctr_path(x->c, "work");
  if (hutch_overlay_mount(x->img->layer_dirs, x->img->n_layers, x->upper, x->work, x->merged, err) <
      0)
    return -1;
  for (size_t i = 0; i < o->n_mounts; i++)
    if (o->mounts[i].type == HUTCH_MOUNT_VOLUME &&
        hutch_volume_copy_up(x->merged, o->mounts[i].target, o->mounts[i].host_path, err) < 0)
      return -1;
  if (hutch_read_user_db(x->merged, "/etc/passwd", &x->passwd, err) < 0 ||
      hutch_read_user_db(x->merged, "/etc/group", &x->group, err) < 0)
    return -1;
  return 0;
}

/* --init's copy of hutch-init, --security-opt seccomp=FILE's text, and
 * the network (netrecord.c: mode, netns path, the /etc files). */
static int prepare_process(struct hutch_create *x, struct hutch_error **err) {
  struct hutch_run_opts *o = x->o;
  if (o->init && !(x->init_path = private_init_copy(x->c, err)))
    return -1;
  if (o->seccomp && strcmp(o->seccomp, "unconfined") != 0) {
    size_t len;
    int r = hutch_read_file(o->seccomp, &x->seccomp, &len);
    if (r < 0)
      return hutch_error_set(err, r, "opening seccomp profile (%s) failed", o->seccomp);
  }
  const struct hutch_image_config *ic = x->img->config;
  if (hutch_engine_net_prepare(x->e, o, x->c->id, x->c->name, x->c->dir,
                               ic ? ic->exposed_ports : NULL, &x->net, err) < 0)
    return -1;
  if (o->ipc_mode && strcmp(o->ipc_mode, "shareable") == 0) {
    if (hutch_ctr_shm_mount(x->c->dir, o->shm_size, err) < 0 ||
        !(o->shm_bind = hutch_ctr_path(x->c, "shm")))
      return -1;
  }
  /* container:X gets X's hostname (docker's rule); the spec takes it from o */
  if (!o->hostname && x->net.mode == HUTCH_NETMODE_CONTAINER && x->net.hostname)
    o->hostname = strdup(x->net.hostname);
  return 0;
}

/* Rootless without a cgroup (linux/rootless.h): the limits cannot apply.
 * As podman, say so once and run without them; the device rules stay
 * (the runtime applies them as mounts, not through a cgroup). */
static void drop_limits(json_t *spec) {
  json_t *res = json_object_get(json_object_get(spec, "linux"), "resources");
  const char *key;
  json_t *v;
  void *tmp;
  bool dropped = false;
  json_object_foreach_safe(res, tmp, key, v) {
    if (strcmp(key, "devices") == 0)
      continue;
    json_object_del(res, key);
    dropped = true;
  }
  enum hutch_cgroup_mode mode = HUTCH_CGROUP_V1;
  struct hutch_error *e = NULL;
  if (hutch_cgroup_detect(&mode, &e) < 0)
    hutch_error_free(e);
  if (dropped)
    fprintf(stderr, "%s\n",
            mode == HUTCH_CGROUP_V2 ? HUTCH_ROOTLESS_NO_LIMITS_WARNING_V2
                                    : HUTCH_ROOTLESS_NO_LIMITS_WARNING);
}

/* The OCI spec, written as the bundle's config.json. */
static int write_spec(struct hutch_create *x, struct hutch_error **err) {
  char host_hn[256] = "";
  gethostname(host_hn, sizeof(host_hn) - 1);
  struct hutch_spec_input in = {
      .id = x->c->id,
      .o = x->o,
      .img = x->img->config,
      .rootfs = x->merged,
      .passwd = x->passwd,
      .group = x->group,
      .init_path = x->init_path,
      .netns_path = x->net.netns_path,
      .seccomp_profile = x->seccomp,
      .host_hostname = host_hn,
      .etc_hostname = x->net.hostname_path,
      .etc_hosts = x->net.hosts_path,
      .etc_resolv = x->net.resolv_path,
      .swap_limit_supported = swap_limit_supported(),
      .cap_last = hutch_cap_last(),
      .host_caps = own_bounding_set(),
  };
  if (hutch_spec_generate(&in, &x->spec, err) < 0)
    return -1;
  if (hutch_rootless_without_cgroup())
    drop_limits(x->spec);
  _cleanup_free_ char *text = json_dumps(x->spec, JSON_INDENT(2));
  if (!text)
    return -1;
  return write_text(x->c->dirfd, "config.json", text, !x->o->rm, err);
}

static void create_clear(struct hutch_create *x) {
  free(x->merged);
  free(x->upper);
  free(x->work);
  free(x->passwd);
  free(x->group);
  free(x->init_path);
  free(x->seccomp);
  hutch_engine_net_plan_clear(&x->net);
  if (x->mounts)
    json_decref(x->mounts);
  if (x->anon)
    json_decref(x->anon);
  if (x->spec)
    json_decref(x->spec);
}

static int create_steps(struct hutch_create *x, struct hutch_error **err) {
  if (make_dirs_hold_image(x, err) < 0 || resolve_mounts(x, err) < 0 || make_rootfs(x, err) < 0 ||
      prepare_process(x, err) < 0 || write_spec(x, err) < 0 || hutch_create_record(x, err) < 0)
    return -1;
  return hutch_ctr_save(x->c, err);
}

int hutch_ctr_create(struct hutch_engine *e, const char *image_ref, struct hutch_image *img,
                     struct hutch_run_opts *o, struct hutch_ctr **out, struct hutch_error **err) {
  struct hutch_create x = {.e = e, .image_ref = image_ref, .img = img, .o = o};
  if (hutch_create_check(&x, err) < 0)
    return -1;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (ctr_begin(e, o->name, &c, err) < 0)
    return -1;
  x.c = c;
  x.mounts = json_array();
  x.anon = json_array();
  int ret = create_steps(&x, err);
  create_clear(&x);
  if (ret < 0) {
    hutch_ctr_cleanup_unrecorded(e, c->id, c->dir);
    return -1;
  }
  hutch_ctr_event(c, "create", NULL);
  *out = TAKE_PTR(c);
  return 0;
}
