/* hutch stop [-t N] | kill [-s SIG] | restart [-t N] CONTAINER...:
 * stop sends the container's stop signal (its StopSignal or SIGTERM), then
 * SIGKILL after the timeout. */
#include "commands.h"
#include "ctr_cli.h"

#include "util/cleanup.h"
#include "util/strutil.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static int do_stop(struct hutch_engine *e, struct hutch_ctr *c, void *ud,
                   struct hutch_error **err) {
  return hutch_ctr_stop(e, c, *(int *)ud, err);
}

static int do_kill(struct hutch_engine *e, struct hutch_ctr *c, void *ud,
                   struct hutch_error **err) {
  return hutch_ctr_kill(e, c, *(int *)ud, err);
}

static int do_restart(struct hutch_engine *e, struct hutch_ctr *c, void *ud,
                      struct hutch_error **err) {
  if (hutch_ctr_stop(e, c, *(int *)ud, err) < 0)
    return -1;
  _cleanup_ctr_ struct hutch_ctr *again = NULL;
  if (hutch_ctr_open(e, c->id, true, &again, err) < 0)
    return -1;
  struct hutch_attach a = {0};
  int status;
  return hutch_ctr_start(e, again, &a, &status, err);
}

static int stop_like(const char *cmd, int argc, char **argv,
                     int (*fn)(struct hutch_engine *, struct hutch_ctr *, void *,
                               struct hutch_error **)) {
  static const struct option opts[] = {{"time", required_argument, NULL, 't'},
                                       {"timeout", required_argument, NULL, 't'},
                                       {"signal", required_argument, NULL, 's'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int timeout = -1, sig = SIGKILL;
  bool is_kill = fn == do_kill;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, is_kill ? "+s:h" : "+t:s:h", opts, NULL)) != -1) {
    int64_t v;
    switch (c) {
    case 't':
      if (hutch_parse_int64(optarg, -1, 1000000, &v) < 0)
        return ctr_cli_usage_error(cmd, "invalid --time");
      timeout = (int)v;
      break;
    case 's':
      sig = hutch_parse_signal(optarg);
      if (sig <= 0)
        return ctr_cli_usage_error(cmd, "invalid signal");
      break;
    case 'h':
      printf("Usage: hutch %s [OPTIONS] CONTAINER [CONTAINER...]\n", cmd);
      return 0;
    default:
      return ctr_cli_usage_error(cmd, "unknown option");
    }
  }
  if (optind >= argc)
    return ctr_cli_usage_error(cmd, "requires at least 1 argument");
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  return ctr_cli_each(e, argc, argv, optind, false, true, fn,
                      is_kill ? (void *)&sig : (void *)&timeout);
}

int cmd_stop(int argc, char **argv) {
  return stop_like("stop", argc, argv, do_stop);
}
int cmd_kill(int argc, char **argv) {
  return stop_like("kill", argc, argv, do_kill);
}
int cmd_restart(int argc, char **argv) {
  return stop_like("restart", argc, argv, do_restart);
}
