/* hutch inspect [-f FORMAT] NAME...: docker-shaped JSON (an array) of
 * containers, or of images for names that are no container, and
 * hutch rename OLD NEW. */
#include "commands.h"
#include "ctr_cli.h"
#include "image_cli.h"
#include "template.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <errno.h>
#include <getopt.h>
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
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"type", required_argument, NULL, 'T'},
                                       {"size", no_argument, NULL, 's'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *format = NULL, *type = "";
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "+f:sh", opts, NULL)) != -1) {
    switch (c) {
    case 'f':
      format = optarg;
      break;
    case 'T':
      type = optarg;
      if (strcmp(type, "container") != 0 && strcmp(type, "image") != 0)
        return ctr_cli_usage_error("inspect", "--type must be container or image");
      break;
    case 's':
      break; /* sizes are not computed */
    case 'h':
      printf("Usage: hutch inspect [-f FORMAT] [--type container|image] NAME|ID [NAME|ID...]\n\n"
             "Low-level information on containers and images. FORMAT takes {{.Field.Path}} and\n"
             "{{json .Field.Path}}.\n");
      return 0;
    default:
      return ctr_cli_usage_error("inspect", "unknown option");
    }
  }
  if (optind >= argc)
    return ctr_cli_usage_error("inspect", "requires at least 1 argument");
  struct hutch_error *err = NULL;
  if (format && hutch_template_check(format, &err) < 0)
    return ctr_cli_fail(err);
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  _cleanup_json_ json_t *arr = json_array();
  int ret = inspect_objects(e, type, argc, argv, optind, arr);
  if (format) {
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
      if (hutch_template_print(stdout, format, o, &err) < 0)
        return ctr_cli_fail(err);
    }
    return ret;
  }
  _cleanup_free_ char *t = json_dumps(arr, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
  printf("%s\n", t ? t : "[]");
  return ret;
}

int cmd_rename(int argc, char **argv) {
  if (argc != 3)
    return ctr_cli_usage_error("rename", "requires exactly 2 arguments");
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
