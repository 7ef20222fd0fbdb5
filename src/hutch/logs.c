/* hutch logs [-f] [--tail N] [-t] [--since T] [--until T] CONTAINER: the
 * json-file log written by the monitor, each line back on the stream it
 * came from. As docker's, --tail picks the last lines first, then
 * --since/--until keep those in the window. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t realtime_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
}

/* The time window: since <= time <= until (until < 0: no end). */
struct window {
  int64_t since, until;
};

/* Print a line in the window; false once a line is past its end. */
static bool emit(const char *line, bool ts, const struct window *w) {
  json_error_t je;
  _cleanup_json_ json_t *j = json_loads(line, 0, &je);
  if (!j)
    return true;
  int64_t t = 0;
  if ((w->since > 0 || w->until >= 0) &&
      hutch_parse_timestamp(json_string_value(json_object_get(j, "time")) ?: "", 0, &t) == 0) {
    if (w->until >= 0 && t > w->until)
      return false;
    if (t < w->since)
      return true;
  }
  const char *log = json_string_value(json_object_get(j, "log"));
  const char *stream = json_string_value(json_object_get(j, "stream"));
  FILE *f = stream && strcmp(stream, "stderr") == 0 ? stderr : stdout;
  if (ts)
    fprintf(f, "%s ", json_string_value(json_object_get(j, "time")) ?: "");
  fputs(log ? log : "", f);
  fflush(f);
  return true;
}

/* Lines of a file into *v (appending). */
static void read_lines(const char *path, char ***v, long *offset) {
  FILE *f = fopen(path, "re");
  if (!f)
    return;
  if (offset)
    fseek(f, *offset, SEEK_SET);
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) > 0) {
    if (line[n - 1] != '\n')
      break; /* partial: the monitor is writing it */
    if (offset)
      *offset += n;
    hutch_strv_push(v, line);
  }
  free(line);
  fclose(f);
}

int cmd_logs(int argc, char **argv) {
  bool follow = false, ts = false;
  const char *tailarg = "all", *since = NULL, *until = NULL;
  const struct hutch_flag flags[] = {
      {"follow", 'f', HUTCH_FLAG_BOOL, &follow, "Follow log output"},
      {"tail", 'n', HUTCH_FLAG_STRING, &tailarg,
       "Number of lines to show from the end of the logs (default \"all\")"},
      {"since", 0, HUTCH_FLAG_STRING, &since,
       "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for "
       "42 minutes)"},
      {"timestamps", 't', HUTCH_FLAG_BOOL, &ts, "Show timestamps"},
      {"until", 0, HUTCH_FLAG_STRING, &until,
       "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" "
       "for 42 minutes)"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] CONTAINER", "Fetch the logs of a container", flags, 1,
                                1};
  int nargs, r = hutch_flags_parse(&cmd, argc, argv, &nargs);
  if (r != 0)
    return hutch_flags_status(r);
  int64_t tail = -1;
  if (strcmp(tailarg, "all") != 0 && hutch_parse_int64(tailarg, 0, INT64_MAX, &tail) < 0)
    return ctr_cli_usage_error("logs", "invalid --tail");
  struct window w = {0, -1};
  int64_t now_ns = realtime_ns();
  if (since && hutch_parse_timestamp(since, now_ns, &w.since) < 0)
    return ctr_cli_usage_error("logs", "invalid value for \"since\": not a time or duration");
  if (until && hutch_parse_timestamp(until, now_ns, &w.until) < 0)
    return ctr_cli_usage_error("logs", "invalid value for \"until\": not a time or duration");
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_ctr_ struct hutch_ctr *ct = NULL;
  if (hutch_ctr_open(e, argv[1], false, &ct, &err) < 0)
    return ctr_cli_fail(err);
  if (strcmp(ct->cfg.log_driver, "json-file") != 0) {
    fprintf(stderr, "hutch: configured logging driver does not support reading\n");
    return HUTCH_EXIT_ERROR;
  }
  const char *path = ct->cfg.log_path;
  _cleanup_strv_ char **lines = calloc(1, sizeof(char *));
  /* the rotated files, oldest first (--log-opt max-file; hutch's bound keeps one) */
  for (int i = ct->cfg.log_max_file > 1 ? ct->cfg.log_max_file - 1 : 1; i >= 1; i--) {
    char old[4300];
    snprintf(old, sizeof(old), "%s.%d", path, i);
    read_lines(old, &lines, NULL);
  }
  long off = 0;
  read_lines(path, &lines, &off);
  size_t n = hutch_strv_len(lines);
  size_t from = tail >= 0 && (size_t)tail < n ? n - (size_t)tail : 0;
  bool more = true;
  for (size_t i = from; i < n && more; i++)
    more = emit(lines[i], ts, &w);
  while (follow && more) {
    bool running = strcmp(hutch_ctr_status(e, ct), "running") == 0 ||
                   strcmp(hutch_ctr_status(e, ct), "restarting") == 0 ||
                   strcmp(hutch_ctr_status(e, ct), "paused") == 0;
    _cleanup_strv_ char **fresh = calloc(1, sizeof(char *));
    read_lines(path, &fresh, &off);
    for (char **l = fresh; *l && more; l++)
      more = emit(*l, ts, &w);
    if (!running || (w.until >= 0 && realtime_ns() > w.until))
      break;
    usleep(100000);
    if (hutch_ctr_reload(ct, NULL) < 0)
      break;
  }
  return 0;
}
