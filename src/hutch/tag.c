/* hutch tag SOURCE TARGET: another name for an image. */
#include "commands.h"
#include "image_cli.h"

#include "util/cleanup.h"

#include <string.h>

int cmd_tag(int argc, char **argv) {
  if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    printf("Usage: hutch tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\n"
           "Give an image another name.\n");
    return 0;
  }
  if (argc != 3)
    return image_cli_usage_error("tag", "requires exactly 2 arguments");
  struct hutch_error *err = NULL;
  _cleanup_store_ struct hutch_store *s = NULL;
  if (image_cli_open_store(&s, &err) < 0 || hutch_image_tag(s, argv[1], argv[2], &err) < 0)
    return image_cli_fail(err);
  return 0;
}
