/* hutch load [-i FILE] [-q]: images from a docker-archive or OCI archive
 * (standard input by default). */
#include "commands.h"
#include "flags.h"
#include "image_cli.h"

#include "image/image_archive.h"
#include "util/cleanup.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int cmd_load(int argc, char **argv) {
  const char *input = NULL;
  bool quiet = false;
  const struct hutch_flag flags[] = {
      {"input", 'i', HUTCH_FLAG_STRING, &input, "Read from tar archive file, instead of STDIN"},
      {"quiet", 'q', HUTCH_FLAG_BOOL, &quiet, "Suppress the load output"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS]", "Load an image from a tar archive or STDIN", flags, 0,
                                0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
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
  for (size_t i = 0; loaded && loaded[i]; i++) {
    /* "Loaded image: NAME" or "Loaded image ID: ID" */
    const char *what = strchr(loaded[i], ':');
    what = what ? what + 2 : loaded[i];
    image_cli_event(s, "load", what, what);
    if (!quiet)
      printf("%s\n", loaded[i]);
  }
  return 0;
}
