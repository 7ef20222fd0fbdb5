/* The backend-independent half of the cgroup layer: detecting the host
 * layout (v1, v2, hybrid) once from /proc/self/mountinfo and
 * /proc/self/cgroup, resolving linux.cgroupsPath per hierarchy the way
 * runc's cgroupfs driver does, making and removing directories (and
 * remembering which ones we made), the knob read/write helpers, and
 * dispatch through the backend's ops table (cgroup_v1.c, cgroup_v2.c). */
#include "linux/cgroup.h"
#include "linux/cgroup_internal.h"
#include "linux/mountinfo.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- layout detection ---- */

static const char *const v1_subsystems[] = {
    "cpu",      "cpuacct", "cpuset",     "memory",  "devices", "freezer", "net_cls",
    "net_prio", "blkio",   "perf_event", "hugetlb", "pids",    "rdma",    "misc",
};

static bool is_v1_subsystem(const char *s) {
  for (size_t i = 0; i < ARRAY_SIZE(v1_subsystems); i++)
    if (strcmp(s, v1_subsystems[i]) == 0)
      return true;
  return false;
}

bool hutch_cgroup_controllers_have(const char *controllers, const char *controller) {
  size_t n = strlen(controller);
  for (const char *p = controllers; p && *p;) {
    const char *e = strchr(p, ',');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    if (l == n && strncmp(p, controller, n) == 0)
      return true;
    p = e ? e + 1 : NULL;
  }
  return false;
}

/* Same set of comma-separated names, in any order. */
static bool same_controllers(const char *a, const char *b) {
  size_t na = 0, nb = 0;
  for (const char *p = a; *p; p++)
    na += *p == ',';
  for (const char *p = b; *p; p++)
    nb += *p == ',';
  if (na != nb || (*a == 0) != (*b == 0))
    return false;
  _cleanup_free_ char *copy = strdup(a);
  if (copy == NULL)
    return false;
  char *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
    if (!hutch_cgroup_controllers_have(b, t))
      return false;
  return true;
}

void hutch_cgroup_layout_free(struct hutch_cgroup_layout *l) {
  if (l == NULL)
    return;
  for (size_t i = 0; i < l->n_mounts; i++) {
    free(l->mounts[i].controllers);
    free(l->mounts[i].mountpoint);
    free(l->mounts[i].root);
    free(l->mounts[i].self);
  }
  free(l->mounts);
  free(l);
}

static void layout_freep(struct hutch_cgroup_layout **l) {
  hutch_cgroup_layout_free(*l);
}

static int layout_add(struct hutch_cgroup_layout *l, const char *controllers,
                      const char *mountpoint, const char *root, bool v2) {
  struct hutch_cgroup_mount *m = realloc(l->mounts, (l->n_mounts + 1) * sizeof(*m));
  if (m == NULL)
    return -ENOMEM;
  l->mounts = m;
  m = &l->mounts[l->n_mounts];
  *m = (struct hutch_cgroup_mount){.controllers = strdup(controllers),
                                   .mountpoint = strdup(mountpoint),
                                   .root = strdup(root),
                                   .v2 = v2};
  l->n_mounts++;
  if (!m->controllers || !m->mountpoint || !m->root)
    return -ENOMEM;
  return 0;
}

/* The path of the caller's cgroup as seen inside the mount: /proc/self/cgroup
 * names it from the hierarchy root, the mount may show a sub-tree. */
static char *self_in_mount(const char *self, const char *root) {
  if (strcmp(root, "/") != 0 && hutch_str_has_prefix(self, root)) {
    size_t l = strlen(root);
    if (self[l] == 0)
      return strdup("/");
    if (self[l] == '/')
      return strdup(self + l);
  }
  return strdup(self);
}

