/* Unit tests for the engine's state database (statedb.c) and container
 * records (record.c, container.c): migrations, the legacy import, row to
 * struct and back, name reservation, lookup, reaping. */
#include "tap.h"

#include "engine/engine.h"
#include "engine/statedb.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/hutch-statedb-XXXXXX";

static struct hutch_engine *engine(void) {
  struct hutch_engine *e = NULL;
  struct hutch_error *err = NULL;
  setenv("HUTCH_ROOT", root, 1);
  if (hutch_engine_open(&e, &err) < 0) {
    printf("# engine: %s\n", err->msg);
    exit(1);
  }
  return e;
}

/* A complete container named name with id made of the digit d. */
static struct hutch_ctr *make(struct hutch_engine *e, char d, const char *name) {
  char id[65];
  memset(id, d, 64);
  id[64] = '\0';
  struct hutch_ctr *c = hutch_ctr_alloc(e, id);
  c->name = strdup(name);
  snprintf(c->created, sizeof(c->created), "2026-01-0%cT00:00:00Z", d);
  snprintf(c->st.started_at, sizeof(c->st.started_at), "0001-01-01T00:00:00Z");
  snprintf(c->st.finished_at, sizeof(c->st.finished_at), "0001-01-01T00:00:00Z");
  c->rec = json_pack("{s:s, s:[s], s:{s:{s:s}}}", "Path", "true", "Args", "true", "Config",
                     "Labels", "app", name);
  mkdir(c->dir, 0700);
  return c;
}

static void test_records(void) {
  _cleanup_engine_ struct hutch_engine *e = engine();
  struct hutch_error *err = NULL;
  _cleanup_ctr_ struct hutch_ctr *a = make(e, '1', "alpha");
  is_int(hutch_ctr_insert(a, &err), 0, "insert reserves the name");
  _cleanup_free_ char *id = NULL;
  is_int(hutch_ctr_resolve(e, "alpha", &id, NULL), -ENOENT, "an unfinished create is invisible");
  a->st.exit_code = 3;
  a->st.pid_start = 1ULL << 40;
  is_int(hutch_ctr_save(a, &err), 0, "save completes it");
  _cleanup_ctr_ struct hutch_ctr *b = make(e, '2', "alpha");
  is_int(hutch_ctr_insert(b, &err), -EEXIST, "a taken name is a conflict");
  hutch_error_free(err);
  err = NULL;
  free(b->name);
  b->name = strdup("beta");
  is_int(hutch_ctr_insert(b, NULL) == 0 && hutch_ctr_save(b, NULL) == 0, 1, "second container");
  is_int(hutch_ctr_resolve(e, "/alpha", &id, NULL), 0, "by name with a slash");
  is_str(id, a->id, "alpha's id");
  free(id);
  id = NULL;
  is_int(hutch_ctr_resolve(e, "222", &id, NULL), 0, "by id prefix");
  is_str(id, b->id, "beta's id");
  is_int(hutch_ctr_resolve(e, "nope", &id, NULL), -ENOENT, "unknown name");
  _cleanup_ctr_ struct hutch_ctr *r = hutch_ctr_alloc(e, a->id);
  is_int(hutch_ctr_reload(r, NULL), 0, "reload");
  is_int(r->st.exit_code, 3, "state column round trip");
  ok(r->st.pid_start == 1ULL << 40, "64-bit start time round trip");
  is_str(json_string_value(json_object_get(r->rec, "Path")), "true", "config round trip");
  is_int(hutch_ctr_set_name(r, "beta", NULL), -EEXIST, "rename onto a taken name");
  is_int(hutch_ctr_set_name(r, "gamma", NULL), 0, "rename");
  struct hutch_ctr **v = NULL;
  size_t n = 0;
  is_int(hutch_ctr_list_all(e, false, &v, &n, NULL), 0, "list");
  is_int(n, 2, "two containers");
  is_str(n == 2 ? v[0]->name : NULL, "beta", "newest first");
  hutch_ctr_list_free(v, n);
  is_int(hutch_ctr_delete(e, b->id, NULL), 0, "delete");
  hutch_ctr_reap(e);
  ok(access(b->dir, F_OK) != 0, "a dir without a row is reaped");
  ok(access(a->dir, F_OK) == 0, "a dir with its row stays");
}

static void test_migration(void) {
  sqlite3 *db = NULL;
  char p[256];
  snprintf(p, sizeof(p), "%s/state.db", root);
  is_int(hutch_db_open(p, NULL, NULL, &db, NULL), 0, "reopen a migrated database");
  sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL);
  sqlite3_close(db);
  struct hutch_error *err = NULL;
  db = NULL;
  ok(hutch_db_open(p, NULL, NULL, &db, &err) < 0, "a newer schema is refused");
  ok(err && strstr(err->msg, "newer than this hutch"), "and says why");
  hutch_error_free(err);
  static const char *const sfx[] = {"", "-wal", "-shm"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(p, sizeof(p), "%s/state.db%s", root, sfx[i]);
    unlink(p);
  }
}

