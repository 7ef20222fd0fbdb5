/* Helpers shared by the image commands; see image_cli.h. */
#include "image_cli.h"

#include "util/units.h"
#include "engine/events.h"

#include "commands.h"
#include "util/cleanup.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int image_cli_fail(struct hutch_error *e) {
  hutch_error_print(stderr, "hutch", e);
  hutch_error_free(e);
  return HUTCH_EXIT_ERROR;
}

int image_cli_open_store(struct hutch_store **s, struct hutch_error **err) {
  return hutch_store_open(NULL, s, err);
}

const char *image_cli_short_id(const char *digest, char buf[static 13]) {
  const char *h = strncmp(digest, "sha256:", 7) == 0 ? digest + 7 : digest;
  snprintf(buf, 13, "%.12s", h);
  return buf;
}

void image_cli_human_size(int64_t b, char *buf, size_t n) {
  /* docker uses decimal units */
  if (b < 1000)
    snprintf(buf, n, "%lldB", (long long)b);
  else if (b < 1000 * 1000)
    snprintf(buf, n, "%.3gkB", (double)b / 1e3);
  else if (b < 1000LL * 1000 * 1000)
    snprintf(buf, n, "%.3gMB", (double)b / 1e6);
  else
    snprintf(buf, n, "%.3gGB", (double)b / 1e9);
}

void image_cli_human_since(const char *rfc3339, char *buf, size_t n) {
  time_t t;
  if (hutch_parse_rfc3339(rfc3339, &t) < 0) {
    snprintf(buf, n, "N/A");
    return;
  }
  char d[48];
  hutch_human_duration(t < time(NULL) ? (long long)(time(NULL) - t) : 0, d, sizeof(d));
  snprintf(buf, n, "%s ago", d);
}

int image_cli_usage_error(const char *cmd, const char *msg) {
  fprintf(stderr, "hutch: %s: %s (see 'hutch %s --help')\n", cmd, msg, cmd);
  return HUTCH_EXIT_ERROR;
}

void image_cli_event(struct hutch_store *s, const char *action, const char *id, const char *name) {
  struct hutch_event ev = {.type = "image", .action = action, .id = id};
  hutch_event_attr_add(&ev, "name", name);
  hutch_events_emit(s->root, &ev);
}
