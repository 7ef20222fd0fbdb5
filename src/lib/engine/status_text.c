/* docker ps's STATUS column ("Up 3 minutes (healthy)", "Exited (0) 2
 * seconds ago"), shared by the CLI and the API's container list. */
#include "engine.h"

#include "util/units.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

long long hutch_time_unix(const char *t) {
  time_t u;
  return hutch_parse_rfc3339(t, &u) < 0 ? 0 : (long long)u;
}

void hutch_human_since(const char *t, char *buf, size_t n) {
  time_t then;
  long long d = hutch_parse_rfc3339(t, &then) < 0 ? 0 : (long long)(time(NULL) - then);
  hutch_human_duration(d, buf, n);
}

/* docker's: " (healthy)", " (health: starting)", "" without a check */
static void health_text(const char *h, char *buf, size_t n) {
  if (strcmp(h, "starting") == 0)
    snprintf(buf, n, " (health: starting)");
  else if (*h)
    snprintf(buf, n, " (%s)", h);
  else
    *buf = '\0';
}

void hutch_ctr_status_text(struct hutch_engine *e, struct hutch_ctr *c, char *buf, size_t n) {
  const char *st = hutch_ctr_status(e, c);
  char d[64], health[32];
  if (strcmp(st, "running") == 0 || strcmp(st, "paused") == 0) {
    hutch_human_since(c->st.started_at, d, sizeof(d));
    health_text(c->st.health_status, health, sizeof(health));
    snprintf(buf, n, "Up %s%s", d, strcmp(st, "paused") == 0 ? " (Paused)" : health);
  } else if (strcmp(st, "restarting") == 0) {
    hutch_human_since(c->st.finished_at, d, sizeof(d));
    snprintf(buf, n, "Restarting (%d) %s ago", c->st.exit_code, d);
  } else if (strcmp(st, "exited") == 0) {
    hutch_human_since(c->st.finished_at, d, sizeof(d));
    snprintf(buf, n, "Exited (%d) %s ago", c->st.exit_code, d);
  } else if (strcmp(st, "removing") == 0) {
    snprintf(buf, n, "Removal In Progress");
  } else if (strcmp(st, "dead") == 0) {
    snprintf(buf, n, "Dead");
  } else {
    snprintf(buf, n, "Created");
  }
}
