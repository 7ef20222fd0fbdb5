/* hutch save [-o FILE] [--format docker-archive|oci-archive] IMAGE... */
#include "commands.h"
#include "image_cli.h"

#include "image/image_archive.h"
#include "util/cleanup.h"

#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cmd_save(int argc, char **argv) {
  static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                       {"format", required_argument, NULL, 'f'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *output = NULL;
  enum hutch_archive_format fmt = HUTCH_ARCHIVE_DOCKER;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'o':
      output = optarg;
      break;
    case 'f':
      if (strcmp(optarg, "docker-archive") == 0 || strcmp(optarg, "docker") == 0)
        fmt = HUTCH_ARCHIVE_DOCKER;
      else if (strcmp(optarg, "oci-archive") == 0 || strcmp(optarg, "oci") == 0)
        fmt = HUTCH_ARCHIVE_OCI;
      else
        return image_cli_usage_error("save", "--format takes docker-archive or oci-archive");
      break;
    case 'h':
      printf("Usage: hutch save [OPTIONS] IMAGE [IMAGE...]\n\n"
             "Write images to a tar archive (standard output by default).\n\n"
             "Options:\n"
             "  -o, --output string   write to this file\n"
             "      --format string   docker-archive (default) or oci-archive\n");
      return 0;
    default:
      return image_cli_usage_error("save", "unknown option");
    }
  }
  if (optind >= argc)
    return image_cli_usage_error("save", "requires at least one image");
  if (output == NULL && isatty(STDOUT_FILENO))
    return image_cli_usage_error("save", "refusing to write an archive to a terminal; use -o");
  struct hutch_error *err = NULL;
  _cleanup_store_ struct hutch_store *s = NULL;
  if (image_cli_open_store(&s, &err) < 0)
    return image_cli_fail(err);
  _cleanup_free_ char *tmp = NULL;
  _cleanup_close_ int fd = -EBADF;
  if (output) {
    /* write beside the target and rename: no half archive under its name */
    if (asprintf(&tmp, "%s.tmp-XXXXXX", output) < 0 || (fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
      hutch_error_set(&err, errno, "save: create %s", output);
      return image_cli_fail(err);
    }
    fchmod(fd, 0644);
  } else {
    fd = dup(STDOUT_FILENO);
  }
  int r = hutch_image_save(s, argv + optind, (size_t)(argc - optind), fmt, fd, &err);
  if (r == 0 && tmp && rename(tmp, output) < 0)
    r = hutch_error_set(&err, errno, "save: rename to %s", output);
  if (r < 0) {
    if (tmp)
      unlink(tmp);
    return image_cli_fail(err);
  }
  return 0;
}
