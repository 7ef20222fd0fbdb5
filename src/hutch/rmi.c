/* hutch rmi [-f] IMAGE... : untag, and delete what nothing names any more;
 * unused layers and blobs go with it. */
#include "commands.h"
#include "image_cli.h"

#include "util/cleanup.h"

#include <getopt.h>
#include <string.h>

static void usage(FILE *f) {
  fprintf(f, "Usage: hutch rmi [OPTIONS] IMAGE [IMAGE...]\n\n"
             "Remove one or more images.\n\n"
             "Options:\n"
             "  -f, --force   remove an image with several names, or untag one a container uses\n");
}

int cmd_rmi(int argc, char **argv) {
  static const struct option opts[] = {
      {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  bool force = false;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
    if (c == 'f')
      force = true;
    else if (c == 'h') {
      usage(stdout);
      return 0;
    } else
      return image_cli_usage_error(argv[0], "unknown option");
  }
  if (optind >= argc)
    return image_cli_usage_error(argv[0], "requires at least one image");
  struct hutch_error *err = NULL;
  _cleanup_store_ struct hutch_store *s = NULL;
  if (image_cli_open_store(&s, &err) < 0)
    return image_cli_fail(err);
  int ret = 0;
  for (int i = optind; i < argc; i++) {
    _cleanup_strv_ char **log = NULL;
    if (hutch_image_remove(s, argv[i], force, &log, &err) < 0) {
      hutch_error_print(stderr, "hutch", err);
      hutch_error_free(err);
      err = NULL;
      ret = HUTCH_EXIT_ERROR;
    }
    for (size_t k = 0; log && log[k]; k++)
      printf("%s\n", log[k]);
  }
  return ret;
}
