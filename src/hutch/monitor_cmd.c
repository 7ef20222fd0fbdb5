/* hutch __monitor: not for users. hutch-monitor execs it, in the same
 * process, when a detached container has exited: record the exit, apply
 * the restart policy (which starts the container again and execs
 * hutch-monitor again), remove it for --rm. See src/lib/engine/monitor.c.
 *
 *   hutch __monitor ID --status N --ran-ms MS --backoff MS [--tty] [--interactive] */
#include "commands.h"
#include "flags.h"

#include "engine/engine.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_monitor(int argc, char **argv) {
  hutch_log_set_prefix("hutch-monitor");
  struct hutch_monitor_args ma = {
      .ready_fd = -EBADF, .owner_fd = -EBADF, .resume = true, .backoff_ms = 100};
  int64_t status = 0, ran_ms = 0, backoff_ms = 100;
  const struct hutch_flag flags[] = {
      {"status", 0, HUTCH_FLAG_INT, &status, "the container's wait status"},
      {"ran-ms", 0, HUTCH_FLAG_INT, &ran_ms, "how long it ran"},
      {"backoff", 0, HUTCH_FLAG_INT, &backoff_ms, "the restart delay"},
      {"tty", 0, HUTCH_FLAG_BOOL, &ma.tty, "it has a terminal"},
      {"interactive", 0, HUTCH_FLAG_BOOL, &ma.interactive, "its stdin is open"},
      {0},
  };
  const struct hutch_cmd cmd = {"ID --status N --ran-ms MS --backoff MS [--tty] [--interactive]",
                                "Not for users: hutch-monitor's way back in.", flags, 1, 1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  ma.status = (int)status;
  ma.ran_ms = (long)ran_ms;
  ma.backoff_ms = (int)backoff_ms;
  ma.id = argv[1];
  struct hutch_error *err = NULL;
  _cleanup_engine_ struct hutch_engine *e = NULL;
  if (hutch_engine_open(&e, &err) < 0) {
    hutch_error_print(stderr, "hutch-monitor", err);
    hutch_error_free(err);
    return HUTCH_EXIT_ERROR;
  }
  ma.e = e;
  if (hutch_monitor_run(&ma, &err) < 0 && err)
    hutch_error_print(stderr, "hutch-monitor", err);
  hutch_error_free(err);
  return 0;
}
