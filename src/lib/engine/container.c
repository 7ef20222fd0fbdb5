/* Container records: ids and names, the config.v2.json record under a
 * per-container flock, lookup by name or id prefix, and the status docker
 * shows, derived from the record and from whether the recorded init (pid
 * and start time) is still alive. */
#include "engine.h"

#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int hutch_ctr_new_id(char out[65]) {
  unsigned char b[32];
  if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
    return -errno;
  for (size_t i = 0; i < sizeof(b); i++)
    snprintf(out + 2 * i, 3, "%02x", b[i]);
  return 0;
}

void hutch_ctr_free(struct hutch_ctr *c) {
  if (!c)
    return;
  if (c->lockfd >= 0)
    close(c->lockfd);
  if (c->dirfd >= 0)
    close(c->dirfd);
  if (c->rec)
    json_decref(c->rec);
  free(c->id);
  free(c->dir);
  free(c);
}

void hutch_ctr_freep(struct hutch_ctr **c) {
  hutch_ctr_free(*c);
}

static bool is_hex(const char *s) {
  if (!*s)
    return false;
  for (; *s; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
      return false;
  return true;
}

/* The record of dir name under the containers dir: 0 and *out, -ENOENT
 * when there is none, -EINVAL when it does not parse, else -errno. */
static int load_record(struct hutch_engine *e, const char *name, json_t **out) {
  char p[4096];
  snprintf(p, sizeof(p), "%s/%s/config.v2.json", e->containers_dir, name);
  _cleanup_free_ char *text = NULL;
  size_t len;
  int r = hutch_read_file(p, &text, &len);
  if (r < 0)
    return r;
  *out = json_loadb(text, len, 0, NULL);
  return *out ? 0 : -EINVAL;
}

/* The id in a dir name that only a killed create or rm leaves behind. */
static const char *unfinished_id(const char *name) {
  static const char *const prefixes[] = {HUTCH_CTR_CREATING_PREFIX, HUTCH_CTR_REMOVING_PREFIX};
  for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
    if (hutch_str_has_prefix(name, prefixes[i]) && strlen(name + strlen(prefixes[i])) == 64 &&
        is_hex(name + strlen(prefixes[i])))
      return name + strlen(prefixes[i]);
  return NULL;
}

/* A container dir with no usable record (or a .creating-/.removing- one)
 * whose lock no one holds: its create or rm was killed. Records are
 * written whole (rename) and only under that lock, so once we hold it a
 * missing record stays missing. A dir someone holds is left alone. */
static void reap_unrecorded(struct hutch_engine *e, const char *name, const char *id) {
  char dir[4096];
  snprintf(dir, sizeof(dir), "%s/%s", e->containers_dir, name);
  _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return;
  _cleanup_close_ int lfd = openat(dfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lfd < 0 || flock(lfd, LOCK_EX | LOCK_NB) < 0)
    return;
  json_t *rec = NULL;
  int r = name == id ? load_record(e, name, &rec) : -ENOENT;
  if (rec)
    json_decref(rec);
  if (r != -ENOENT && r != -EINVAL)
    return; /* finished meanwhile, or unreadable for now */
  hutch_debug("container %.12s: removing %s, left by a killed create or rm", id, name);
  hutch_ctr_cleanup_unrecorded(e, id, dir);
}

int hutch_ctr_list(struct hutch_engine *e, char ***ids, struct hutch_error **err) {
  _cleanup_closedir_ DIR *d = opendir(e->containers_dir);
  if (!d)
    return hutch_error_set(err, errno, "open %s", e->containers_dir);
  struct ent {
    char *id;
    char *created;
  } *v = NULL;
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    const char *left = unfinished_id(de->d_name);
    if (left) {
      reap_unrecorded(e, de->d_name, left);
      continue;
    }
    if (strlen(de->d_name) != 64 || !is_hex(de->d_name))
      continue;
    json_t *r = NULL;
    if (load_record(e, de->d_name, &r) < 0) {
      reap_unrecorded(e, de->d_name, de->d_name);
      continue;
    }
    struct ent *nv = realloc(v, (n + 1) * sizeof(*v));
    if (!nv) {
      json_decref(r);
      break;
    }
    v = nv;
    v[n].id = strdup(de->d_name);
    v[n].created = strdup(json_string_value(json_object_get(r, "Created")) ?: "");
    n++;
    json_decref(r);
  }
  /* newest first; RFC 3339 in UTC sorts as text */
  for (size_t i = 1; i < n; i++)
    for (size_t k = i; k > 0 && strcmp(v[k - 1].created, v[k].created) < 0; k--) {
      struct ent t = v[k];
      v[k] = v[k - 1];
      v[k - 1] = t;
    }
  char **out = calloc(n + 1, sizeof(char *));
  for (size_t i = 0; i < n; i++) {
    if (out)
      out[i] = v[i].id;
    else
      free(v[i].id);
    free(v[i].created);
  }
  free(v);
  if (!out)
    return hutch_error_set(err, ENOMEM, "list containers");
  *ids = out;
  return 0;
}