int hutch_cgroup_parse_layout(const char *mountinfo, const char *self_cgroup,
                              struct hutch_cgroup_layout **out, struct hutch_error **err) {
  _cleanup_(layout_freep) struct hutch_cgroup_layout *l = calloc(1, sizeof(*l));
  _cleanup_free_ char *mi = strdup(mountinfo);
  if (l == NULL || mi == NULL)
    return hutch_error_set(err, ENOMEM, "cgroup layout");
  int have_v2 = -1;
  char *save = NULL;
  for (char *line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    struct hutch_mountinfo e;
    if (hutch_mountinfo_parse_line(line, &e) < 0)
      continue;
    char *fstype = e.fstype, *superopts = e.superopts, *root = e.root, *mp = e.mountpoint;
    int r = 0;
    if (strcmp(fstype, "cgroup2") == 0) {
      /* Prefer /sys/fs/cgroup or /sys/fs/cgroup/unified over stray mounts. */
      if (have_v2 < 0 || strcmp(mp, "/sys/fs/cgroup") == 0) {
        if (have_v2 >= 0) {
          struct hutch_cgroup_mount *m = &l->mounts[have_v2];
          free(m->mountpoint);
          free(m->root);
          m->mountpoint = strdup(mp);
          m->root = strdup(root);
          if (!m->mountpoint || !m->root)
            return hutch_error_set(err, ENOMEM, "cgroup layout");
          continue;
        }
        have_v2 = (int)l->n_mounts;
        r = layout_add(l, "", mp, root, true);
      }
    } else if (strcmp(fstype, "cgroup") == 0 && superopts) {
      char ctl[256] = "";
      char *osave = NULL;
      for (char *o = strtok_r(superopts, ",", &osave); o; o = strtok_r(NULL, ",", &osave)) {
        if (!is_v1_subsystem(o) && !hutch_str_has_prefix(o, "name="))
          continue;
        if (strlen(ctl) + strlen(o) + 2 > sizeof(ctl))
          return hutch_error_set(err, E2BIG, "cgroup layout: too many controllers at %s", mp);
        if (*ctl)
          strcat(ctl, ",");
        strcat(ctl, o);
      }
      if (*ctl == 0)
        continue;
      bool dup = false;
      for (size_t i = 0; i < l->n_mounts; i++)
        dup |= !l->mounts[i].v2 && same_controllers(l->mounts[i].controllers, ctl);
      if (!dup)
        r = layout_add(l, ctl, mp, root, false);
    }
    if (r < 0)
      return hutch_error_set(err, r, "cgroup layout");
  }
  /* keep the cgroup2 mount last, after the v1 hierarchies */
  if (have_v2 >= 0 && (size_t)have_v2 != l->n_mounts - 1) {
    struct hutch_cgroup_mount v2 = l->mounts[have_v2];
    memmove(&l->mounts[have_v2], &l->mounts[have_v2 + 1],
            (l->n_mounts - 1 - (size_t)have_v2) * sizeof(v2));
    l->mounts[l->n_mounts - 1] = v2;
  }

  /* Match each hierarchy with the caller's cgroup in it. */
  _cleanup_free_ char *sc = strdup(self_cgroup);
  if (sc == NULL)
    return hutch_error_set(err, ENOMEM, "cgroup layout");
  save = NULL;
  for (char *line = strtok_r(sc, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL)
      continue;
    *c2 = 0;
    const char *ctl = c1 + 1, *path = c2 + 1;
    for (size_t i = 0; i < l->n_mounts; i++) {
      struct hutch_cgroup_mount *m = &l->mounts[i];
      /* v2 line: "0::/path" */
      bool match = m->v2 ? *ctl == 0 && strcmp(line, "0:") == 0
                         : *ctl != 0 && same_controllers(m->controllers, ctl);
      if (match && m->self == NULL && (m->self = self_in_mount(path, m->root)) == NULL)
        return hutch_error_set(err, ENOMEM, "cgroup layout");
    }
  }
  size_t n_ctl = 0;
  for (size_t i = 0; i < l->n_mounts; i++) {
    struct hutch_cgroup_mount *m = &l->mounts[i];
    if (m->self == NULL && (m->self = strdup("/")) == NULL)
      return hutch_error_set(err, ENOMEM, "cgroup layout");
    /* a named hierarchy alone (name=systemd) carries no controller */
    if (!m->v2 && !hutch_str_has_prefix(m->controllers, "name="))
      n_ctl++;
  }
  if (n_ctl > 0)
    l->mode = have_v2 >= 0 ? HUTCH_CGROUP_HYBRID : HUTCH_CGROUP_V1;
  else if (have_v2 >= 0)
    l->mode = HUTCH_CGROUP_V2;
  else
    return hutch_error_set(err, ENOENT, "cgroup: no cgroup hierarchy is mounted");
  *out = TAKE_PTR(l);
  return 0;
}

static struct hutch_cgroup_layout *host_layout;

static int get_layout(struct hutch_cgroup_layout **out, struct hutch_error **err) {
  if (host_layout == NULL) {
    _cleanup_free_ char *mi = NULL, *self = NULL;
    int r = hutch_read_file("/proc/self/mountinfo", &mi, NULL);
    if (r < 0)
      return hutch_error_set(err, r, "read /proc/self/mountinfo");
    r = hutch_read_file("/proc/self/cgroup", &self, NULL);
    if (r < 0)
      return hutch_error_set(err, r, "read /proc/self/cgroup");
    struct hutch_cgroup_layout *l = NULL;
    r = hutch_cgroup_parse_layout(mi, self, &l, err);
    if (r < 0)
      return r;
    host_layout = l;
    hutch_debug("cgroup: host layout %s", hutch_cgroup_mode_name(l->mode));
  }
  *out = host_layout;
  return 0;
}

int hutch_cgroup_detect(enum hutch_cgroup_mode *mode, struct hutch_error **err) {
  struct hutch_cgroup_layout *l;
  int r = get_layout(&l, err);
  if (r < 0)
    return r;
  *mode = l->mode;
  return 0;
}

const char *hutch_cgroup_mode_name(enum hutch_cgroup_mode mode) {
  switch (mode) {
  case HUTCH_CGROUP_V1:
    return "v1";
  case HUTCH_CGROUP_V2:
    return "v2";
  case HUTCH_CGROUP_HYBRID:
    return "hybrid";
  }
  return "unknown";
}

/* ---- paths ---- */

