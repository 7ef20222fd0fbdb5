/* hutch wait CONTAINER...: block until each stops, print its exit code. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "util/cleanup.h"

#include <stdio.h>

int cmd_wait(int argc, char **argv) {
  int n, r = hutch_args_parse("CONTAINER [CONTAINER...]",
                              "Block until one or more containers stop, then print their exit "
                              "codes",
                              1, -1, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  int ret = 0;
  for (int i = 1; i <= n; i++) {
    struct hutch_error *err = NULL;
    int code;
    if (hutch_ctr_wait(e, argv[i], &code, &err) < 0) {
      hutch_error_print(stderr, "hutch", err);
      hutch_error_free(err);
      ret = 1;
      continue;
    }
    printf("%d\n", code);
    fflush(stdout);
  }
  return ret;
}
