/* hutch rm [-f] [-v] CONTAINER... and hutch container prune [-f]. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

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
  return ctr_cli_each(e, n + 1, argv, 1, true, true, do_rm, &o);
}

/* container prune: every stopped container. */
int cmd_container_prune(int argc, char **argv) {
  bool force = false;
  const struct hutch_flag flags[] = {
      {"force", 'f', HUTCH_FLAG_BOOL, &force, "Do not prompt for confirmation"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS]", "Remove all stopped containers", flags, 0, 0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (!force && !hutch_confirm("WARNING! This will remove all stopped containers."))
    return 0;
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  struct hutch_ctr **all = NULL;
  size_t nc = 0;
  if (hutch_ctr_list_all(e, false, &all, &nc, &err) < 0)
    return ctr_cli_fail(err);
  printf("Deleted Containers:\n");
  for (size_t i = 0; i < nc; i++) {
    _cleanup_ctr_ struct hutch_ctr *ct = NULL;
    if (hutch_ctr_open(e, all[i]->id, true, &ct, NULL) < 0)
      continue;
    const char *st = hutch_ctr_status(e, ct);
    if (strcmp(st, "exited") && strcmp(st, "created") && strcmp(st, "dead"))
      continue;
    if (hutch_ctr_remove(e, ct, false, false, &err) < 0) {
      ctr_cli_report(&err);
      continue;
    }
    printf("%s\n", ct->id);
  }
  hutch_ctr_list_free(all, nc);
  return 0;
}
