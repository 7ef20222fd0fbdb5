/* hutch logs [-f] [--tail N] [-t] [--since T] [--until T] CONTAINER: the
 * json-file log written by the monitor, each line back on the stream it
 * came from (engine/logs.c reads it). */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "util/cleanup.h"
#include "util/strutil.h"
#include "util/units.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int emit(void *ud, const struct hutch_log_entry *en) {
  bool ts = *(bool *)ud;
  FILE *f = en->stderr_stream ? stderr : stdout;
  if (ts)
    fprintf(f, "%s ", en->time);
  fwrite(en->text, 1, en->len, f);
  fflush(f);
  return 0;
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
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  int64_t now_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
  struct hutch_logs_opts o = {.follow = follow, .tail = tail};
  if (since && hutch_parse_timestamp(since, now_ns, &o.since_ns) < 0)
    return ctr_cli_usage_error("logs", "invalid value for \"since\": not a time or duration");
  if (until && hutch_parse_timestamp(until, now_ns, &o.until_ns) < 0)
    return ctr_cli_usage_error("logs", "invalid value for \"until\": not a time or duration");
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_ctr_ struct hutch_ctr *ct = NULL;
  if (hutch_ctr_open(e, argv[1], false, &ct, &err) < 0)
    return ctr_cli_fail(err);
  r = hutch_ctr_logs(e, ct, &o, emit, &ts);
  if (r == -EOPNOTSUPP) {
    fprintf(stderr, "hutch: configured logging driver does not support reading\n");
    return HUTCH_EXIT_ERROR;
  }
  return r < 0 ? HUTCH_EXIT_ERROR : 0;
}
