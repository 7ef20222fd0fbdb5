/* hutch rm [-f] [-v] CONTAINER... and hutch container prune [-f]. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"
#include "sys_cli.h"

#include "engine/prune.h"

#include "util/cleanup.h"

#include <stdio.h>
#include <string.h>

struct rm_opts {
  bool force, volumes;
};

static int do_rm(struct hutch_engine *e, struct hutch_ctr *c, void *ud, struct hutch_error **err) {
  struct rm_opts *o = ud;
  return hutch_ctr_remove(e, c, o->force, o->volumes, err);
}

int cmd_rm(int argc, char **argv) {
  struct rm_opts o = {0};
  const struct hutch_flag flags[] = {
      {"force", 'f', HUTCH_FLAG_BOOL, &o.force,
       "Force the removal of a running container (uses SIGKILL)"},
      {"volumes", 'v', HUTCH_FLAG_BOOL, &o.volumes,
       "Remove anonymous volumes associated with the container"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] CONTAINER [CONTAINER...]",
                                "Remove one or more containers", flags, 1, -1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  return ctr_cli_each(e, n + 1, argv, 1, true, o.force, do_rm, &o);
}

/* container prune [-f] [--filter until=|label=]: every stopped container
 * (engine/prune.h), then what it gave back, as docker prints it. */
int cmd_container_prune(int argc, char **argv) {
  static const struct cli_prune p = {"Remove all stopped containers",
                                     "WARNING! This will remove all stopped containers.",
                                     "Deleted Containers", true, hutch_prune_containers};
  return cli_prune_cmd(argc, argv, &p);
}
