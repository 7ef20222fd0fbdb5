/* docker inspect's object for a container: its record, the state as
 * docker shows it (derived from the record and the live processes) and
 * the network settings (netinspect.c). */
#include "engine.h"

#include "health.h"
#include "netsetup.h"
#include "util/json.h"

#include <stdio.h>
#include <string.h>

static json_t *inspect_state(struct hutch_engine *e, struct hutch_ctr *c) {
  const char *status = hutch_ctr_status(e, c);
  bool running = strcmp(status, "running") == 0 || strcmp(status, "paused") == 0;
  json_t *st = json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}", "Status",
                         status, "Running", running, "Paused", strcmp(status, "paused") == 0,
                         "Restarting", strcmp(status, "restarting") == 0, "OOMKilled",
                         c->st.oom_killed, "Dead", c->st.dead, "Pid", running ? c->st.pid : 0,
                         "ExitCode", c->st.exit_code, "Error", c->st.error ? c->st.error : "",
                         "StartedAt", c->st.started_at, "FinishedAt", c->st.finished_at);
  json_t *health = hutch_health_inspect(e, c);
  if (st && health)
    json_object_set_new(st, "Health", health);
  return st;
}

json_t *hutch_ctr_inspect(struct hutch_engine *e, struct hutch_ctr *c) {
  char name[300];
  snprintf(name, sizeof(name), "/%s", c->name);
  json_t *j = json_pack("{s:s, s:s, s:s, s:O, s:o}", "Id", c->id, "Created", c->created, "Path",
                        c->cfg.path, "Args", c->cfg.args ? c->cfg.args : json_null(), "State",
                        inspect_state(e, c));
  if (!j)
    return NULL;
  const char *k;
  json_t *v;
  json_object_foreach(c->rec, k, v) if (!json_object_get(j, k) && strcmp(k, "Hutch") &&
                                        strcmp(k, "ImageName")) json_object_set(j, k, v);
  json_object_set_new(j, "Name", json_string(name));
  json_object_set_new(j, "RestartCount", json_integer(c->st.restart_count));
  json_object_set_new(j, "NetworkSettings", hutch_engine_net_inspect(e, c));
  return j;
}
