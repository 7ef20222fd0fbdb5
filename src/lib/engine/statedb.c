/* The state database: opening, pragmas, schema migrations and the error
 * mapping every record function shares. */
#include "statedb.h"

#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Each entry takes the schema from version i to i + 1; never edit one
 * that has shipped, append a new one. */
static const char *const migrations[] = {
    /* 1: containers, their names and labels */
    "CREATE TABLE containers ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  created TEXT NOT NULL,"
    "  complete INTEGER NOT NULL DEFAULT 0," /* 0 while its create runs */
    "  running INTEGER NOT NULL DEFAULT 0,"
    "  restarting INTEGER NOT NULL DEFAULT 0,"
    "  oom_killed INTEGER NOT NULL DEFAULT 0,"
    "  dead INTEGER NOT NULL DEFAULT 0,"
    "  manual_stop INTEGER NOT NULL DEFAULT 0,"
    "  pid INTEGER NOT NULL DEFAULT 0,"
    "  pid_start INTEGER NOT NULL DEFAULT 0,"
    "  monitor_pid INTEGER NOT NULL DEFAULT 0,"
    "  monitor_start INTEGER NOT NULL DEFAULT 0,"
    "  net_owner INTEGER NOT NULL DEFAULT 0,"
    "  net_owner_start INTEGER NOT NULL DEFAULT 0,"
    "  exit_code INTEGER NOT NULL DEFAULT 0,"
    "  restart_count INTEGER NOT NULL DEFAULT 0,"
    "  error TEXT NOT NULL DEFAULT '',"
    "  started_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00Z',"
    "  finished_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00Z',"
    "  config TEXT NOT NULL DEFAULT '{}'"
    ");"
    "CREATE INDEX containers_created ON containers(created);"
    "CREATE INDEX containers_status ON containers(running, complete);"
    "CREATE TABLE container_labels ("
    "  id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
    "  key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (id, key)"
    ") WITHOUT ROWID;"
    "CREATE INDEX container_labels_kv ON container_labels(key, value);",
    /* 2: the configuration (kilobytes) in a table of its own, what ps
     * shows as columns: a listing reads small rows and parses nothing */
    "CREATE TABLE container_configs ("
    "  id TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE,"
    "  config TEXT NOT NULL"
    ");"
    "INSERT INTO container_configs (id, config) SELECT id, config FROM containers;"
    "ALTER TABLE containers ADD COLUMN image_name TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE containers ADD COLUMN command TEXT NOT NULL DEFAULT '';"
    "UPDATE containers SET image_name = coalesce(json_extract(config, '$.Config.Image'), ''),"
    "  command = rtrim(coalesce(json_extract(config, '$.Path'), '') || ' ' ||"
    "    coalesce((SELECT group_concat(value, ' ') FROM json_each(config, '$.Args')"
    "              WHERE key > 0), ''));"
    "ALTER TABLE containers DROP COLUMN config;",
    /* 3: health checks (health.c): the status ps shows, the failing
     * streak, and the last results */
    "ALTER TABLE containers ADD COLUMN health_status TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE containers ADD COLUMN health_failing_streak INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE container_health_log ("
    "  id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  start TEXT NOT NULL, end TEXT NOT NULL,"
    "  exit_code INTEGER NOT NULL, output TEXT NOT NULL,"
    "  PRIMARY KEY (id, seq)"
    ") WITHOUT ROWID;",
};

int hutch_db_schema_version(void) {
  return (int)ARRAY_SIZE(migrations);
}

int hutch_db_error(sqlite3 *db, struct hutch_error **err, const char *what) {
  int ext = sqlite3_extended_errcode(db);
  int en = ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY ? EEXIST
           : (ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED         ? EBUSY
                                                                                  : EIO;
  hutch_error_set(err, 0, "state database: %s: %s", what, sqlite3_errmsg(db));
  return -en;
}

int hutch_db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, struct hutch_error **err) {
  if (sqlite3_prepare_v3(db, sql, -1, 0, st, NULL) != SQLITE_OK)
    return hutch_db_error(db, err, "prepare");
  return 0;
}

int hutch_db_exec(sqlite3 *db, const char *sql, struct hutch_error **err) {
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return hutch_db_error(db, err, "exec");
  return 0;
}

void hutch_db_set_durable(sqlite3 *db, bool durable) {
  sqlite3_exec(db, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL, NULL,
               NULL);
}

void hutch_db_finalizep(sqlite3_stmt **st) {
  if (*st)
    sqlite3_finalize(*st);
}

static int user_version(sqlite3 *db, int *v, struct hutch_error **err) {
  _cleanup_stmt_ sqlite3_stmt *st = NULL;
  if (hutch_db_prepare(db, "PRAGMA user_version", &st, err) < 0)
    return -1;
  if (sqlite3_step(st) != SQLITE_ROW)
    return hutch_db_error(db, err, "read the schema version");
  *v = sqlite3_column_int(st, 0);
  return 0;
}

/* Under BEGIN IMMEDIATE, so two first commands do not both migrate. */
static int migrate(sqlite3 *db, hutch_db_import_fn import, void *ud, struct hutch_error **err) {
  int v;
  if (user_version(db, &v, err) < 0)
    return -1;
  int want = hutch_db_schema_version();
  if (v == want)
    return 0;
  if (hutch_db_exec(db, "BEGIN IMMEDIATE", err) < 0)
    return -1;
  if (user_version(db, &v, err) < 0)
    goto fail;
  if (v > want) {
    hutch_error_set(err, 0, "state database: schema version %d is newer than this hutch (%d)", v,
                    want);
    goto fail;
  }
  for (int i = v; i < want; i++) {
    hutch_debug("state database: migrate to schema version %d", i + 1);
    if (hutch_db_exec(db, migrations[i], err) < 0)
      goto fail;
  }
  /* a new database: what hutch kept before it, in the current schema */
  if (v == 0 && import && import(db, ud, err) < 0)
    goto fail;
  char sql[64];
  snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", want);
  if (hutch_db_exec(db, sql, err) < 0 || hutch_db_exec(db, "COMMIT", err) < 0)
    goto fail;
  return 0;
fail:
  sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

int hutch_db_open(const char *path, hutch_db_import_fn import, void *ud, sqlite3 **out,
                  struct hutch_error **err) {
  /* records hold environments (secrets): 0600, which SQLite gives the
   * -wal and -shm files too */
  /* Only when it is missing: closing any fd of the file drops every
   * POSIX lock this process holds on it, the locks of its other SQLite
   * connections (the API service's threads) included, and a reader
   * whose WAL read lock went can keep reading an old snapshot. */
  if (access(path, F_OK) < 0) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
      return hutch_error_set(err, errno, "open state database %s", path);
    close(fd);
  }
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK) {
    hutch_error_set(err, 0, "open state database %s: %s", path,
                    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return -1;
  }
  sqlite3_busy_timeout(db, 60000);
  if (hutch_db_exec(db,
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON",
                    err) < 0 ||
      migrate(db, import, ud, err) < 0) {
    hutch_error_wrap(err, "open %s", path);
    sqlite3_close(db);
    return -1;
  }
  hutch_debug("state database %s (schema %d)", path, hutch_db_schema_version());
  *out = db;
  return 0;
}
