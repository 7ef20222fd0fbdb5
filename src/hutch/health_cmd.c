/* hutch __health: not for users. A container's monitor runs it every
 * health-check interval: one probe of the container's Config.Healthcheck,
 * recorded in state.db (src/lib/engine/health.c).
 *
 *   hutch __health ID */
#include "commands.h"
#include "flags.h"

#include "engine/health.h"
#include "util/log.h"

#include <stdio.h>

int cmd_health(int argc, char **argv) {
  hutch_log_set_prefix("hutch-health");
  int n, r = hutch_args_parse("ID", "Not for users: one health check of a container.", 1, 1, argc,
                              argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_error *err = NULL;
  _cleanup_engine_ struct hutch_engine *e = NULL;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (hutch_engine_open(&e, &err) < 0 || hutch_ctr_open(e, argv[1], false, &c, &err) < 0 ||
      hutch_health_probe(e, c, &err) < 0) {
    hutch_error_print(stderr, "hutch-health", err);
    hutch_error_free(err);
    return HUTCH_EXIT_ERROR;
  }
  return 0;
}
