/* hutch import FILE|- [NAME[:TAG]]: a rootfs tarball (plain, gzip, zstd,
 * xz, bzip2) becomes a one-layer image, as with docker import. */
#include "commands.h"
#include "flags.h"
#include "image_cli.h"

#include "util/cleanup.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int cmd_import(int argc, char **argv) {
  int n, r = hutch_args_parse("file|- [REPOSITORY[:TAG]]",
                              "Import the contents from a tarball to create a filesystem image", 1,
                              2, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_error *err = NULL;
  _cleanup_close_ int fd = -EBADF;
  if (strcmp(argv[1], "-") == 0) {
    fd = dup(STDIN_FILENO);
  } else {
    fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      hutch_error_set(&err, errno, "import: open %s", argv[1]);
      return image_cli_fail(err);
    }
  }
  _cleanup_store_ struct hutch_store *s = NULL;
  _cleanup_image_ struct hutch_image *img = NULL;
  if (image_cli_open_store(&s, &err) < 0 ||
      hutch_image_import(s, fd, n == 2 ? argv[2] : NULL, &img, &err) < 0)
    return image_cli_fail(err);
  image_cli_event(s, "import", img->id, n == 2 ? argv[2] : NULL);
  printf("%s\n", img->id);
  return 0;
}
