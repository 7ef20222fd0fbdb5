/* hutch export [-o FILE] CONTAINER: the container's merged rootfs as a
 * tar (on stdout unless -o), which `hutch import` turns into an image. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "util/cleanup.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_export(int argc, char **argv) {
  const char *output = NULL;
  const struct hutch_flag flags[] = {
      {"output", 'o', HUTCH_FLAG_STRING, &output, "Write to a file, instead of STDOUT"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] CONTAINER",
                                "Export a container's filesystem as a tar archive", flags, 1, 1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (!output && isatty(STDOUT_FILENO))
    return ctr_cli_usage_error("export",
                               "refusing to write a tar to a terminal (use -o FILE or a redirect)");
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_ctr_ struct hutch_ctr *ct = NULL;
  if (hutch_ctr_open(e, argv[1], false, &ct, &err) < 0)
    return ctr_cli_fail(err);
  _cleanup_close_ int fd =
      output ? open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : dup(STDOUT_FILENO);
  if (fd < 0) {
    hutch_error_set(&err, errno, "export: open %s", output ? output : "stdout");
    return ctr_cli_fail(err);
  }
  if (hutch_ctr_export(e, ct, fd, &err) < 0) {
    if (output)
      unlink(output);
    return ctr_cli_fail(err);
  }
  return 0;
}
