/* hutch load [-i FILE] [-q]: images from a docker-archive or OCI archive
 * (standard input by default). */
#include "commands.h"
#include "image_cli.h"

#include "image/image_archive.h"
#include "util/cleanup.h"

#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

int cmd_load(int argc, char **argv) {
  static const struct option opts[] = {{"input", required_argument, NULL, 'i'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *input = NULL;
  bool quiet = false;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "+i:qh", opts, NULL)) != -1) {
    switch (c) {
    case 'i':
      input = optarg;
      break;
    case 'q':
      quiet = true;
      break;
    case 'h':
      printf("Usage: hutch load [OPTIONS]\n\n"
             "Load images from a docker-archive or OCI archive.\n\n"
             "Options:\n"
             "  -i, --input string   read from this file (default: standard input)\n"
             "  -q, --quiet          print nothing\n");
      return 0;
    default:
      return image_cli_usage_error("load", "unknown option");
    }
  }
  if (optind != argc)
    return image_cli_usage_error("load", "takes no arguments");
  struct hutch_error *err = NULL;
  _cleanup_close_ int fd = input ? open(input, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
  if (fd < 0) {
    hutch_error_set(&err, errno, "load: open %s", input ? input : "stdin");
    return image_cli_fail(err);
  }
  _cleanup_store_ struct hutch_store *s = NULL;
  _cleanup_strv_ char **loaded = NULL;
  if (image_cli_open_store(&s, &err) < 0 || hutch_image_load(s, fd, &loaded, &err) < 0)
    return image_cli_fail(err);
  for (size_t i = 0; !quiet && loaded && loaded[i]; i++)
    printf("%s\n", loaded[i]);
  return 0;
}
