/* hutch diff CONTAINER: what the container changed in its rootfs, as
 * docker prints it (A added, C changed, D deleted). */
#include "commands.h"
#include "ctr_cli.h"

#include "util/cleanup.h"

#include <stdio.h>
#include <string.h>

int cmd_diff(int argc, char **argv) {
  if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    printf("Usage: hutch diff CONTAINER\n\nChanges to files or directories on a container's "
           "filesystem.\n");
    return 0;
  }
  if (argc != 2)
    return ctr_cli_usage_error("diff", "requires exactly 1 argument");
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_ctr_ struct hutch_ctr *ct = NULL;
  _cleanup_strv_ char **changes = NULL;
  if (hutch_ctr_open(e, argv[1], false, &ct, &err) < 0 || hutch_ctr_diff(e, ct, &changes, &err) < 0)
    return ctr_cli_fail(err);
  for (char **l = changes; *l; l++)
    printf("%s\n", *l);
  return 0;
}