char *hutch_cgroup_clean_path(const char *path) {
  size_t n = strlen(path);
  char *out = malloc(n + 2);
  if (out == NULL)
    return NULL;
  size_t w = 0;
  for (const char *p = path; *p;) {
    while (*p == '/')
      p++;
    const char *e = strchrnul(p, '/');
    size_t l = (size_t)(e - p);
    if (l == 0 || (l == 1 && p[0] == '.')) {
      /* skip */
    } else if (l == 2 && p[0] == '.' && p[1] == '.') {
      /* lexical "..", never above the hierarchy root */
      while (w > 0 && out[w - 1] != '/')
        w--;
      if (w > 0)
        w--;
    } else {
      out[w++] = '/';
      memcpy(out + w, p, l);
      w += l;
    }
    p = e;
  }
  if (w == 0)
    out[w++] = '/';
  out[w] = 0;
  return out;
}

char *hutch_cgroup_join_path(const char *self, const char *path) {
  if (path[0] == '/')
    return hutch_cgroup_clean_path(path);
  _cleanup_free_ char *j = NULL;
  if (asprintf(&j, "%s/%s", self, path) < 0)
    return NULL;
  return hutch_cgroup_clean_path(j);
}

char *hutch_cgroup_resolve_path(const char *cgroups_path, const char *id) {
  char *r = NULL;
  if (cgroups_path == NULL || *cgroups_path == 0) {
    if (asprintf(&r, "/hutch/%s", id) < 0)
      return NULL;
    return r;
  }
  if (cgroups_path[0] == '/')
    return hutch_cgroup_clean_path(cgroups_path);
  /* Relative: stays relative; create()/open() put it below the caller's
   * cgroup in each hierarchy, which may differ per hierarchy on v1. */
  _cleanup_free_ char *c = hutch_cgroup_clean_path(cgroups_path);
  if (c == NULL)
    return NULL;
  return strdup(strcmp(c, "/") == 0 ? "." : c + 1);
}

/* hutch_cgroup_path() of a cgroup whose path differs between hierarchies
 * (a relative cgroupsPath on a host where the caller's cgroups differ, like
 * memory:/process_api/… here) is "controllers:/path;controllers:/path…". */
static bool is_encoded(const char *path) {
  if (path[0] == '/' || strstr(path, ":/") == NULL)
    return false;
  return true;
}

static char *encoded_lookup(const char *enc, const char *controllers) {
  _cleanup_free_ char *copy = strdup(enc);
  if (copy == NULL)
    return NULL;
  char *save = NULL;
  for (char *e = strtok_r(copy, ";", &save); e; e = strtok_r(NULL, ";", &save)) {
    char *sep = strstr(e, ":/");
    if (sep == NULL)
      continue;
    *sep = 0;
    if (same_controllers(e, controllers))
      return hutch_cgroup_clean_path(sep + 1);
  }
  return NULL;
}

static void dir_clear(struct hutch_cgroup_dir *d) {
  free(d->controllers);
  free(d->mountpoint);
  free(d->path);
  free(d->dir);
  hutch_strv_free(d->made);
}

void hutch_cgroup_free(struct hutch_cgroup *cg) {
  if (cg == NULL)
    return;
  int saved = errno;
  for (size_t i = 0; i < cg->n_dirs; i++)
    dir_clear(&cg->dirs[i]);
  free(cg->dirs);
  free(cg->path);
  if (cg->clone_fd >= 0)
    close(cg->clone_fd);
  free(cg->backend);
  free(cg);
  errno = saved;
}

static void cgroup_freep(struct hutch_cgroup **cg) {
  hutch_cgroup_free(*cg);
}

static int add_dir(struct hutch_cgroup *cg, const struct hutch_cgroup_mount *m, const char *path) {
  struct hutch_cgroup_dir *d = realloc(cg->dirs, (cg->n_dirs + 1) * sizeof(*d));
  if (d == NULL)
    return -ENOMEM;
  cg->dirs = d;
  d = &cg->dirs[cg->n_dirs++];
  *d = (struct hutch_cgroup_dir){.v2 = m->v2};
  d->controllers = strdup(m->controllers);
  d->mountpoint = strdup(m->mountpoint);
  if (is_encoded(path))
    d->path = encoded_lookup(path, m->controllers);
  else
    d->path = hutch_cgroup_join_path(m->self, path);
  if (!d->controllers || !d->mountpoint || !d->path)
    return -ENOMEM;
  if (asprintf(&d->dir, "%s%s", m->mountpoint, strcmp(d->path, "/") == 0 ? "" : d->path) < 0) {
    d->dir = NULL;
    return -ENOMEM;
  }
  return 0;
}

static int compute_path(struct hutch_cgroup *cg) {
  bool same = true;
  for (size_t i = 1; i < cg->n_dirs; i++)
    same &= strcmp(cg->dirs[i].path, cg->dirs[0].path) == 0;
  if (same) {
    cg->path = strdup(cg->dirs[0].path);
    return cg->path ? 0 : -ENOMEM;
  }
  size_t len = 1;
  for (size_t i = 0; i < cg->n_dirs; i++)
    len += strlen(cg->dirs[i].controllers) + strlen(cg->dirs[i].path) + 2;
  char *p = calloc(1, len);
  if (p == NULL)
    return -ENOMEM;
  for (size_t i = 0; i < cg->n_dirs; i++) {
    if (i)
      strcat(p, ";");
    strcat(p, cg->dirs[i].controllers);
    strcat(p, ":");
    strcat(p, cg->dirs[i].path);
  }
  cg->path = p;
  return 0;
}

