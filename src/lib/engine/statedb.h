/* The engine's state database: $HUTCH_ROOT/state.db, SQLite in WAL mode.
 *
 * It holds the records (containers, their names and labels); files stay
 * where files belong (rootfs dirs, logs, the OCI bundle). Every
 * multi-row change is one transaction; a killed command leaves either the
 * old rows or the new ones. The schema carries a version (PRAGMA
 * user_version) and the migrations that lead to it run in one
 * transaction at open. See docs/engine-state.md. */
#pragma once

#include <sqlite3.h>
#include <stdbool.h>

#include "util/error.h"

struct hutch_engine;

/* The engine's connection, opened (and migrated) on first use. A connection
 * must not cross fork(): SQLite's locks are POSIX locks, per process, and
 * a child that inherits an open connection's in-memory lock state would
 * believe it holds locks it does not (another process could then delete
 * the WAL under it). So close it before a fork whose child uses the
 * database (hutch_engine_db_close); the child then opens its own. */
int hutch_engine_db(struct hutch_engine *e, sqlite3 **out, struct hutch_error **err);
void hutch_engine_db_close(struct hutch_engine *e);
/* hutch_engine_db() and a statement of sql on it. */
int hutch_engine_prepare(struct hutch_engine *e, const char *sql, sqlite3 **db, sqlite3_stmt **q,
                         struct hutch_error **err);

/* Called when the database is new, after the migrations and in their
 * transaction, to bring in what hutch kept before the database
 * (record_legacy.c: containers/<id>/config.v2.json). */
typedef int (*hutch_db_import_fn)(sqlite3 *db, void *ud, struct hutch_error **err);
/* Open path and bring its schema up to date. */
int hutch_db_open(const char *path, hutch_db_import_fn import, void *ud, sqlite3 **out,
                  struct hutch_error **err);
int hutch_db_schema_version(void);

/* Fill *err from the connection's last error; -EEXIST for a UNIQUE
 * violation, -EBUSY when locked, else -EIO. */
int hutch_db_error(sqlite3 *db, struct hutch_error **err, const char *what);
int hutch_db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, struct hutch_error **err);
/* Run SQL without results (several statements allowed). */
int hutch_db_exec(sqlite3 *db, const char *sql, struct hutch_error **err);
/* Writes to follow are fsynced before the commit returns (FULL) or only
 * ordered (NORMAL: a power loss may lose the last ones, a killed process
 * never does). */
void hutch_db_set_durable(sqlite3 *db, bool durable);

void hutch_db_finalizep(sqlite3_stmt **st);
#define _cleanup_stmt_ __attribute__((cleanup(hutch_db_finalizep)))
