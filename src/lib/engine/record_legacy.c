/* Records from before the state database: the first migration imports
 * each containers/<id>/config.v2.json as a row (statedb.h). Called by
 * engine.c while it opens the database, so it works on the connection it
 * is given, through record_row.c. */
#include "record_row.h"
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
  int r = hutch_ctr_row_insert(db, c.id, c.name ? c.name : "", c.created, "import container", err);
  if (r == 0)
    r = config ? hutch_ctr_row_write(db, &c, config, err) : hutch_error_set(err, ENOMEM, "import");
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
