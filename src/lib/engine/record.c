/* Container records in the state database: a row of typed columns (the
 * identity and the state) and the docker-shaped configuration as one JSON
 * document, to and from struct hutch_ctr. */
#include "engine.h"
#include "statedb.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CTR_HEAD                                                                                   \
  "id, name, created, running, restarting, oom_killed, dead, manual_stop, pid, pid_start, "        \
  "monitor_pid, monitor_start, net_owner, net_owner_start, exit_code, restart_count, error, "      \
  "started_at, finished_at, image_name, command"
/* the configuration, a JSON document of kilobytes, is in a table of its own */
#define CTR_FROM_FULL                                                                              \
  "SELECT " CTR_HEAD ", g.config FROM containers JOIN container_configs g USING (id) "
#define CTR_FROM_BRIEF "SELECT " CTR_HEAD ", NULL FROM containers "
enum {
  COL_ID,
  COL_NAME,
  COL_CREATED,
  COL_RUNNING,
  COL_RESTARTING,
  COL_OOM_KILLED,
  COL_DEAD,
  COL_MANUAL_STOP,
  COL_PID,
  COL_PID_START,
  COL_MONITOR_PID,
  COL_MONITOR_START,
  COL_NET_OWNER,
  COL_NET_OWNER_START,
  COL_EXIT_CODE,
  COL_RESTART_COUNT,
  COL_ERROR,
  COL_STARTED_AT,
  COL_FINISHED_AT,
  COL_IMAGE_NAME,
  COL_COMMAND,
  COL_CONFIG,
};
/* The state columns, in the order of bind_state(), from ?1 on. */
#define STATE_SET                                                                                  \
  "running=?1, restarting=?2, oom_killed=?3, dead=?4, manual_stop=?5, pid=?6, pid_start=?7, "      \
  "monitor_pid=?8, monitor_start=?9, net_owner=?10, net_owner_start=?11, exit_code=?12, "          \
  "restart_count=?13, error=?14, started_at=?15, finished_at=?16"
#define STATE_NEXT 17 /* the first parameter after them */

static const char *text_col(sqlite3_stmt *st, int col) {
  const char *t = (const char *)sqlite3_column_text(st, col);
  return t ? t : "";
}

static void state_from_row(sqlite3_stmt *row, struct hutch_ctr_state *s) {
  s->running = sqlite3_column_int(row, COL_RUNNING);
  s->restarting = sqlite3_column_int(row, COL_RESTARTING);
  s->oom_killed = sqlite3_column_int(row, COL_OOM_KILLED);
  s->dead = sqlite3_column_int(row, COL_DEAD);
  s->manual_stop = sqlite3_column_int(row, COL_MANUAL_STOP);
  s->pid = (pid_t)sqlite3_column_int64(row, COL_PID);
  s->pid_start = (unsigned long long)sqlite3_column_int64(row, COL_PID_START);
  s->monitor_pid = (pid_t)sqlite3_column_int64(row, COL_MONITOR_PID);
  s->monitor_start = (unsigned long long)sqlite3_column_int64(row, COL_MONITOR_START);
  s->net_owner = (pid_t)sqlite3_column_int64(row, COL_NET_OWNER);
  s->net_owner_start = (unsigned long long)sqlite3_column_int64(row, COL_NET_OWNER_START);
  s->exit_code = sqlite3_column_int(row, COL_EXIT_CODE);
  s->restart_count = sqlite3_column_int(row, COL_RESTART_COUNT);
  free(s->error);
  s->error = strdup(text_col(row, COL_ERROR));
  snprintf(s->started_at, sizeof(s->started_at), "%s", text_col(row, COL_STARTED_AT));
  snprintf(s->finished_at, sizeof(s->finished_at), "%s", text_col(row, COL_FINISHED_AT));
}

