/* Containers by name or id: lookup (full id, name, unique id prefix) in the
 * state database, the listing, the per-container flock, the removal of
 * what killed commands left (and of what a failed create made), name
 * validity, and the status docker shows, derived from the record and from
 * whether the recorded init (pid and start time) is still alive. */
#include "engine/ctr_runtime.h"
#include "engine.h"
#include "record_row.h"
#include "statedb.h"

#include "net/netns.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int hutch_ctr_new_id(char out[65]) {
  unsigned char b[32];
  if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
    return -errno;
  for (size_t i = 0; i < sizeof(b); i++)
    snprintf(out + 2 * i, 3, "%02x", b[i]);
  return 0;
}

static bool is_hex(const char *s) {
  if (!*s)
    return false;
  for (; *s; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
      return false;
  return true;
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

/* 1: a finished record, 0: a row whose create never finished, -ENOENT:
 * no row, or another -errno. */
static int row_complete(struct hutch_engine *e, const char *id) {
  sqlite3 *db;
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_engine_prepare(e, "SELECT complete FROM containers WHERE id=?1", &db, &q, NULL) < 0)
    return -EIO;
  sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int(q, 0) ? 1 : 0;
  return rc == SQLITE_DONE ? -ENOENT : -EIO;
}

/* ---- reaping ---- */

void hutch_ctr_cleanup_unrecorded(struct hutch_engine *e, const char *id, const char *dir) {
  hutch_ctr_delete(e, id, NULL);
  char p[4200];
  snprintf(p, sizeof(p), "%s/merged", dir);
  hutch_overlay_umount(p, NULL);
  hutch_ctr_shm_umount(dir);
  snprintf(p, sizeof(p), "%s/%s", e->netns_dir, id);
  hutch_netns_delete(p, NULL);
  struct hutch_store *s;
  if (hutch_engine_store(e, &s, NULL) == 0)
    hutch_image_release(s, id, NULL);
  hutch_rm_rf(dir);
}

/* What a killed create or rm left of id in dir name (the id dir, or its
 * .creating-/.removing- form): removed once we hold its lock, unless the
 * record turns out complete. Create holds the lock from before its row
 * exists until the row is complete; rm from before it deletes the row. */
static void reap_one(struct hutch_engine *e, const char *name, const char *id) {
  char dir[4096];
  snprintf(dir, sizeof(dir), "%s/%s", e->containers_dir, name);
  _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return; /* gone meanwhile */
  _cleanup_close_ int lfd = openat(dfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lfd < 0 || flock(lfd, LOCK_EX | LOCK_NB) < 0)
    return; /* someone is at work on it */
  int r = row_complete(e, id);
  if (r == 1 || r == -EIO)
    return;
  hutch_debug("container %.12s: removing %s, left by a killed create or rm", id, name);
  hutch_ctr_cleanup_unrecorded(e, id, dir);
  if (r == 0)
    hutch_ctr_delete(e, id, NULL);
}

/* A row whose create never finished. Its dir is .creating-<id> until the
 * create renames it to <id> (once, atomically), so looking for <id>, then
 * the .creating- name, then <id> again finds it if it exists. */
static void reap_row(struct hutch_engine *e, const char *id) {
  char creating[128];
  snprintf(creating, sizeof(creating), HUTCH_CTR_CREATING_PREFIX "%s", id);
  const char *names[] = {id, creating, id};
  for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
    char p[4200];
    snprintf(p, sizeof(p), "%s/%s", e->containers_dir, names[i]);
    if (access(p, F_OK) == 0) {
      reap_one(e, names[i], id);
      return;
    }
  }
  if (row_complete(e, id) == 0) /* a create killed before its dir */
    hutch_ctr_delete(e, id, NULL);
}

static void reap_incomplete_rows(sqlite3 *db, struct hutch_engine *e) {
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_db_prepare(db, "SELECT id FROM containers WHERE complete=0", &q, NULL) < 0)
    return;
  _cleanup_strv_ char **ids = NULL;
  while (sqlite3_step(q) == SQLITE_ROW)
    hutch_strv_push(&ids, (const char *)sqlite3_column_text(q, 0));
  for (char **i = ids; i && *i; i++)
    reap_row(e, *i);
}

/* A .new-<pid>-<start>-<id> dir whose create was killed between its mkdir
 * and its rename: removed once that process is gone. */
static void reap_new(struct hutch_engine *e, const char *name) {
  int pid = 0;
  unsigned long long start = 0;
  if (sscanf(name + strlen(HUTCH_CTR_NEW_PREFIX), "%d-%llu-", &pid, &start) != 2 || pid <= 0 ||
      hutch_pid_alive(pid, start))
    return;
  char dir[4096];
  snprintf(dir, sizeof(dir), "%s/%s", e->containers_dir, name);
  hutch_debug("removing %s, left by a killed create", name);
  hutch_rm_rf(dir);
}