/* A database of schema 1 gets ps's columns from the configuration. */
static void test_migration_backfill(void) {
  char p[256];
  snprintf(p, sizeof(p), "%s/backfill.db", root);
  sqlite3 *db = NULL;
  is_int(hutch_db_open(p, NULL, NULL, &db, NULL), 0, "new database");
  int rc = sqlite3_exec(
      db,
      /* back to schema 1: undo migrations 3 and 2 */
      "DROP TABLE container_health_log;"
      "ALTER TABLE containers DROP COLUMN health_status;"
      "ALTER TABLE containers DROP COLUMN health_failing_streak;"
      "DROP TABLE container_configs;"
      "ALTER TABLE containers DROP COLUMN image_name; ALTER TABLE containers DROP COLUMN command;"
      "ALTER TABLE containers ADD COLUMN config TEXT NOT NULL DEFAULT '{}';"
      "INSERT INTO containers (id, name, created, complete, config) VALUES ('x', 'x', '', 1, "
      "'{\"Path\":\"sh\",\"Args\":[\"sh\",\"-c\",\"true\"],\"Config\":{\"Image\":"
      "\"alpine\"}}');"
      "PRAGMA user_version=1",
      NULL, NULL, NULL);
  is_int(rc, SQLITE_OK, "made it schema 1");
  sqlite3_close(db);
  is_int(hutch_db_open(p, NULL, NULL, &db, NULL), 0, "migrated");
  sqlite3_stmt *q = NULL;
  sqlite3_prepare_v2(db, "SELECT image_name, command FROM containers WHERE id='x'", -1, &q, NULL);
  is_int(sqlite3_step(q), SQLITE_ROW, "row kept");
  is_str((const char *)sqlite3_column_text(q, 0), "alpine", "image name backfilled");
  is_str((const char *)sqlite3_column_text(q, 1), "sh -c true", "command backfilled");
  sqlite3_finalize(q);
  sqlite3_prepare_v2(db, "SELECT config FROM container_configs WHERE id='x'", -1, &q, NULL);
  is_int(sqlite3_step(q), SQLITE_ROW, "configuration moved to its table");
  sqlite3_finalize(q);
  sqlite3_close(db);
}

static void test_legacy_import(void) {
  char dir[256], id[65];
  memset(id, 'a', 64);
  id[64] = '\0';
  snprintf(dir, sizeof(dir), "%s/containers/%s", root, id);
  hutch_mkdir_p(dir, 0700);
  strcat(dir, "/config.v2.json");
  FILE *f = fopen(dir, "w");
  fprintf(f,
          "{\"Id\":\"%s\",\"Name\":\"/old\",\"Created\":\"2025-01-01T00:00:00Z\","
          "\"RestartCount\":2,\"State\":{\"ExitCode\":7,\"StartedAt\":\"2025-01-01T00:00:01Z\"},"
          "\"Hutch\":{\"MonitorPid\":5,\"NetNS\":\"\"},\"Path\":\"sh\",\"Args\":[]}",
          id);
  fclose(f);
  _cleanup_engine_ struct hutch_engine *e = engine();
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  is_int(hutch_ctr_open(e, "old", false, &c, NULL), 0, "a pre-database record is imported");
  is_int(c ? c->st.exit_code : -1, 7, "with its state");
  is_int(c ? c->st.restart_count : -1, 2, "and restart count");
  is_int(c ? c->st.monitor_pid : -1, 5, "and the monitor's pid");
  ok(c && !json_object_get(c->rec, "State") && json_object_get(c->rec, "Hutch"),
     "the configuration keeps only configuration");
}

static void test_config_parse(void) {
  json_t *rec = json_pack(
      "{s:s, s:[s, s], s:s, s:{s:s, s:b, s:b, s:s, s:i, s:{}}, s:{s:b, s:{s:s, s:i}, s:s}, "
      "s:{s:{s:s, s:s}}, s:s, s:{s:s, s:[s]}}",
      "Path", "sh", "Args", "-c", "true", "Image", "sha256:ab", "Config", "Image", "alpine", "Tty",
      1, "OpenStdin", 0, "StopSignal", "SIGINT", "StopTimeout", 3, "Labels", "HostConfig",
      "AutoRemove", 1, "RestartPolicy", "Name", "on-failure", "MaximumRetryCount", 2, "NetworkMode",
      "none", "GraphDriver", "Data", "LowerDir", "/l/b:/l/a", "MergedDir", "/m", "LogPath", "/log",
      "Hutch", "NetNS", "/ns", "AnonVolumes", "v1");
  struct hutch_ctr_config c;
  hutch_ctr_config_parse(rec, &c);
  is_str(c.path, "sh", "path");
  is_int(json_array_size(c.args), 2, "args");
  is_str(c.image_id, "sha256:ab", "image id");
  is_str(c.image_name, "alpine", "image name");
  ok(c.tty && !c.open_stdin && c.auto_remove, "flags");
  is_str(c.stop_signal, "SIGINT", "stop signal");
  is_int(c.stop_timeout, 3, "stop timeout");
  is_str(c.restart_policy, "on-failure", "restart policy");
  is_int(c.restart_max, 2, "restart max");
  is_str(c.network_mode, "none", "network mode");
  is_str(c.lower_dir, "/l/b:/l/a", "layers");
  is_str(c.netns, "/ns", "netns");
  is_int(json_array_size(c.anon_volumes), 1, "anonymous volumes");
  is_str(c.hosts_path, "", "absent strings are empty, not NULL");
  json_decref(rec);
  rec = json_object();
  hutch_ctr_config_parse(rec, &c);
  ok(c.stop_signal == NULL && c.stop_timeout == -1, "unset stop signal and timeout");
  is_str(c.restart_policy, "no", "no restart policy by default");
  json_decref(rec);
}

int main(void) {
  test_config_parse();
  if (!mkdtemp(root))
    return 1;
  test_records();
  test_migration();
  test_migration_backfill();
  test_legacy_import();
  hutch_rm_rf(root);
  return done_testing();
}