static void bind_state(sqlite3_stmt *q, const struct hutch_ctr_state *s) {
  sqlite3_bind_int(q, 1, s->running);
  sqlite3_bind_int(q, 2, s->restarting);
  sqlite3_bind_int(q, 3, s->oom_killed);
  sqlite3_bind_int(q, 4, s->dead);
  sqlite3_bind_int(q, 5, s->manual_stop);
  sqlite3_bind_int64(q, 6, s->pid);
  sqlite3_bind_int64(q, 7, (sqlite3_int64)s->pid_start);
  sqlite3_bind_int64(q, 8, s->monitor_pid);
  sqlite3_bind_int64(q, 9, (sqlite3_int64)s->monitor_start);
  sqlite3_bind_int64(q, 10, s->net_owner);
  sqlite3_bind_int64(q, 11, (sqlite3_int64)s->net_owner_start);
  sqlite3_bind_int(q, 12, s->exit_code);
  sqlite3_bind_int(q, 13, s->restart_count);
  sqlite3_bind_text(q, 14, s->error ? s->error : "", -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 15, s->started_at, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 16, s->finished_at, -1, SQLITE_STATIC);
}

/* ---- the configuration, typed ---- */

static const char *str_at(json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key)) ?: "";
}

/* The one place that knows the configuration document's keys: the engine
 * reads c->cfg (pointers into c->rec, valid while it is). */
void hutch_ctr_config_parse(json_t *rec, struct hutch_ctr_config *cfg) {
  json_t *config = json_object_get(rec, "Config"), *host = json_object_get(rec, "HostConfig");
  json_t *data = json_object_get(json_object_get(rec, "GraphDriver"), "Data");
  json_t *h = json_object_get(rec, "Hutch"), *rp = json_object_get(host, "RestartPolicy");
  json_t *timeout = json_object_get(config, "StopTimeout");
  *cfg = (struct hutch_ctr_config){
      .path = str_at(rec, "Path"),
      .args = json_object_get(rec, "Args"),
      .image_id = str_at(rec, "Image"),
      .image_name = str_at(config, "Image"),
      .tty = json_is_true(json_object_get(config, "Tty")),
      .open_stdin = json_is_true(json_object_get(config, "OpenStdin")),
      .attach_stdout = json_is_true(json_object_get(config, "AttachStdout")),
      .hostname = str_at(config, "Hostname"),
      .exposed_ports = json_object_get(config, "ExposedPorts"),
      .labels = json_object_get(config, "Labels"),
      .stop_signal = json_string_value(json_object_get(config, "StopSignal")),
      .stop_timeout = json_is_integer(timeout) ? (int)json_integer_value(timeout) : -1,
      .auto_remove = json_is_true(json_object_get(host, "AutoRemove")),
      .restart_policy = json_string_value(json_object_get(rp, "Name")) ?: "no",
      .restart_max = (int)json_integer_value(json_object_get(rp, "MaximumRetryCount")),
      .network_mode = str_at(host, "NetworkMode"),
      .lower_dir = str_at(data, "LowerDir"),
      .merged_dir = str_at(data, "MergedDir"),
      .log_path = str_at(rec, "LogPath"),
      .hosts_path = str_at(rec, "HostsPath"),
      .hostname_path = str_at(rec, "HostnamePath"),
      .resolv_conf_path = str_at(rec, "ResolvConfPath"),
      .netns = str_at(h, "NetNS"),
      .net = json_object_get(h, "Net"),
      .anon_volumes = json_object_get(h, "AnonVolumes"),
  };
}

static int set_str(char **dst, const char *v) {
  char *n = strdup(v);
  if (!n)
    return -ENOMEM;
  free(*dst);
  *dst = n;
  return 0;
}

/* Fill c (whose id is known) from a row of CTR_FROM_*; a NULL config (a
 * brief listing) leaves c->rec NULL and c->cfg empty. */
