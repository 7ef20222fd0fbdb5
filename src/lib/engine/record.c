/* Container records in the state database, through the engine's
 * connection: a struct hutch_ctr made, freed, loaded, saved (whole or
 * only its state), its row reserved, renamed and deleted. The row codec
 * is record_row.c. */
#include "engine.h"
#include "record_row.h"
#include "statedb.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct hutch_ctr *hutch_ctr_alloc(struct hutch_engine *e, const char *id) {
  struct hutch_ctr *c = calloc(1, sizeof(*c));
  if (!c)
    return NULL;
  c->e = e;
  c->dirfd = c->lockfd = -EBADF;
  c->id = strdup(id);
  if (!c->id || asprintf(&c->dir, "%s/%s", e->containers_dir, id) < 0) {
    c->dir = NULL;
    hutch_ctr_free(c);
    return NULL;
  }
  return c;
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
  free(c->name);
  free(c->image_name);
  free(c->command);
  free(c->st.error);
  free(c->id);
  free(c->dir);
  free(c);
}

void hutch_ctr_freep(struct hutch_ctr **c) {
  hutch_ctr_free(*c);
}

char *hutch_ctr_path(const struct hutch_ctr *c, const char *name) {
  char *p = NULL;
  if (asprintf(&p, "%s/%s", c->dir, name) < 0)
    return NULL;
  return p;
}

int hutch_ctr_reload(struct hutch_ctr *c, struct hutch_error **err) {
  sqlite3 *db;
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_engine_db(c->e, &db, err) < 0 ||
      hutch_db_prepare(db, HUTCH_CTR_SELECT "WHERE id=?1 AND complete=1", &q, err) < 0)
    return -1;
  sqlite3_bind_text(q, 1, c->id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  if (rc == SQLITE_DONE)
    return hutch_error_say(err, ENOENT, "No such container: %s", c->id);
  if (rc != SQLITE_ROW)
    return hutch_db_error(db, err, "read container");
  return hutch_ctr_row_read(q, c, err);
}

int hutch_ctr_save(struct hutch_ctr *c, struct hutch_error **err) {
  sqlite3 *db;
  if (hutch_engine_db(c->e, &db, err) < 0)
    return -1;
  _cleanup_free_ char *config = json_dumps(c->rec, JSON_COMPACT);
  if (!config)
    return hutch_error_set(err, ENOMEM, "container %.12s: serialise record", c->id);
  hutch_ctr_config_parse(c->rec, &c->cfg); /* the caller may have changed rec */
  hutch_db_set_durable(db, !c->cfg.auto_remove);
  int r = hutch_db_exec(db, "SAVEPOINT save", err);
  if (r == 0)
    r = hutch_ctr_row_write(db, c, config, err);
  if (r == 0)
    r = hutch_db_exec(db, "RELEASE save", err);
  else
    sqlite3_exec(db, "ROLLBACK TO save; RELEASE save", NULL, NULL, NULL);
  hutch_db_set_durable(db, false);
  return r < 0 ? hutch_error_wrap(err, "container %.12s", c->id) : 0;
}

int hutch_ctr_save_state(struct hutch_ctr *c, struct hutch_error **err) {
  sqlite3 *db;
  if (hutch_engine_db(c->e, &db, err) < 0)
    return -1;
  return hutch_ctr_row_write_state(db, c, err);
}

int hutch_ctr_insert(struct hutch_ctr *c, struct hutch_error **err) {
  sqlite3 *db;
  if (hutch_engine_db(c->e, &db, err) < 0)
    return -1;
  return hutch_ctr_row_insert(db, c->id, c->name, c->created, "add container", err);
}

int hutch_ctr_set_name(struct hutch_ctr *c, const char *name, struct hutch_error **err) {
  sqlite3 *db;
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_engine_prepare(c->e, "UPDATE containers SET name=?1 WHERE id=?2", &db, &q, err) < 0)
    return -1;
  sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, c->id, -1, SQLITE_STATIC);
  if (sqlite3_step(q) != SQLITE_DONE)
    return hutch_db_error(db, err, "rename container");
  char *n = strdup(name);
  if (!n)
    return hutch_error_set(err, ENOMEM, "rename");
  free(c->name);
  c->name = n;
  return 0;
}

int hutch_ctr_delete(struct hutch_engine *e, const char *id, struct hutch_error **err) {
  sqlite3 *db;
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_engine_prepare(e, "DELETE FROM containers WHERE id=?1", &db, &q, err) < 0)
    return -1;
  sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
  if (sqlite3_step(q) != SQLITE_DONE)
    return hutch_db_error(db, err, "remove container");
  return 0;
}
