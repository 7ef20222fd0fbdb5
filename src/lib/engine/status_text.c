/* docker ps's STATUS column ("Up 3 minutes", "Exited (0) 2 seconds ago"),
 * shared by the CLI and the API's container list. */
#include "engine.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void human_duration(long d, char *buf, size_t n) {
  if (d < 1)
    snprintf(buf, n, "Less than a second");
  else if (d < 60)
    snprintf(buf, n, "%ld second%s", d, d == 1 ? "" : "s");
  else if (d < 3600)
    snprintf(buf, n, "%ld minute%s", d / 60, d / 60 == 1 ? "" : "s");
  else if (d < 86400 * 2)
    snprintf(buf, n, "%ld hour%s", d / 3600, d / 3600 == 1 ? "" : "s");
  else
    snprintf(buf, n, "%ld days", d / 86400);
}

long long hutch_time_unix(const char *t) {
  struct tm tm = {0};
  if (!t || !strptime(t, "%Y-%m-%dT%H:%M:%S", &tm))
    return 0;
  return (long long)timegm(&tm);
}

static long since(const char *t) {
  long long u = hutch_time_unix(t);
  return u ? (long)(time(NULL) - u) : 0;
}

void hutch_ctr_status_text(struct hutch_engine *e, struct hutch_ctr *c, char *buf, size_t n) {
  const char *st = hutch_ctr_status(e, c);
  char d[64];
  if (strcmp(st, "running") == 0 || strcmp(st, "paused") == 0) {
    human_duration(since(c->st.started_at), d, sizeof(d));
    snprintf(buf, n, "Up %s%s", d, strcmp(st, "paused") == 0 ? " (Paused)" : "");
  } else if (strcmp(st, "exited") == 0) {
    human_duration(since(c->st.finished_at), d, sizeof(d));
    snprintf(buf, n, "Exited (%d) %s ago", c->st.exit_code, d);
  } else if (strcmp(st, "restarting") == 0) {
    snprintf(buf, n, "Restarting (%d)", c->st.exit_code);
  } else {
    snprintf(buf, n, "Created");
  }
}
