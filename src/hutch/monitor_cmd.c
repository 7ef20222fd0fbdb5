/* hutch __monitor: not for users. hutch-monitor execs it, in the same
 * process, when a detached container has exited: record the exit, apply
 * the restart policy (which starts the container again and execs
 * hutch-monitor again), remove it for --rm. See src/lib/engine/monitor.c.
 *
 *   hutch __monitor ID --status N --ran-ms MS --backoff MS [--tty] [--interactive] */
#include "commands.h"

#include "engine/engine.h"
#include "util/log.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_monitor(int argc, char **argv) {
  static const struct option opts[] = {
      {"status", required_argument, NULL, 's'},  {"ran-ms", required_argument, NULL, 'r'},
      {"backoff", required_argument, NULL, 'b'}, {"tty", no_argument, NULL, 't'},
      {"interactive", no_argument, NULL, 'i'},   {NULL, 0, NULL, 0}};
  hutch_log_set_prefix("hutch-monitor");
  struct hutch_monitor_args ma = {.ready_fd = -EBADF, .resume = true, .backoff_ms = 100};
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 's':
      ma.status = atoi(optarg);
      break;
    case 'r':
      ma.ran_ms = atol(optarg);
      break;
    case 'b':
      ma.backoff_ms = atoi(optarg);
      break;
    case 't':
      ma.tty = true;
      break;
    case 'i':
      ma.interactive = true;
      break;
    default:
      return HUTCH_EXIT_ERROR;
    }
  }
  if (optind != argc - 1) {
    fprintf(stderr,
            "hutch __monitor: usage: hutch __monitor ID --status N --ran-ms MS --backoff MS\n");
    return HUTCH_EXIT_ERROR;
  }
  ma.id = argv[optind];
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