static int ctr_from_row(sqlite3_stmt *row, struct hutch_ctr *c, struct hutch_error **err) {
  json_t *rec = NULL;
  if (sqlite3_column_type(row, COL_CONFIG) != SQLITE_NULL) {
    json_error_t je;
    rec = json_loads(text_col(row, COL_CONFIG), 0, &je);
    if (!json_is_object(rec)) {
      json_decref(rec);
      return hutch_error_set(err, EINVAL, "container %.12s: corrupt record: %s", c->id, je.text);
    }
  }
  if (set_str(&c->name, text_col(row, COL_NAME)) < 0 ||
      set_str(&c->image_name, text_col(row, COL_IMAGE_NAME)) < 0 ||
      set_str(&c->command, text_col(row, COL_COMMAND)) < 0) {
    json_decref(rec);
    return hutch_error_set(err, ENOMEM, "container %.12s", c->id);
  }
  snprintf(c->created, sizeof(c->created), "%s", text_col(row, COL_CREATED));
  state_from_row(row, &c->st);
  if (c->rec)
    json_decref(c->rec);
  c->rec = rec;
  hutch_ctr_config_parse(rec, &c->cfg);
  return 0;
}

int hutch_ctr_reload(struct hutch_ctr *c, struct hutch_error **err) {
  sqlite3 *db;
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_engine_db(c->e, &db, err) < 0 ||
      hutch_db_prepare(db, CTR_FROM_FULL "WHERE id=?1 AND complete=1", &q, err) < 0)
    return -1;
  sqlite3_bind_text(q, 1, c->id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  if (rc == SQLITE_DONE)
    return hutch_error_set(err, ENOENT, "No such container: %s", c->id);
  if (rc != SQLITE_ROW)
    return hutch_db_error(db, err, "read container");
  return ctr_from_row(q, c, err);
}

static struct hutch_ctr *ctr_new(struct hutch_engine *e, const char *id) {
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

struct hutch_ctr *hutch_ctr_alloc(struct hutch_engine *e, const char *id) {
  return ctr_new(e, id);
}

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
  const char *sql = with_config ? CTR_FROM_FULL "WHERE complete=1 ORDER BY created DESC, id"
                                : CTR_FROM_BRIEF "WHERE complete=1 ORDER BY created DESC, id";
  if (hutch_engine_prepare(e, sql, &db, &q, err) < 0)
    return -1;
  struct hutch_ctr **v = NULL;
  size_t len = 0;
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct hutch_ctr **nv = realloc(v, (len + 1) * sizeof(*v));
    struct hutch_ctr *c = nv ? ctr_new(e, text_col(q, COL_ID)) : NULL;
    if (nv)
      v = nv;
    if (!c) {
      hutch_ctr_list_free(v, len);
      return hutch_error_set(err, ENOMEM, "list containers");
    }
    v[len++] = c;
    if (ctr_from_row(q, c, NULL) < 0)
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

static int replace_labels(sqlite3 *db, struct hutch_ctr *c, struct hutch_error **err) {
  _cleanup_stmt_ sqlite3_stmt *del = NULL, *ins = NULL;
  if (hutch_db_prepare(db, "DELETE FROM container_labels WHERE id=?1", &del, err) < 0 ||
      hutch_db_prepare(db, "INSERT INTO container_labels (id, key, value) VALUES (?1, ?2, ?3)",
                       &ins, err) < 0)
    return -1;
  sqlite3_bind_text(del, 1, c->id, -1, SQLITE_STATIC);
  if (sqlite3_step(del) != SQLITE_DONE)
    return hutch_db_error(db, err, "write labels");
  const char *k;
  json_t *v;
  json_object_foreach(c->cfg.labels, k, v) {
    sqlite3_reset(ins);
    sqlite3_bind_text(ins, 1, c->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 2, k, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 3, json_string_value(v) ?: "", -1, SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE)
      return hutch_db_error(db, err, "write labels");
  }
  return 0;
}

/* docker ps's COMMAND: the executable and the arguments after argv[0]. */
static char *command_text(const struct hutch_ctr_config *cfg) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (!f)
    return NULL;
  fputs(cfg->path, f);
  size_t i;
  json_t *a;
  json_array_foreach(cfg->args, i, a) if (i > 0) fprintf(f, " %s", json_string_value(a) ?: "");
  if (fclose(f) != 0) {
    free(out);
    return NULL;
  }
  return out;
}