void hutch_ctr_reap(struct hutch_engine *e) {
  sqlite3 *db;
  if (hutch_engine_db(e, &db, NULL) < 0)
    return;
  reap_incomplete_rows(db, e);
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_db_prepare(db, "SELECT count(*) FROM containers", &q, NULL) < 0 ||
      sqlite3_step(q) != SQLITE_ROW)
    return;
  long rows = sqlite3_column_int64(q, 0), dirs = 0;
  _cleanup_closedir_ DIR *d = opendir(e->containers_dir);
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    const char *left = unfinished_id(de->d_name);
    if (left)
      reap_one(e, de->d_name, left);
    else if (hutch_str_has_prefix(de->d_name, HUTCH_CTR_NEW_PREFIX))
      reap_new(e, de->d_name);
    else if (strlen(de->d_name) == 64 && is_hex(de->d_name))
      dirs++;
  }
  if (dirs <= rows)
    return; /* every dir has its row (a row without a dir reads as a record) */
  rewinddir(d);
  while ((de = readdir(d)) != NULL)
    if (strlen(de->d_name) == 64 && is_hex(de->d_name) && row_complete(e, de->d_name) == -ENOENT)
      reap_one(e, de->d_name, de->d_name);
}

/* ---- listing ---- */

void hutch_ctr_list_free(struct hutch_ctr **v, size_t n) {
  for (size_t i = 0; v && i < n; i++)
    hutch_ctr_free(v[i]);
  free(v);
}

int hutch_ctr_list_all(struct hutch_engine *e, bool with_config, struct hutch_ctr ***out, size_t *n,
                       struct hutch_error **err) {
  sqlite3 *db;
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  hutch_ctr_reap(e);
  const char *sql = with_config ? HUTCH_CTR_SELECT "WHERE complete=1 ORDER BY created DESC, id"
                                : HUTCH_CTR_SELECT_BRIEF
                        "WHERE complete=1 ORDER BY created DESC, id";
  if (hutch_engine_prepare(e, sql, &db, &q, err) < 0)
    return -1;
  struct hutch_ctr **v = NULL;
  size_t len = 0;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct hutch_ctr **nv = realloc(v, (len + 1) * sizeof(*v));
    struct hutch_ctr *c = nv ? hutch_ctr_alloc(e, hutch_ctr_row_id(q)) : NULL;
    if (nv)
      v = nv;
    if (!c) {
      hutch_ctr_list_free(v, len);
      return hutch_error_set(err, ENOMEM, "list containers");
    }
    v[len++] = c;
    if (hutch_ctr_row_read(q, c, NULL) < 0)
      hutch_warn("container %.12s: corrupt record, skipping", c->id);
  }
  if (rc != SQLITE_DONE) {
    hutch_ctr_list_free(v, len);
    return hutch_db_error(db, err, "list containers");
  }
  /* a corrupt row is listed by id only: ps shows it, rm can remove it */
  *out = v;
  *n = len;
  return 0;
}

/* ---- lookup ---- */

/* The id of the one complete container that sql (with ?1 = ref) finds:
 * 1 and *id, 0 for none, -1 with *err for several or an error. */
static int find_one(sqlite3 *db, const char *sql, const char *ref, char **id,
                    struct hutch_error **err) {
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_db_prepare(db, sql, &q, err) < 0)
    return -1;
  sqlite3_bind_text(q, 1, ref, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  if (rc == SQLITE_DONE)
    return 0;
  if (rc != SQLITE_ROW)
    return hutch_db_error(db, err, "find container");
  _cleanup_free_ char *found = strdup((const char *)sqlite3_column_text(q, 0));
  if (sqlite3_step(q) == SQLITE_ROW)
    return hutch_error_set(err, EINVAL, "multiple containers found with provided prefix: %s", ref);
  *id = TAKE_PTR(found);
  return *id ? 1 : hutch_error_set(err, ENOMEM, "find container");
}