static int cgroup_new(const struct hutch_cgroup_layout *l, const char *path,
                      struct hutch_cgroup **out, struct hutch_error **err) {
  _cleanup_(cgroup_freep) struct hutch_cgroup *cg = calloc(1, sizeof(*cg));
  if (cg == NULL)
    return hutch_error_set(err, ENOMEM, "cgroup %s", path);
  cg->clone_fd = -EBADF;
  cg->mode = l->mode;
  cg->ops = l->mode == HUTCH_CGROUP_V2 ? &hutch_cgroup_v2_ops : &hutch_cgroup_v1_ops;
  for (size_t i = 0; i < l->n_mounts; i++) {
    /* A pure v2 host ignores any leftover named v1 mount. */
    if (l->mode == HUTCH_CGROUP_V2 && !l->mounts[i].v2)
      continue;
    int r = add_dir(cg, &l->mounts[i], path);
    if (r < 0)
      return hutch_error_set(err, r, "cgroup %s", path);
  }
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (strcmp(cg->dirs[i].path, "/") == 0)
      return hutch_error_set(err, EINVAL, "cgroup %s: refusing to use a hierarchy root (%s)", path,
                             cg->dirs[i].mountpoint);
  int r = compute_path(cg);
  if (r < 0)
    return hutch_error_set(err, r, "cgroup %s", path);
  *out = TAKE_PTR(cg);
  return 0;
}

/* ---- directories ---- */

int hutch_cgroup_walk(const struct hutch_cgroup_dir *d,
                      int (*fn)(const char *parent, const char *cur, void *ud), void *ud) {
  _cleanup_free_ char *parent = strdup(d->mountpoint);
  if (parent == NULL)
    return -ENOMEM;
  for (const char *p = d->path; *p;) {
    while (*p == '/')
      p++;
    if (*p == 0)
      break;
    const char *e = strchrnul(p, '/');
    _cleanup_free_ char *cur = NULL;
    if (asprintf(&cur, "%s/%.*s", parent, (int)(e - p), p) < 0)
      return -ENOMEM;
    int r = fn(parent, cur, ud);
    if (r < 0)
      return r;
    free(parent);
    parent = TAKE_PTR(cur);
    p = e;
  }
  return 0;
}

struct mkdir_ctx {
  struct hutch_cgroup_dir *d;
  struct hutch_error **err;
};

static int mkdir_one(const char *parent, const char *cur, void *ud) {
  struct mkdir_ctx *c = ud;
  if (mkdir(cur, 0755) == 0) {
    hutch_debug("cgroup: mkdir %s", cur);
    if (hutch_strv_push(&c->d->made, cur) < 0)
      return hutch_error_set(c->err, ENOMEM, "mkdir %s", cur);
  } else if (errno != EEXIST) {
    return hutch_error_set(c->err, errno, "mkdir %s", cur);
  }
  return 0;
}

/* mkdir -p, remembering which levels did not exist before. */
static int mkdir_tracked(struct hutch_cgroup_dir *d, struct hutch_error **err) {
  struct mkdir_ctx c = {d, err};
  int r = hutch_cgroup_walk(d, mkdir_one, &c);
  return r == -ENOMEM ? hutch_error_set(err, r, "mkdir %s", d->dir) : r;
}

static int rmdir_retry(const char *path) {
  /* rmdir races with the kernel finishing off exited tasks: -EBUSY for a
   * moment after cgroup.procs reads empty. */
  /* Back off from 100 us up to 10 ms steps, about 2 s in all: the usual
   * wait is well under a millisecond and container teardown is on the
   * path every `run` waits for. */
  long step_us = 100;
  for (long waited_us = 0; waited_us < 2000000; waited_us += step_us) {
    if (rmdir(path) == 0) {
      hutch_debug("cgroup: rmdir %s", path);
      return 0;
    }
    if (errno == ENOENT)
      return 0;
    if (errno != EBUSY)
      return -errno;
    if (waited_us > 0 && step_us < 10000)
      step_us *= 2;
    struct timespec ts = {0, step_us * 1000};
    nanosleep(&ts, NULL);
  }
  return -EBUSY;
}

static int rmdir_made(struct hutch_cgroup_dir *d, struct hutch_error **err) {
  int ret = 0;
  size_t n = hutch_strv_len(d->made);
  for (size_t i = n; i-- > 0;) {
    int r = rmdir_retry(d->made[i]);
    if (r < 0 && ret == 0)
      ret = hutch_error_set(err, r, "rmdir %s", d->made[i]);
  }
  return ret;
}

/* ---- knobs ---- */

int hutch_cgroup_write(const char *dir, const char *file, const char *value,
                       struct hutch_error **err) {
  _cleanup_free_ char *path = NULL;
  if (asprintf(&path, "%s/%s", dir, file) < 0)
    return hutch_error_set(err, ENOMEM, "write %s", file);
  hutch_debug("cgroup: write %s=%s (%s)", file, value, dir);
  /* hutch_write_file opens with O_CREAT, which cgroupfs answers with a
   * misleading errno for files it does not have: say ENOENT ourselves. */
  if (access(path, F_OK) < 0)
    return hutch_error_set(err, errno, "write %s to %s", value, path);
  int r = hutch_write_file(path, value, strlen(value));
  if (r < 0)
    return hutch_error_set(err, r, "write %s to %s", value, path);
  return 0;
}

