/* hutch save [-o FILE] [--format docker-archive|oci-archive] IMAGE... */
#include "commands.h"
#include "flags.h"
#include "image_cli.h"

#include "image/image_archive.h"
#include "util/cleanup.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cmd_save(int argc, char **argv) {
  const char *output = NULL, *format = "docker-archive";
  const struct hutch_flag flags[] = {
      {"format", 0, HUTCH_FLAG_STRING, &format, "docker-archive (default) or oci-archive"},
      {"output", 'o', HUTCH_FLAG_STRING, &output, "Write to a file, instead of STDOUT"},
      {0},
  };
  const struct hutch_cmd cmd = {
      "[OPTIONS] IMAGE [IMAGE...]",
      "Save one or more images to a tar archive (streamed to STDOUT by default)", flags, 1, -1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  enum hutch_archive_format fmt;
  if (strcmp(format, "docker-archive") == 0 || strcmp(format, "docker") == 0)
    fmt = HUTCH_ARCHIVE_DOCKER;
  else if (strcmp(format, "oci-archive") == 0 || strcmp(format, "oci") == 0)
    fmt = HUTCH_ARCHIVE_OCI;
  else
    return image_cli_usage_error("save", "--format takes docker-archive or oci-archive");
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
  r = hutch_image_save(s, argv + 1, (size_t)n, fmt, fd, &err);
  if (r == 0 && tmp && rename(tmp, output) < 0)
    r = hutch_error_set(&err, errno, "save: rename to %s", output);
  if (r < 0) {
    if (tmp)
      unlink(tmp);
    return image_cli_fail(err);
  }
  for (int i = 1; i <= n; i++)
    image_cli_event(s, "save", argv[i], argv[i]);
  return 0;
}