static int update_row(sqlite3 *db, struct hutch_ctr *c, const char *config,
                      struct hutch_error **err) {
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_db_prepare(db,
                       "UPDATE containers SET " STATE_SET
                       ", name=?17, created=?18, image_name=?19, command=?20, complete=1 "
                       "WHERE id=?21",
                       &q, err) < 0)
    return -1;
  bind_state(q, &c->st);
  sqlite3_bind_text(q, STATE_NEXT, c->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, STATE_NEXT + 1, c->created, -1, SQLITE_STATIC);
  _cleanup_free_ char *command = command_text(&c->cfg);
  if (!command)
    return hutch_error_set(err, ENOMEM, "container %.12s", c->id);
  sqlite3_bind_text(q, STATE_NEXT + 2, c->cfg.image_name, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, STATE_NEXT + 3, command, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, STATE_NEXT + 4, c->id, -1, SQLITE_STATIC);
  if (sqlite3_step(q) != SQLITE_DONE)
    return hutch_db_error(db, err, "write container");
  if (sqlite3_changes(db) != 1)
    return hutch_error_set(err, ENOENT, "No such container: %s", c->id);
  _cleanup_stmt_ sqlite3_stmt *g = NULL;
  if (hutch_db_prepare(db, "INSERT OR REPLACE INTO container_configs (id, config) VALUES (?1, ?2)",
                       &g, err) < 0)
    return -1;
  sqlite3_bind_text(g, 1, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(g, 2, config, -1, SQLITE_STATIC);
  if (sqlite3_step(g) != SQLITE_DONE)
    return hutch_db_error(db, err, "write container configuration");
  return 0;
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
    r = update_row(db, c, config, err);
  if (r == 0)
    r = replace_labels(db, c, err);
  if (r == 0)
    r = hutch_db_exec(db, "RELEASE save", err);
  else
    sqlite3_exec(db, "ROLLBACK TO save; RELEASE save", NULL, NULL, NULL);
  hutch_db_set_durable(db, false);
  return r < 0 ? hutch_error_wrap(err, "container %.12s", c->id) : 0;
}

int hutch_ctr_save_state(struct hutch_ctr *c, struct hutch_error **err) {
  sqlite3 *db;
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_engine_prepare(c->e, "UPDATE containers SET " STATE_SET " WHERE id=?17", &db, &q, err) <
      0)
    return -1;
  bind_state(q, &c->st);
  sqlite3_bind_text(q, STATE_NEXT, c->id, -1, SQLITE_STATIC);
  if (sqlite3_step(q) != SQLITE_DONE)
    return hutch_db_error(db, err, "write container state");
  return 0;
}

int hutch_ctr_insert(struct hutch_ctr *c, struct hutch_error **err) {
  sqlite3 *db;
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_engine_db(c->e, &db, err) < 0 ||
      hutch_db_prepare(db, "INSERT INTO containers (id, name, created) VALUES (?1, ?2, ?3)", &q,
                       err) < 0)
    return -1;
  sqlite3_bind_text(q, 1, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, c->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 3, c->created, -1, SQLITE_STATIC);
  if (sqlite3_step(q) != SQLITE_DONE)
    return hutch_db_error(db, err, "add container");
  return 0;
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

/* ---- records from before the database ---- */