int hutch_cgroup_writef(const char *dir, const char *file, struct hutch_error **err,
                        const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *v = NULL;
  int n = vasprintf(&v, fmt, ap);
  va_end(ap);
  if (n < 0)
    return hutch_error_set(err, ENOMEM, "write %s", file);
  return hutch_cgroup_write(dir, file, v, err);
}

bool hutch_cgroup_has_file(const char *dir, const char *file) {
  _cleanup_free_ char *path = NULL;
  if (asprintf(&path, "%s/%s", dir, file) < 0)
    return false;
  return access(path, F_OK) == 0;
}

int hutch_cgroup_read(const char *dir, const char *file, char **out) {
  _cleanup_free_ char *path = NULL;
  if (asprintf(&path, "%s/%s", dir, file) < 0)
    return -ENOMEM;
  return hutch_read_file(path, out, NULL);
}

int hutch_cgroup_read_u64(const char *dir, const char *file, uint64_t *out) {
  _cleanup_free_ char *s = NULL;
  int r = hutch_cgroup_read(dir, file, &s);
  if (r < 0)
    return r;
  if (strncmp(s, "max", 3) == 0) {
    *out = UINT64_MAX;
    return 0;
  }
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s)
    return -EINVAL;
  *out = v;
  return 0;
}

int hutch_cgroup_read_key(const char *dir, const char *file, const char *key, uint64_t *out) {
  _cleanup_free_ char *s = NULL;
  int r = hutch_cgroup_read(dir, file, &s);
  if (r < 0)
    return r;
  size_t kl = strlen(key);
  for (char *line = s; line && *line;) {
    char *nl = strchr(line, '\n');
    if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
      *out = strtoull(line + kl + 1, NULL, 10);
      return 0;
    }
    line = nl ? nl + 1 : NULL;
  }
  return -ENOENT;
}

uint64_t hutch_cgroup_stat(const char *dir, const char *file) {
  uint64_t v = 0;
  if (dir == NULL || hutch_cgroup_read_u64(dir, file, &v) < 0)
    return 0;
  return v;
}

uint64_t hutch_cgroup_stat_key(const char *dir, const char *file, const char *key) {
  uint64_t v = 0;
  if (dir == NULL || hutch_cgroup_read_key(dir, file, key, &v) < 0)
    return 0;
  return v;
}

json_t *hutch_cgroup_stat_raw(const char *dir, const char *file) {
  json_t *o = json_object();
  _cleanup_free_ char *s = NULL;
  if (o == NULL || dir == NULL || hutch_cgroup_read(dir, file, &s) < 0)
    return o;
  char *save = NULL;
  for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *sp = strchr(line, ' ');
    if (sp == NULL)
      continue;
    *sp = 0;
    json_object_set_new(o, line, json_integer((json_int_t)strtoull(sp + 1, NULL, 10)));
  }
  return o;
}

static int pids_push(pid_t **pids, size_t *n, pid_t p) {
  for (size_t i = 0; i < *n; i++)
    if ((*pids)[i] == p)
      return 0;
  pid_t *np = realloc(*pids, (*n + 1) * sizeof(pid_t));
  if (np == NULL)
    return -ENOMEM;
  *pids = np;
  np[(*n)++] = p;
  return 0;
}

int hutch_cgroup_collect_pids(const char *dir, pid_t **pids, size_t *n) {
  _cleanup_free_ char *s = NULL;
  int r = hutch_cgroup_read(dir, "cgroup.procs", &s);
  if (r < 0)
    return r;
  for (char *p = s; *p;) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p)
      break;
    if (v > 0 && (r = pids_push(pids, n, (pid_t)v)) < 0)
      return r;
    p = end;
    while (*p == '\n')
      p++;
  }
  _cleanup_closedir_ DIR *d = opendir(dir);
  if (d == NULL)
    return -errno;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_type != DT_DIR || de->d_name[0] == '.')
      continue;
    _cleanup_free_ char *sub = NULL;
    if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
      return -ENOMEM;
    r = hutch_cgroup_collect_pids(sub, pids, n);
    if (r < 0 && r != -ENOENT)
      return r;
  }
  return 0;
}

static bool has_line(const char *s, const char *want) {
  size_t wl = strlen(want);
  for (const char *line = s; line && *line;) {
    if (strncmp(line, want, wl) == 0 && (line[wl] == '\n' || line[wl] == 0))
      return true;
    line = strchr(line, '\n');
    if (line)
      line++;
  }
  return false;
}

