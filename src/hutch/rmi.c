/* hutch rmi [-f] IMAGE... : untag, and delete what nothing names any more;
 * unused layers and blobs go with it. */
#include "commands.h"
#include "flags.h"
#include "image_cli.h"

#include "util/cleanup.h"
#include "util/strutil.h"

#include <string.h>

int cmd_rmi(int argc, char **argv) {
  bool force = false;
  const struct hutch_flag flags[] = {
      {"force", 'f', HUTCH_FLAG_BOOL, &force,
       "Remove an image with several names, or untag one a container uses"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images", flags, 1,
                                -1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_error *err = NULL;
  _cleanup_store_ struct hutch_store *s = NULL;
  if (image_cli_open_store(&s, &err) < 0)
    return image_cli_fail(err);
  int ret = 0;
  for (int i = 1; i <= n; i++) {
    _cleanup_strv_ char **log = NULL;
    if (hutch_image_remove(s, argv[i], force, &log, &err) < 0) {
      hutch_error_print(stderr, "hutch", err);
      hutch_error_free(err);
      err = NULL;
      ret = HUTCH_EXIT_ERROR;
    }
    for (size_t k = 0; log && log[k]; k++) {
      printf("%s\n", log[k]);
      if (hutch_str_has_prefix(log[k], "Untagged: "))
        image_cli_event(s, "untag", log[k] + 10, log[k] + 10);
      else if (hutch_str_has_prefix(log[k], "Deleted: "))
        image_cli_event(s, "delete", log[k] + 9, NULL);
    }
  }
  return ret;
}
