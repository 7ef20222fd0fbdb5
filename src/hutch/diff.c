/* hutch diff CONTAINER: what the container changed in its rootfs, as
 * docker prints it (A added, C changed, D deleted). */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "util/cleanup.h"

#include <stdio.h>
#include <string.h>

int cmd_diff(int argc, char **argv) {
  int n, r = hutch_args_parse("CONTAINER",
                              "Inspect changes to files or directories on a container's filesystem",
                              1, 1, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  _cleanup_engine_ struct hutch_engine *e = NULL;
  _cleanup_ctr_ struct hutch_ctr *ct = NULL;
  if (ctr_cli_open(argv[1], false, &e, &ct) != 0)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_strv_ char **changes = NULL;
  if (hutch_ctr_diff(e, ct, &changes, &err) < 0)
    return ctr_cli_fail(err);
  for (char **l = changes; *l; l++)
    printf("%s\n", *l);
  return 0;
}
