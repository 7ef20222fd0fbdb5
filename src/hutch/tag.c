/* hutch tag SOURCE TARGET: another name for an image. */
#include "commands.h"
#include "flags.h"
#include "image_cli.h"

#include "util/cleanup.h"

int cmd_tag(int argc, char **argv) {
  int n, r = hutch_args_parse("SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
                              "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", 2, 2, argc,
                              argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_error *err = NULL;
  _cleanup_store_ struct hutch_store *s = NULL;
  if (image_cli_open_store(&s, &err) < 0 || hutch_image_tag(s, argv[1], argv[2], &err) < 0)
    return image_cli_fail(err);
  _cleanup_image_ struct hutch_image *img = NULL;
  if (hutch_image_lookup(s, argv[2], &img, NULL) == 0)
    image_cli_event(s, "tag", img->id, argv[2]);
  return 0;
}
