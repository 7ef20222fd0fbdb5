/* hutch stop [-t N] | kill [-s SIG] | restart [-t N] CONTAINER...:
 * stop sends the container's stop signal (its StopSignal or SIGTERM), then
 * SIGKILL after the timeout. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "util/cleanup.h"
#include "util/strutil.h"

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

static int stop_like(int argc, char **argv,
                     int (*fn)(struct hutch_engine *, struct hutch_ctr *, void *,
                               struct hutch_error **)) {
  int64_t timeout = -1;
  const char *signame = NULL;
  bool is_kill = fn == do_kill;
  const struct hutch_flag stop_flags[] = {
      {"time", 't', HUTCH_FLAG_INT, &timeout, "Seconds to wait before killing the container"},
      {"timeout", 0, HUTCH_FLAG_INT, &timeout, "", NULL, true},
      {0},
  };
  const struct hutch_flag kill_flags[] = {
      {"signal", 's', HUTCH_FLAG_STRING, &signame, "Signal to send to the container"},
      {0},
  };
  const char *summary = is_kill            ? "Kill one or more running containers"
                        : fn == do_restart ? "Restart one or more containers"
                                           : "Stop one or more running containers";
  const struct hutch_cmd cmd = {"[OPTIONS] CONTAINER [CONTAINER...]", summary,
                                is_kill ? kill_flags : stop_flags, 1, -1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (timeout < -1 || timeout > 1000000)
    return ctr_cli_usage_error(argv[0], "invalid --time");
  int sig = SIGKILL, t = (int)timeout;
  if (signame && (sig = hutch_parse_signal(signame)) <= 0)
    return ctr_cli_usage_error(argv[0], "invalid signal");
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  return ctr_cli_each(e, n + 1, argv, 1, false, false, fn, is_kill ? (void *)&sig : (void *)&t);
}

int cmd_stop(int argc, char **argv) {
  return stop_like(argc, argv, do_stop);
}
int cmd_kill(int argc, char **argv) {
  return stop_like(argc, argv, do_kill);
}
int cmd_restart(int argc, char **argv) {
  return stop_like(argc, argv, do_restart);
}