static void legacy_state(json_t *rec, struct hutch_ctr_state *s) {
  json_t *st = json_object_get(rec, "State"), *h = json_object_get(rec, "Hutch");
  s->running = json_is_true(json_object_get(st, "Running"));
  s->restarting = json_is_true(json_object_get(st, "Restarting"));
  s->oom_killed = json_is_true(json_object_get(st, "OOMKilled"));
  s->dead = json_is_true(json_object_get(st, "Dead"));
  s->manual_stop = json_is_true(json_object_get(h, "ManualStop"));
  s->pid = (pid_t)json_integer_value(json_object_get(st, "Pid"));
  s->pid_start = (unsigned long long)json_integer_value(json_object_get(h, "PidStart"));
  s->monitor_pid = (pid_t)json_integer_value(json_object_get(h, "MonitorPid"));
  s->monitor_start = (unsigned long long)json_integer_value(json_object_get(h, "MonitorStart"));
  s->net_owner = (pid_t)json_integer_value(json_object_get(h, "NetOwner"));
  s->net_owner_start = (unsigned long long)json_integer_value(json_object_get(h, "NetOwnerStart"));
  s->exit_code = (int)json_integer_value(json_object_get(st, "ExitCode"));
  s->restart_count = (int)json_integer_value(json_object_get(rec, "RestartCount"));
  s->error = strdup(json_string_value(json_object_get(st, "Error")) ?: "");
  snprintf(s->started_at, sizeof(s->started_at), "%s",
           json_string_value(json_object_get(st, "StartedAt")) ?: "0001-01-01T00:00:00Z");
  snprintf(s->finished_at, sizeof(s->finished_at), "%s",
           json_string_value(json_object_get(st, "FinishedAt")) ?: "0001-01-01T00:00:00Z");
  static const char *const gone[] = {"Id", "Created", "Name", "State", "RestartCount"};
  for (size_t i = 0; i < ARRAY_SIZE(gone); i++)
    json_object_del(rec, gone[i]);
  static const char *const gone_h[] = {"ManualStop",   "PidStart", "MonitorPid",
                                       "MonitorStart", "NetOwner", "NetOwnerStart"};
  for (size_t i = 0; i < ARRAY_SIZE(gone_h); i++)
    json_object_del(h, gone_h[i]);
}

static int import_one(sqlite3 *db, const char *dir, const char *id, struct hutch_error **err) {
  char p[4200];
  snprintf(p, sizeof(p), "%s/%s/config.v2.json", dir, id);
  if (access(p, F_OK) < 0)
    return 0; /* a dir that a killed create or rm left: reaped later */
  json_error_t je;
  json_t *rec = json_load_file(p, 0, &je);
  if (!json_is_object(rec)) {
    hutch_warn("%s: %s, not imported", p, je.text);
    json_decref(rec);
    return 0;
  }
  const char *n = json_string_value(json_object_get(rec, "Name")) ?: "";
  struct hutch_ctr c = {.id = (char *)id, .name = strdup(n + (n[0] == '/')), .rec = rec};
  snprintf(c.created, sizeof(c.created), "%s",
           json_string_value(json_object_get(rec, "Created")) ?: "");
  legacy_state(rec, &c.st);
  hutch_ctr_config_parse(rec, &c.cfg);
  _cleanup_free_ char *config = json_dumps(rec, JSON_COMPACT);
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  int r = hutch_db_prepare(db, "INSERT INTO containers (id, name, created) VALUES (?1, ?2, ?3)", &q,
                           err);
  if (r == 0) {
    sqlite3_bind_text(q, 1, c.id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, c.name ? c.name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, c.created, -1, SQLITE_STATIC);
    r = sqlite3_step(q) == SQLITE_DONE ? 0 : hutch_db_error(db, err, "import container");
  }
  if (r == 0)
    r = config ? update_row(db, &c, config, err) : hutch_error_set(err, ENOMEM, "import");
  if (r == 0)
    r = replace_labels(db, &c, err);
  hutch_debug("container %.12s: imported %s", id, p);
  free(c.name);
  free(c.st.error);
  json_decref(rec);
  return r < 0 ? hutch_error_wrap(err, "import %s", p) : 0;
}

int hutch_ctr_import_legacy(sqlite3 *db, void *containers_dir, struct hutch_error **err) {
  const char *dir = containers_dir;
  _cleanup_closedir_ DIR *d = opendir(dir);
  if (!d)
    return errno == ENOENT ? 0 : hutch_error_set(err, errno, "open %s", dir);
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strlen(de->d_name) != 64 || strspn(de->d_name, "0123456789abcdef") != 64)
      continue;
    if (import_one(db, dir, de->d_name, err) < 0)
      return -1;
  }
  return 0;
}