int hutch_ctr_resolve(struct hutch_engine *e, const char *ref, char **id,
                      struct hutch_error **err) {
  if (ref == NULL || *ref == '\0')
    return hutch_error_set(err, EINVAL, "empty container name");
  const char *name = ref[0] == '/' ? ref + 1 : ref;
  _cleanup_strv_ char **ids = NULL;
  if (hutch_ctr_list(e, &ids, err) < 0)
    return -1;
  /* docker's order: full id, then exact name, then a unique id prefix */
  for (char **i = ids; *i; i++)
    if (strcmp(*i, ref) == 0) {
      *id = strdup(*i);
      return 0;
    }
  for (char **i = ids; *i; i++) {
    _cleanup_json_ json_t *r = NULL;
    load_record(e, *i, &r);
    const char *n = r ? json_string_value(json_object_get(r, "Name")) : NULL;
    if (n && strcmp(n[0] == '/' ? n + 1 : n, name) == 0) {
      *id = strdup(*i);
      return 0;
    }
  }
  const char *match = NULL;
  if (is_hex(ref)) {
    for (char **i = ids; *i; i++) {
      if (!hutch_str_has_prefix(*i, ref))
        continue;
      if (match)
        return hutch_error_set(err, EINVAL, "multiple containers found with provided prefix: %s",
                               ref);
      match = *i;
    }
  }
  if (!match)
    return hutch_error_set(err, ENOENT, "No such container: %s", ref);
  *id = strdup(match);
  return 0;
}

int hutch_ctr_reload(struct hutch_ctr *c, struct hutch_error **err) {
  size_t len;
  _cleanup_free_ char *text = NULL;
  int r = hutch_read_file_at(c->dirfd, "config.v2.json", &text, &len);
  if (r < 0)
    return hutch_error_set(err, r, "container %.12s: read config.v2.json", c->id);
  json_error_t je;
  json_t *j = json_loadb(text, len, 0, &je);
  if (!j)
    return hutch_error_set(err, EINVAL, "container %.12s: config.v2.json: %s", c->id, je.text);
  if (c->rec)
    json_decref(c->rec);
  c->rec = j;
  return 0;
}

int hutch_ctr_open(struct hutch_engine *e, const char *ref, bool lock, struct hutch_ctr **out,
                   struct hutch_error **err) {
  _cleanup_free_ char *id = NULL;
  if (hutch_ctr_resolve(e, ref, &id, err) < 0)
    return -1;
  _cleanup_ctr_ struct hutch_ctr *c = calloc(1, sizeof(*c));
  if (!c)
    return hutch_error_set(err, ENOMEM, "container");
  c->dirfd = c->lockfd = -EBADF;
  c->id = TAKE_PTR(id);
  if (asprintf(&c->dir, "%s/%s", e->containers_dir, c->id) < 0) {
    c->dir = NULL;
    return hutch_error_set(err, ENOMEM, "container");
  }
  c->dirfd = open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->dirfd < 0)
    return hutch_error_set(err, errno == ENOENT ? ENOENT : errno, "No such container: %s", ref);
  if (lock) {
    c->lockfd = openat(c->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (c->lockfd < 0)
      return hutch_error_set(err, errno, "container %.12s: open lock", c->id);
    while (flock(c->lockfd, LOCK_EX) < 0)
      if (errno != EINTR)
        return hutch_error_set(err, errno, "container %.12s: lock", c->id);
  }
  /* Removed while we waited for the lock? */
  if (hutch_ctr_reload(c, NULL) < 0)
    return hutch_error_set(err, ENOENT, "No such container: %s", ref);
  *out = TAKE_PTR(c);
  return 0;
}

