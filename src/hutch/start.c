/* hutch start [-a] [-i] CONTAINER...: start created or exited containers,
 * with a monitor each; -a attaches to one and exits with its status. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "util/cleanup.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_start(int argc, char **argv) {
  bool attach = false, interactive = false;
  const char *detach_keys = NULL;
  const struct hutch_flag flags[] = {
      {"attach", 'a', HUTCH_FLAG_BOOL, &attach, "Attach STDOUT/STDERR and forward signals"},
      {"detach-keys", 0, HUTCH_FLAG_STRING, &detach_keys,
       "Override the key sequence for detaching a container"},
      {"interactive", 'i', HUTCH_FLAG_BOOL, &interactive, "Attach container's STDIN"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] CONTAINER [CONTAINER...]",
                                "Start one or more stopped containers", flags, 1, -1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (attach && n > 1)
    return ctr_cli_usage_error("start", "you cannot start and attach multiple containers at once");
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  int ret = 0;
  for (int i = 1; i <= n; i++) {
    struct hutch_error *err = NULL;
    _cleanup_ctr_ struct hutch_ctr *ct = NULL;
    struct hutch_attach a = {.attach = attach, .interactive = interactive};
    int status = 0;
    if (hutch_ctr_open(e, argv[i], true, &ct, &err) == 0 && attach && interactive && ct->cfg.tty) {
      /* docker: a tty needs a terminal to attach to */
      if (!isatty(STDIN_FILENO)) {
        fprintf(stderr, "the input device is not a TTY\n");
        return 1;
      }
      return ctr_cli_start_attach(e, ct, detach_keys, HUTCH_EXIT_ERROR);
    }
    if (err || hutch_ctr_start(e, ct, &a, &status, &err) < 0) {
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
