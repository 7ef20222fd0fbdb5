/* hutch inspect [-f FORMAT] NAME...: docker-shaped JSON (an array) of
 * containers, or of images for names that are no container, and
 * hutch rename OLD NEW. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"
#include "image_cli.h"
#include "template.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The objects named in argv[first..]: containers first, then (unless
 * --type=container) images, as docker's inspect looks them up. */
static int inspect_objects(struct hutch_engine *e, const char *type, int argc, char **argv,
                           int first, json_t *out) {
  int ret = 0;
  _cleanup_store_ struct hutch_store *store = NULL;
  for (int i = first; i < argc; i++) {
    struct hutch_error *err = NULL;
    if (strcmp(type, "image") != 0) {
      _cleanup_ctr_ struct hutch_ctr *ct = NULL;
      if (hutch_ctr_open(e, argv[i], false, &ct, &err) == 0) {
        json_array_append_new(out, hutch_ctr_inspect(e, ct));
        continue;
      }
      if (hutch_error_code(err) != -ENOENT || strcmp(type, "container") == 0) {
        hutch_error_print(stderr, "hutch", err);
        hutch_error_free(err);
        ret = 1;
        continue;
      }
      hutch_error_free(err);
      err = NULL;
    }
    _cleanup_image_ struct hutch_image *img = NULL;
    if ((store || image_cli_open_store(&store, &err) == 0) &&
        hutch_image_lookup(store, argv[i], &img, &err) == 0) {
      json_array_append_new(out, image_cli_inspect_json(img));
      continue;
    }
    if (hutch_error_code(err) == -ENOENT)
      fprintf(stderr, "Error: No such object: %s\n", argv[i]);
    else
      hutch_error_print(stderr, "hutch", err);
    hutch_error_free(err);
    ret = 1;
  }
  return ret;
}

int cmd_inspect(int argc, char **argv) {
  const char *format = NULL, *type = "";
  const struct hutch_flag flags[] = {
      {"format", 'f', HUTCH_FLAG_STRING, &format,
       "Format output using a template: {{.Field.Path}}, {{json .Field.Path}}"},
      {"type", 0, HUTCH_FLAG_STRING, &type,
       "Only inspect objects of this type: container or image"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] NAME|ID [NAME|ID...]",
                                "Return low-level information on containers and images", flags, 1,
                                -1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (*type && strcmp(type, "container") != 0 && strcmp(type, "image") != 0)
    return ctr_cli_usage_error("inspect", "--type must be container or image");
  struct hutch_error *err = NULL;
  if (format && hutch_template_check(format, &err) < 0)
    return ctr_cli_fail(err);
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  _cleanup_json_ json_t *arr = json_array();
  int ret = inspect_objects(e, type, n + 1, argv, 1, arr);
  if (hutch_template_print_all(stdout, format, arr, &err) < 0)
    return ctr_cli_fail(err);
  return ret;
}

int cmd_rename(int argc, char **argv) {
  int n, r = hutch_args_parse("CONTAINER NEW_NAME", "Rename a container", 2, 2, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_ctr_ struct hutch_ctr *ct = NULL;
  if (hutch_ctr_open(e, argv[1], false, &ct, &err) < 0 ||
      hutch_ctr_rename(e, ct, argv[2], &err) < 0)
    return ctr_cli_fail(err);
  return 0;
}
