/* hutch export [-o FILE] CONTAINER: the container's merged rootfs as a
 * tar (on stdout unless -o), which `hutch import` turns into an image. */
#include "commands.h"
#include "ctr_cli.h"

#include "util/cleanup.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_export(int argc, char **argv) {
  static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *output = NULL;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'o':
      output = optarg;
      break;
    case 'h':
      printf("Usage: hutch export [-o FILE] CONTAINER\n\nExport a container's filesystem as a tar "
             "archive.\n");
      return 0;
    default:
      return ctr_cli_usage_error("export", "unknown option");
    }
  }
  if (argc - optind != 1)
    return ctr_cli_usage_error("export", "requires exactly 1 argument");
  if (!output && isatty(STDOUT_FILENO))
    return ctr_cli_usage_error("export",
                               "refusing to write a tar to a terminal (use -o FILE or a redirect)");
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_ctr_ struct hutch_ctr *ct = NULL;
  if (hutch_ctr_open(e, argv[optind], false, &ct, &err) < 0)
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