int hutch_ctr_resolve(struct hutch_engine *e, const char *ref, char **id,
                      struct hutch_error **err) {
  if (ref == NULL || *ref == '\0')
    return hutch_error_set(err, EINVAL, "empty container name");
  sqlite3 *db;
  if (hutch_engine_db(e, &db, err) < 0)
    return -1;
  /* docker's order: full id, then exact name, then a unique id prefix */
  int r = find_one(db, "SELECT id FROM containers WHERE id=?1 AND complete=1", ref, id, err);
  if (r == 0)
    r = find_one(db, "SELECT id FROM containers WHERE name=?1 AND complete=1",
                 ref + (ref[0] == '/'), id, err);
  if (r == 0 && is_hex(ref))
    r = find_one(db,
                 "SELECT id FROM containers WHERE id >= ?1 AND id < ?1 || 'g' AND complete=1 "
                 "LIMIT 2",
                 ref, id, err);
  if (r < 0)
    return -1;
  if (r == 0)
    return hutch_error_say(err, ENOENT, "No such container: %s", ref);
  return 0;
}

int hutch_ctr_open(struct hutch_engine *e, const char *ref, bool lock, struct hutch_ctr **out,
                   struct hutch_error **err) {
  _cleanup_free_ char *id = NULL;
  if (hutch_ctr_resolve(e, ref, &id, err) < 0)
    return -1;
  _cleanup_ctr_ struct hutch_ctr *c = hutch_ctr_alloc(e, id);
  if (!c)
    return hutch_error_set(err, ENOMEM, "container");
  c->dirfd = open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->dirfd < 0)
    return errno == ENOENT ? hutch_error_say(err, ENOENT, "No such container: %s", ref)
                           : hutch_error_set(err, errno, "open container %s", ref);
  if (lock) {
    c->lockfd = openat(c->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (c->lockfd < 0)
      return hutch_error_set(err, errno, "container %.12s: open lock", c->id);
    while (flock(c->lockfd, LOCK_EX) < 0)
      if (errno != EINTR)
        return hutch_error_set(err, errno, "container %.12s: lock", c->id);
  }
  /* Removed while we waited for the lock? */
  struct hutch_error *rerr = NULL;
  if (hutch_ctr_reload(c, &rerr) < 0) {
    int en = rerr->errnum;
    hutch_error_free(rerr);
    if (en == ENOENT)
      return hutch_error_say(err, ENOENT, "No such container: %s", ref);
    return hutch_ctr_reload(c, err);
  }
  *out = TAKE_PTR(c);
  return 0;
}

/* ---- names, locks, processes ---- */

bool hutch_ctr_name_valid(const char *name, struct hutch_error **err) {
  if (!isalnum((unsigned char)name[0]))
    goto invalid;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
      goto invalid;
  return true;
invalid:
  hutch_error_set(err, EINVAL,
                  "invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
  return false;
}

int hutch_ctr_lock(struct hutch_ctr *c, struct hutch_error **err) {
  if (c->lockfd >= 0)
    return 0;
  c->lockfd = openat(c->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (c->lockfd < 0 || flock(c->lockfd, LOCK_EX) < 0)
    return hutch_error_set(err, errno, "lock container %.12s", c->id);
  return hutch_ctr_reload(c, err);
}

void hutch_ctr_unlock(struct hutch_ctr *c) {
  if (c->lockfd >= 0) {
    close(c->lockfd);
    c->lockfd = -EBADF;
  }
}

int hutch_wait_pid_gone(pid_t pid, unsigned long long start, int ms) {
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

/* ---- status ---- */

static bool monitor_alive(struct hutch_ctr *c) {
  return c->st.monitor_pid > 0 && hutch_pid_alive(c->st.monitor_pid, c->st.monitor_start);
}

bool hutch_ctr_exit_pending(struct hutch_ctr *c) {
  return c->st.running && !hutch_ctr_running(c) && monitor_alive(c);
}

bool hutch_ctr_running(struct hutch_ctr *c) {
  return c->st.running && c->st.pid > 0 && hutch_pid_alive(c->st.pid, c->st.pid_start);
}

const char *hutch_ctr_status(struct hutch_engine *e, struct hutch_ctr *c) {
  if (c->st.dead)
    return "dead";
  if (hutch_ctr_running(c)) {
    _cleanup_json_ json_t *rs = NULL;
    /* a brief record (ps) has no config: the runtime from the full one */
    _cleanup_free_ char *rt = c->rec ? NULL : hutch_rt_of(e, c->id);
    if (hutch_rt_state(e, c->rec ? c->cfg.runtime_path : rt, c->id, &rs, NULL) == 0 &&
        strcmp(json_string_value(json_object_get(rs, "status")) ?: "", "paused") == 0)
      return "paused";
    return "running";
  }
  /* gone, but not yet recorded (its exit code is not known): as dockerd's
   * state, running until the monitor has written the exit */
  if (hutch_ctr_exit_pending(c))
    return "running";
  if (c->st.restarting && monitor_alive(c))
    return "restarting";
  if (!c->st.started_at[0] || hutch_str_has_prefix(c->st.started_at, "0001-"))
    return "created";
  return "exited";
}
