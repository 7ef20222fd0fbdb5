/* A container record as a row of the containers table (record_row.c):
 * the columns to and from struct hutch_ctr, on a connection the caller
 * gives. Below the engine's own connection (engine.c opens it with
 * record_legacy.c's import, which writes rows through these). */
#pragma once

#include <sqlite3.h>

#include "engine.h"

#define HUTCH_CTR_HEAD                                                                             \
  "id, name, created, running, restarting, oom_killed, dead, manual_stop, pid, pid_start, "        \
  "monitor_pid, monitor_start, net_owner, net_owner_start, exit_code, restart_count, error, "      \
  "started_at, finished_at, image_name, command, health_status, health_failing_streak"
/* A SELECT of whole records, to be followed by a WHERE clause. The
 * configuration, a JSON document of kilobytes, is in a table of its own;
 * the brief form leaves it out (NULL), for listings. */
#define HUTCH_CTR_SELECT                                                                           \
  "SELECT " HUTCH_CTR_HEAD ", g.config FROM containers JOIN container_configs g USING (id) "
#define HUTCH_CTR_SELECT_BRIEF "SELECT " HUTCH_CTR_HEAD ", NULL FROM containers "

/* The id of a row selected with HUTCH_CTR_SELECT*. */
const char *hutch_ctr_row_id(sqlite3_stmt *row);
/* Fill c (whose id is known) from a row selected with HUTCH_CTR_SELECT*;
 * a brief one leaves c->rec NULL and c->cfg empty. */
int hutch_ctr_row_read(sqlite3_stmt *row, struct hutch_ctr *c, struct hutch_error **err);
/* The row that reserves id and name (complete=0); what names the error. */
int hutch_ctr_row_insert(sqlite3 *db, const char *id, const char *name, const char *created,
                         const char *what, struct hutch_error **err);
/* The whole record (config: c->rec serialised, with c->cfg parsed from
 * it) and its labels; the row is complete afterwards. Not a transaction of
 * its own. */
int hutch_ctr_row_write(sqlite3 *db, struct hutch_ctr *c, const char *config,
                        struct hutch_error **err);
/* Only the state columns. */
int hutch_ctr_row_write_state(sqlite3 *db, struct hutch_ctr *c, struct hutch_error **err);