int hutch_cgroup_wait_line(const char *dir, const char *file, const char *want, int timeout_ms) {
  for (int waited = 0;; waited += 5) {
    _cleanup_free_ char *s = NULL;
    int r = hutch_cgroup_read(dir, file, &s);
    if (r < 0)
      return r;
    if (has_line(s, want))
      return 0;
    if (waited >= timeout_ms)
      return -ETIMEDOUT;
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

int hutch_cgroup_kill_frozen(struct hutch_cgroup *cg, struct hutch_cgroup_dir *d, int sig,
                             struct hutch_error **err) {
  /* A paused container stays paused for ordinary signals (they are
   * delivered on resume); SIGKILL must thaw, or the tasks never die. */
  bool was_frozen = cg->ops->is_frozen(cg) == 1;
  int r = cg->ops->freeze(cg, true, err);
  if (r < 0)
    return hutch_error_wrap(err, "kill %s", d->dir);
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  r = hutch_cgroup_collect_pids(d->dir, &pids, &n);
  int ret = 0;
  if (r < 0)
    ret = hutch_error_set(err, r, "kill: read %s/cgroup.procs", d->dir);
  for (size_t i = 0; i < n; i++) {
    hutch_debug("cgroup: kill %d %d", (int)pids[i], sig);
    if (kill(pids[i], sig) < 0 && errno != ESRCH && ret == 0)
      ret = hutch_error_set(err, errno, "kill %d", (int)pids[i]);
  }
  if (was_frozen && sig != SIGKILL)
    return ret;
  /* Thaw even after an error: frozen tasks cannot act on the signal. */
  r = cg->ops->freeze(cg, false, ret < 0 ? NULL : err);
  return ret < 0 ? ret : r;
}

int hutch_cgroup_write_hugetlb(const char *dir, const struct spec_resources *res, bool v2,
                               struct hutch_error **err) {
  for (size_t i = 0; i < res->n_hugepage_limits; i++) {
    const struct spec_hugepage_limit *h = &res->hugepage_limits[i];
    if (!hutch_cgroup_valid_page_size(h->page_size))
      return hutch_error_set(err, EINVAL, "linux.resources.hugepageLimits: bad pageSize \"%s\"",
                             h->page_size);
    _cleanup_free_ char *file = NULL;
    if (asprintf(&file, v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes", h->page_size) < 0)
      return hutch_error_set(err, ENOMEM, "hugetlb");
    int r = hutch_cgroup_writef(dir, file, err, "%" PRIu64, h->limit);
    if (r < 0)
      return r;
  }
  return 0;
}

int hutch_cgroup_check_before_update(const char *dir, const char *usage_file,
                                     const struct spec_memory *m, struct hutch_error **err) {
  if (!m->has_check_before_update || !m->check_before_update || !m->has_limit || m->limit <= 0)
    return 0;
  uint64_t usage = 0;
  int r = hutch_cgroup_read_u64(dir, usage_file, &usage);
  if (r < 0)
    return hutch_error_set(err, r, "read %s/%s", dir, usage_file);
  if (usage > (uint64_t)m->limit)
    return hutch_error_set(err, EBUSY,
                           "linux.resources.memory.limit: %" PRId64
                           " is below the current usage %" PRIu64 " (checkBeforeUpdate)",
                           m->limit, usage);
  return 0;
}

struct hutch_cgroup_dir *hutch_cgroup_find_dir(struct hutch_cgroup *cg, const char *controller) {
  for (size_t i = 0; i < cg->n_dirs; i++)
    if (!cg->dirs[i].v2 && hutch_cgroup_controllers_have(cg->dirs[i].controllers, controller))
      return &cg->dirs[i];
  return NULL;
}

/* ---- the interface ---- */

/* 1 when dir is frozen or freezing: v1's freezer.state (a frozen
 * ancestor shows through), cgroup2's "frozen" key (on a hybrid host the
 * unified placement dir can be frozen on its own). */
static int dir_frozen(const struct hutch_cgroup_dir *d) {
  if (d->v2) {
    uint64_t v = 0;
    int r = hutch_cgroup_read_key(d->dir, "cgroup.events", "frozen", &v);
    return r == -ENOENT ? 0 : r < 0 ? r : v != 0;
  }
  if (!hutch_cgroup_controllers_have(d->controllers, "freezer"))
    return 0;
  _cleanup_free_ char *s = NULL;
  int r = hutch_cgroup_read(d->dir, "freezer.state", &s);
  return r < 0 ? r : strncmp(s, "THAWED", 6) != 0;
}

/* A target cgroup must be empty and thawed, as runc 1.2 requires: with
 * processes in it, delete would kill strangers along with the container;
 * frozen, the init would stop before reporting back and create would hang
 * in "creating". Checked before any knob is written, so a refused create
 * changes nothing in a cgroup that is not ours. */
static int check_target(struct hutch_cgroup *cg, struct hutch_error **err) {
  for (size_t i = 0; i < cg->n_dirs; i++) {
    const struct hutch_cgroup_dir *d = &cg->dirs[i];
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    int r = hutch_cgroup_collect_pids(d->dir, &pids, &n);
    if (r < 0)
      return hutch_error_set(err, r, "read %s/cgroup.procs", d->dir);
    if (n > 0)
      return hutch_error_set(err, EBUSY,
                             "%s already holds %zu process%s (pid %d): a container needs a "
                             "cgroup of its own",
                             d->dir, n, n == 1 ? "" : "es", (int)pids[0]);
    r = dir_frozen(d);
    if (r < 0)
      return hutch_error_set(err, r, "read the freezer state of %s", d->dir);
    if (r > 0)
      return hutch_error_set(err, EBUSY, "%s is frozen (thaw it or its parent first)", d->dir);
  }
  return 0;
}

static int create_dirs(struct hutch_cgroup *cg, const struct spec_resources *res,
                       struct hutch_error **err) {
  for (size_t i = 0; i < cg->n_dirs; i++) {
    int r = mkdir_tracked(&cg->dirs[i], err);
    if (r < 0)
      return r;
  }
  int r = check_target(cg, err);
  if (r < 0)
    return r;
  struct spec_resources eff;
  if (res)
    hutch_cgroup_effective(res, &eff);
  r = cg->ops->setup(cg, res ? &eff : NULL, err);
  if (r < 0)
    return r;
  if (res && res->present)
    return cg->ops->apply(cg, &eff, err);
  return 0;
}

static void rollback(struct hutch_cgroup *cg) {
  for (size_t i = 0; i < cg->n_dirs; i++)
    rmdir_made(&cg->dirs[i], NULL);
}

/* create=false: reopen; without hutch_cgroup_set_created() only the leaf
 * in each hierarchy counts as ours, as runc assumes. */
static int new_cgroup(const struct hutch_cgroup_layout *l, const char *path, bool create,
                      const struct spec_resources *res, struct hutch_cgroup **out,
                      struct hutch_error **err) {
  _cleanup_(cgroup_freep) struct hutch_cgroup *cg = NULL;
  int r = cgroup_new(l, path, &cg, err);
  if (r < 0)
    return r;
  if (create) {
    r = create_dirs(cg, res, err);
    if (r < 0) {
      rollback(cg);
      return hutch_error_wrap(err, "create cgroup %s", cg->path);
    }
  } else {
    for (size_t i = 0; i < cg->n_dirs; i++)
      if (hutch_strv_push(&cg->dirs[i].made, cg->dirs[i].dir) < 0)
        return hutch_error_set(err, ENOMEM, "open cgroup %s", path);
  }
  *out = TAKE_PTR(cg);
  return 0;
}

int hutch_cgroup_create(const char *path, const struct spec_resources *res,
                        struct hutch_cgroup **out, struct hutch_error **err) {
  struct hutch_cgroup_layout *l;
  int r = get_layout(&l, err);
  return r < 0 ? r : new_cgroup(l, path, true, res, out, err);
}

int hutch_cgroup_v2_open_at(const char *mountpoint, const char *path, bool create,
                            const struct spec_resources *res, struct hutch_cgroup **out,
                            struct hutch_error **err) {
  struct hutch_cgroup_mount m = {.controllers = (char *)"",
                                 .mountpoint = (char *)mountpoint,
                                 .root = (char *)"/",
                                 .self = (char *)"/",
                                 .v2 = true};
  struct hutch_cgroup_layout l = {.mode = HUTCH_CGROUP_V2, .mounts = &m, .n_mounts = 1};
  return new_cgroup(&l, path, create, res, out, err);
}

int hutch_cgroup_open(const char *path, struct hutch_cgroup **out, struct hutch_error **err) {
  struct hutch_cgroup_layout *l;
  int r = get_layout(&l, err);
  return r < 0 ? r : new_cgroup(l, path, false, NULL, out, err);
}

json_t *hutch_cgroup_created(const struct hutch_cgroup *cg) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < cg->n_dirs; i++)
    for (char **p = cg->dirs[i].made; p && *p; p++)
      json_array_append_new(a, json_string(*p));
  return a;
}

int hutch_cgroup_set_created(struct hutch_cgroup *cg, const json_t *created,
                             struct hutch_error **err) {
  if (!json_is_array(created))
    return hutch_error_set(err, EINVAL, "cgroup created dirs: must be an array");
  char ***lists = calloc(cg->n_dirs + 1, sizeof(char **));
  if (lists == NULL)
    return hutch_error_set(err, ENOMEM, "cgroup created dirs");
  int ret = 0;
  size_t i;
  json_t *v;
  json_array_foreach(created, i, v) {
    const char *s = json_string_value(v);
    bool placed = false;
    for (size_t k = 0; s && k < cg->n_dirs && !placed; k++) {
      /* Only the cgroup's own dir or an ancestor below the mountpoint: a
       * state file must not make delete remove unrelated cgroups. */
      const char *dir = cg->dirs[k].dir, *mp = cg->dirs[k].mountpoint;
      size_t sl = strlen(s), ml = strlen(mp);
      if (sl > ml && strncmp(s, mp, ml) == 0 && s[ml] == '/' && strncmp(dir, s, sl) == 0 &&
          (dir[sl] == 0 || dir[sl] == '/')) {
        if (hutch_strv_push(&lists[k], s) < 0)
          ret = hutch_error_set(err, ENOMEM, "cgroup created dirs");
        placed = true;
      }
    }
    if (!placed && ret == 0)
      ret = hutch_error_set(err, EINVAL, "cgroup created dirs: %s is not part of cgroup %s",
                            s ? s : "(not a string)", cg->path);
  }
  for (size_t k = 0; k < cg->n_dirs; k++) {
    if (ret == 0) {
      hutch_strv_free(cg->dirs[k].made);
      cg->dirs[k].made = TAKE_PTR(lists[k]);
    }
    hutch_strv_free(lists[k]);
  }
  free(lists);
  return ret;
}

void hutch_cgroup_freep(struct hutch_cgroup **cg) {
  hutch_cgroup_free(*cg);
}

const char *hutch_cgroup_path(const struct hutch_cgroup *cg) {
  return cg->path;
}

int hutch_cgroup_clone_fd(struct hutch_cgroup *cg) {
  if (cg->mode != HUTCH_CGROUP_V2)
    return -EOPNOTSUPP;
  if (cg->clone_fd < 0) {
    cg->clone_fd = open(cg->dirs[0].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg->clone_fd < 0)
      return -errno;
  }
  return cg->clone_fd;
}

int hutch_cgroup_enter(struct hutch_cgroup *cg, pid_t pid, struct hutch_error **err) {
  for (size_t i = 0; i < cg->n_dirs; i++) {
    int r = hutch_cgroup_writef(cg->dirs[i].dir, "cgroup.procs", err, "%d", (int)pid);
    if (r < 0)
      return hutch_error_wrap(err, "enter cgroup");
  }
  return 0;
}

int hutch_cgroup_update(struct hutch_cgroup *cg, const struct spec_resources *res,
                        struct hutch_error **err) {
  if (res == NULL)
    return 0;
  struct spec_resources eff;
  hutch_cgroup_effective(res, &eff);
  int r = cg->ops->apply(cg, &eff, err);
  return r < 0 ? hutch_error_wrap(err, "update cgroup %s", cg->path) : 0;
}

int hutch_cgroup_freeze(struct hutch_cgroup *cg, bool frozen, struct hutch_error **err) {
  return cg->ops->freeze(cg, frozen, err);
}

int hutch_cgroup_is_frozen(struct hutch_cgroup *cg) {
  return cg->ops->is_frozen(cg);
}

/* The hierarchy whose cgroup.procs we trust to list the container. */
static struct hutch_cgroup_dir *pids_dir(struct hutch_cgroup *cg) {
  static const char *const prefer[] = {"pids", "freezer", "memory", "cpu"};
  for (size_t i = 0; i < ARRAY_SIZE(prefer); i++) {
    struct hutch_cgroup_dir *d = hutch_cgroup_find_dir(cg, prefer[i]);
    if (d)
      return d;
  }
  return &cg->dirs[0];
}

int hutch_cgroup_pids(struct hutch_cgroup *cg, pid_t **pids, size_t *n, struct hutch_error **err) {
  struct hutch_cgroup_dir *d = pids_dir(cg);
  *pids = NULL;
  *n = 0;
  int r = hutch_cgroup_collect_pids(d->dir, pids, n);
  if (r < 0) {
    free(*pids);
    *pids = NULL;
    *n = 0;
    return hutch_error_set(err, r, "read %s/cgroup.procs", d->dir);
  }
  return 0;
}

int hutch_cgroup_kill(struct hutch_cgroup *cg, int sig, struct hutch_error **err) {
  return cg->ops->kill(cg, sig, err);
}

static bool all_empty(struct hutch_cgroup *cg) {
  for (size_t i = 0; i < cg->n_dirs; i++) {
    _cleanup_free_ pid_t *p = NULL;
    size_t n = 0;
    int r = hutch_cgroup_collect_pids(cg->dirs[i].dir, &p, &n);
    if (r == 0 && n > 0)
      return false;
  }
  return true;
}

int hutch_cgroup_destroy(struct hutch_cgroup *cg, struct hutch_error **err) {
  /* Kill what remains (re-sent: a task may have been mid-fork), wait up to
   * ~2 s for the kernel to empty the cgroups, then remove our dirs. */
  long step_us = 100, since_kill_us = 0;
  for (long waited_us = 0; waited_us < 2000000 && !all_empty(cg); waited_us += step_us) {
    if (waited_us == 0 || since_kill_us >= 200000) {
      since_kill_us = 0;
      _cleanup_error_ struct hutch_error *kerr = NULL;
      if (cg->ops->kill(cg, SIGKILL, &kerr) < 0)
        hutch_debug("cgroup: kill remaining: %s, ignoring", kerr->msg);
    }
    if (step_us < 10000)
      step_us *= 2;
    since_kill_us += step_us;
    struct timespec ts = {0, step_us * 1000};
    nanosleep(&ts, NULL);
  }
  int ret = 0;
  for (size_t i = 0; i < cg->n_dirs; i++) {
    int r = rmdir_made(&cg->dirs[i], ret < 0 ? NULL : err);
    if (r < 0 && ret == 0)
      ret = r;
  }
  if (ret < 0)
    return hutch_error_wrap(err, "destroy cgroup %s", cg->path);
  for (size_t i = 0; i < cg->n_dirs; i++) {
    hutch_strv_free(cg->dirs[i].made);
    cg->dirs[i].made = NULL;
  }
  return 0;
}

int hutch_cgroup_stats(struct hutch_cgroup *cg, json_t **out, struct hutch_error **err) {
  return cg->ops->stats(cg, out, err);
}

int hutch_cgroup_oom_count(struct hutch_cgroup *cg, unsigned long *count,
                           struct hutch_error **err) {
  return cg->ops->oom_count(cg, count, err);
}

int hutch_cgroup_mount_in_container(struct hutch_cgroup *cg, int rootfd, bool rw, bool cgroupns,
                                    struct hutch_error **err) {
  return cg->ops->mount(cg, rootfd, rw, cgroupns, err);
}
