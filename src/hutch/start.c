/* hutch start [-a] [-i] CONTAINER...: start created or exited containers,
 * with a monitor each; -a attaches to one and exits with its status. */
#include "commands.h"
#include "ctr_cli.h"

#include "util/cleanup.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_start(int argc, char **argv) {
  static const struct option opts[] = {{"attach", no_argument, NULL, 'a'},
                                       {"interactive", no_argument, NULL, 'i'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  bool attach = false, interactive = false;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "+aih", opts, NULL)) != -1) {
    if (c == 'a')
      attach = true;
    else if (c == 'i')
      interactive = true;
    else if (c == 'h') {
      printf("Usage: hutch start [-a] [-i] CONTAINER [CONTAINER...]\n");
      return 0;
    } else
      return ctr_cli_usage_error("start", "unknown option");
  }
  if (optind >= argc)
    return ctr_cli_usage_error("start", "requires at least 1 argument");
  if (attach && argc - optind > 1)
    return ctr_cli_usage_error("start", "you cannot start and attach multiple containers at once");
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    struct hutch_error *err = NULL;
    _cleanup_ctr_ struct hutch_ctr *ct = NULL;
    struct hutch_attach a = {.attach = attach, .interactive = interactive};
    int status = 0;
    if (hutch_ctr_open(e, argv[i], true, &ct, &err) < 0 ||
        hutch_ctr_start(e, ct, &a, &status, &err) < 0) {
      hutch_error_print(stderr, "hutch", err);
      hutch_error_free(err);
      ret = 1;
      continue;
    }
    if (attach)
      return status;
    printf("%s\n", argv[i]);
  }
  return ret;
}