/* The configuration must survive a power loss (fsync); State need not:
 * it is re-derived from the recorded pids after a reboot, so rename alone
 * (old record or new, never half) is enough. Neither needs the fsync for
 * a --rm container, which is not meant to outlive its run. */
static int save(struct hutch_ctr *c, bool durable, struct hutch_error **err) {
  _cleanup_free_ char *text = json_dumps(c->rec, JSON_INDENT(2));
  if (!text)
    return hutch_error_set(err, ENOMEM, "container %.12s: serialise record", c->id);
  if (durable)
    durable = !json_is_true(json_object_get(json_object_get(c->rec, "HostConfig"), "AutoRemove"));
  int r = durable ? hutch_write_file_atomic(c->dirfd, "config.v2.json", text, strlen(text), 0600)
                  : hutch_write_file_replace(c->dirfd, "config.v2.json", text, strlen(text), 0600);
  if (r < 0)
    return hutch_error_set(err, r, "container %.12s: write config.v2.json", c->id);
  return 0;
}

int hutch_ctr_save(struct hutch_ctr *c, struct hutch_error **err) {
  return save(c, true, err);
}

int hutch_ctr_save_state(struct hutch_ctr *c, struct hutch_error **err) {
  return save(c, false, err);
}

const char *hutch_ctr_name(struct hutch_ctr *c) {
  const char *n = json_string_value(json_object_get(c->rec, "Name"));
  return n ? (n[0] == '/' ? n + 1 : n) : "";
}

pid_t hutch_ctr_pid(struct hutch_ctr *c) {
  json_t *st = json_object_get(c->rec, "State");
  return (pid_t)json_integer_value(json_object_get(st, "Pid"));
}

static bool monitor_alive(struct hutch_ctr *c) {
  json_t *h = json_object_get(c->rec, "Hutch");
  pid_t mp = (pid_t)json_integer_value(json_object_get(h, "MonitorPid"));
  unsigned long long ms =
      (unsigned long long)json_integer_value(json_object_get(h, "MonitorStart"));
  return mp > 0 && hutch_pid_alive(mp, ms);
}

bool hutch_ctr_running(struct hutch_ctr *c) {
  json_t *st = json_object_get(c->rec, "State");
  if (!json_is_true(json_object_get(st, "Running")))
    return false;
  json_t *h = json_object_get(c->rec, "Hutch");
  pid_t pid = (pid_t)json_integer_value(json_object_get(st, "Pid"));
  unsigned long long start = (unsigned long long)json_integer_value(json_object_get(h, "PidStart"));
  return pid > 0 && hutch_pid_alive(pid, start);
}

const char *hutch_ctr_status(struct hutch_engine *e, struct hutch_ctr *c) {
  json_t *st = json_object_get(c->rec, "State");
  if (json_is_true(json_object_get(st, "Dead")))
    return "dead";
  if (hutch_ctr_running(c)) {
    _cleanup_json_ json_t *rs = NULL;
    if (hutch_container_state(&e->rt, c->id, &rs, NULL) == 0 &&
        strcmp(json_string_value(json_object_get(rs, "status")) ?: "", "paused") == 0)
      return "paused";
    return "running";
  }
  if (json_is_true(json_object_get(st, "Restarting")) && monitor_alive(c))
    return "restarting";
  const char *started = json_string_value(json_object_get(st, "StartedAt"));
  if (!started || hutch_str_has_prefix(started, "0001-"))
    return "created";
  return "exited";
}
