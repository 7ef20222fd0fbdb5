/* The engine context: where containers, volumes and the runtime's state
 * live (HUTCH_ROOT / HUTCH_RUN_ROOT override the defaults, for tests), and
 * the image store and the state database, opened on first use. */
#include "engine.h"
#include "statedb.h"

#include "runtime/sealed.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *path_join(const char *a, const char *b) {
  char *p = NULL;
  if (asprintf(&p, "%s/%s", a, b) < 0)
    return NULL;
  return p;
}

int hutch_engine_open(struct hutch_engine **out, struct hutch_error **err) {
  struct hutch_engine *e = calloc(1, sizeof(*e));
  if (!e)
    return hutch_error_set(err, ENOMEM, "engine");
  const char *root = getenv("HUTCH_ROOT");
  const char *run = getenv("HUTCH_RUN_ROOT");
  e->root = strdup(root && *root ? root : "/var/lib/hutch");
  e->run_root = strdup(run && *run ? run : "/run/hutch");
  e->containers_dir = path_join(e->root, "containers");
  e->volumes_dir = path_join(e->root, "volumes");
  e->rt_root = path_join(e->run_root, "engine");
  e->netns_dir = path_join(e->run_root, "netns");
  if (!e->root || !e->run_root || !e->containers_dir || !e->volumes_dir || !e->rt_root ||
      !e->netns_dir) {
    hutch_engine_free(e);
    return hutch_error_set(err, ENOMEM, "engine");
  }
  const char *dirs[] = {e->containers_dir, e->volumes_dir, e->rt_root};
  for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
    int r = hutch_mkdir_p(dirs[i], 0700);
    if (r < 0) {
      hutch_error_set(err, r, "create %s", dirs[i]);
      hutch_engine_free(e);
      return -1;
    }
  }
  e->rt.root = e->rt_root;
  *out = e;
  return 0;
}

int hutch_engine_store(struct hutch_engine *e, struct hutch_store **out, struct hutch_error **err) {
  if (!e->store && hutch_store_open(e->root, &e->store, err) < 0)
    return -1;
  *out = e->store;
  return 0;
}

int hutch_engine_db(struct hutch_engine *e, sqlite3 **out, struct hutch_error **err) {
  if (e->db && e->db_pid != getpid()) {
    hutch_warn("state database: connection inherited across fork (a bug); opening another");
    e->db = NULL; /* the parent's: not ours to use, nor to close */
  }
  if (!e->db) {
    _cleanup_free_ char *path = path_join(e->root, "state.db");
    if (!path)
      return hutch_error_set(err, ENOMEM, "state database");
    if (hutch_db_open(path, hutch_ctr_import_legacy, e->containers_dir, &e->db, err) < 0)
      return -1;
    e->db_pid = getpid();
  }
  *out = e->db;
  return 0;
}

int hutch_engine_prepare(struct hutch_engine *e, const char *sql, sqlite3 **db, sqlite3_stmt **q,
                         struct hutch_error **err) {
  if (hutch_engine_db(e, db, err) < 0)
    return -1;
  return hutch_db_prepare(*db, sql, q, err);
}

void hutch_engine_db_close(struct hutch_engine *e) {
  if (e->db && e->db_pid == getpid())
    sqlite3_close(e->db);
  e->db = NULL;
}

void hutch_engine_free(struct hutch_engine *e) {
  if (!e)
    return;
  hutch_engine_db_close(e);
  if (e->store)
    hutch_store_close(e->store);
  free(e->root);
  free(e->run_root);
  free(e->containers_dir);
  free(e->volumes_dir);
  free(e->rt_root);
  free(e->netns_dir);
  free(e);
}

void hutch_engine_freep(struct hutch_engine **e) {
  hutch_engine_free(*e);
}

char *hutch_engine_helper_path(const char *env, const char *name) {
  const char *v = getenv(env);
  if (v && *v)
    return strdup(v);
  char exe[4096];
  snprintf(exe, sizeof(exe), "%s", hutch_self_exe());
  if (exe[0] != '/')
    return NULL;
  const char *dir = dirname(exe);
  const char *fmts[] = {"%s/%s", "%s/src/%s/%s", "%s/../libexec/hutch/%s"};
  for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
    char *p = NULL;
    int r = i == 1 ? asprintf(&p, fmts[i], dir, name, name) : asprintf(&p, fmts[i], dir, name);
    if (r < 0)
      return NULL;
    if (access(p, X_OK) == 0)
      return p;
    free(p);
  }
  return NULL;
}
