/* hutch logs [-f] [--tail N] [-t] CONTAINER: the json-file log written by
 * the monitor, each line back on the stream it came from. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "util/cleanup.h"
#include "util/strutil.h"

#include <stdio.h>
#include <string.h>

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
  const char *tailarg = "all";
  const struct hutch_flag flags[] = {
      {"follow", 'f', HUTCH_FLAG_BOOL, &follow, "Follow log output"},
      {"tail", 'n', HUTCH_FLAG_STRING, &tailarg,
       "Number of lines to show from the end of the logs (default \"all\")"},
      {"timestamps", 't', HUTCH_FLAG_BOOL, &ts, "Show timestamps"},
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
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_ctr_ struct hutch_ctr *ct = NULL;
  if (hutch_ctr_open(e, argv[1], false, &ct, &err) < 0)
    return ctr_cli_fail(err);
  struct hutch_logs_opts o = {.follow = follow, .tail = tail};
  return hutch_ctr_logs(e, ct, &o, emit, &ts) < 0 ? HUTCH_EXIT_ERROR : 0;
}
