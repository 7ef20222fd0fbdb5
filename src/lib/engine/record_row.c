/* The containers table's rows, to and from struct hutch_ctr: a row of
 * typed columns (the identity and the state) and the docker-shaped
 * configuration as one JSON document, and that document parsed into the
 * typed struct hutch_ctr_config. Works on the connection it is given, so
 * that the legacy import (record_legacy.c), which runs while engine.c
 * opens the database, can use it too. */
#include "record_row.h"
#include "statedb.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The columns of HUTCH_CTR_SELECT*, in their order. */
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
  COL_HEALTH_STATUS,
  COL_HEALTH_STREAK,
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
  /* written only by health.c, never by a state save */
  snprintf(s->health_status, sizeof(s->health_status), "%s", text_col(row, COL_HEALTH_STATUS));
  s->health_failing_streak = sqlite3_column_int(row, COL_HEALTH_STREAK);
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

size_t hutch_ctr_volume_mounts(json_t *rec, struct hutch_volume_mount *out, size_t max) {
  size_t n = 0, i;
  json_t *m;
  json_array_foreach(json_object_get(rec, "Mounts"), i, m) {
    if (n == max || strcmp(str_at(m, "Type"), "volume") != 0)
      continue;
    out[n++] = (struct hutch_volume_mount){.name = str_at(m, "Name"),
                                           .destination = str_at(m, "Destination"),
                                           .propagation = str_at(m, "Propagation"),
                                           .rw = json_is_true(json_object_get(m, "RW"))};
  }
  return n;
}

/* The one place that knows the configuration document's keys: the engine
 * reads c->cfg (pointers into c->rec, valid while it is). */
void hutch_ctr_config_parse(json_t *rec, struct hutch_ctr_config *cfg) {
  json_t *config = json_object_get(rec, "Config"), *host = json_object_get(rec, "HostConfig");
  json_t *data = json_object_get(json_object_get(rec, "GraphDriver"), "Data");
  json_t *h = json_object_get(rec, "Hutch"), *rp = json_object_get(host, "RestartPolicy");
  json_t *timeout = json_object_get(config, "StopTimeout");
  json_t *log = json_object_get(host, "LogConfig");
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
      .mounts = json_object_get(rec, "Mounts"),
      .log_driver = json_string_value(json_object_get(log, "Type")) ?: "json-file",
      .log_max_size = json_integer_value(json_object_get(h, "LogMaxSize")),
      .log_max_file = (int)json_integer_value(json_object_get(h, "LogMaxFile")),
      .cgroups_path = str_at(h, "CgroupsPath"),
      .ipc_mode = str_at(host, "IpcMode"),
      .shm_size = json_integer_value(json_object_get(host, "ShmSize")),
      .memory = json_integer_value(json_object_get(host, "Memory")),
      .memory_swap = json_integer_value(json_object_get(host, "MemorySwap")),
      .healthcheck = json_object_get(config, "Healthcheck"),
      .runtime_path = str_at(h, "RuntimePath"),
  };
  /* records from before --cgroup-parent */
  if (!*cfg->cgroups_path)
    cfg->cgroups_path = NULL;
}

const char *hutch_ctr_row_id(sqlite3_stmt *row) {
  return text_col(row, COL_ID);
}

static int set_str(char **dst, const char *v) {
  char *n = strdup(v);
  if (!n)
    return -ENOMEM;
  free(*dst);
  *dst = n;
  return 0;
}

int hutch_ctr_row_read(sqlite3_stmt *row, struct hutch_ctr *c, struct hutch_error **err) {
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

/* docker ps's COMMAND: the executable and the arguments after argv[0],
 * an argument with a blank in single quotes (as docker's daemon lists it). */
static char *command_text(const struct hutch_ctr_config *cfg) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (!f)
    return NULL;
  fputs(cfg->path, f);
  size_t i;
  json_t *a;
  json_array_foreach(cfg->args, i, a) {
    const char *v = json_string_value(a) ?: "";
    if (i > 0)
      fprintf(f, strchr(v, ' ') ? " '%s'" : " %s", v);
  }
  if (fclose(f) != 0) {
    free(out);
    return NULL;
  }
  return out;
}

static int update_row(sqlite3 *db, struct hutch_ctr *c, struct hutch_error **err) {
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  _cleanup_free_ char *command = command_text(&c->cfg);
  if (!command)
    return hutch_error_set(err, ENOMEM, "container %.12s", c->id);
  if (hutch_db_prepare(db,
                       "UPDATE containers SET " STATE_SET
                       ", name=?17, created=?18, image_name=?19, command=?20, complete=1 "
                       "WHERE id=?21",
                       &q, err) < 0)
    return -1;
  bind_state(q, &c->st);
  sqlite3_bind_text(q, STATE_NEXT, c->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, STATE_NEXT + 1, c->created, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, STATE_NEXT + 2, c->cfg.image_name, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, STATE_NEXT + 3, command, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, STATE_NEXT + 4, c->id, -1, SQLITE_STATIC);
  if (sqlite3_step(q) != SQLITE_DONE)
    return hutch_db_error(db, err, "write container");
  if (sqlite3_changes(db) != 1)
    return hutch_error_say(err, ENOENT, "No such container: %s", c->id);
  return 0;
}

static int write_config(sqlite3 *db, struct hutch_ctr *c, const char *config,
                        struct hutch_error **err) {
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_db_prepare(db, "INSERT OR REPLACE INTO container_configs (id, config) VALUES (?1, ?2)",
                       &q, err) < 0)
    return -1;
  sqlite3_bind_text(q, 1, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, config, -1, SQLITE_STATIC);
  if (sqlite3_step(q) != SQLITE_DONE)
    return hutch_db_error(db, err, "write container configuration");
  return 0;
}

int hutch_ctr_row_write(sqlite3 *db, struct hutch_ctr *c, const char *config,
                        struct hutch_error **err) {
  hutch_ctr_config_parse(c->rec, &c->cfg); /* the caller may have changed rec */
  if (update_row(db, c, err) < 0 || write_config(db, c, config, err) < 0)
    return -1;
  return replace_labels(db, c, err);
}

int hutch_ctr_row_write_state(sqlite3 *db, struct hutch_ctr *c, struct hutch_error **err) {
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_db_prepare(db, "UPDATE containers SET " STATE_SET " WHERE id=?17", &q, err) < 0)
    return -1;
  bind_state(q, &c->st);
  sqlite3_bind_text(q, STATE_NEXT, c->id, -1, SQLITE_STATIC);
  if (sqlite3_step(q) != SQLITE_DONE)
    return hutch_db_error(db, err, "write container state");
  return 0;
}

int hutch_ctr_row_insert(sqlite3 *db, const char *id, const char *name, const char *created,
                         const char *what, struct hutch_error **err) {
  _cleanup_stmt_ sqlite3_stmt *q = NULL;
  if (hutch_db_prepare(db, "INSERT INTO containers (id, name, created) VALUES (?1, ?2, ?3)", &q,
                       err) < 0)
    return -1;
  sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 3, created, -1, SQLITE_STATIC);
  if (sqlite3_step(q) != SQLITE_DONE)
    return hutch_db_error(db, err, what);
  return 0;
}
