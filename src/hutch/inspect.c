/* hutch inspect [-f FORMAT] NAME...: docker-shaped JSON (an array) of
 * containers, or of images for names that are no container, and
 * hutch rename OLD NEW. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"
#include "image_cli.h"
#include "format.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct inspect_ctx {
  struct hutch_engine *e;
  const char *type; /* "", "container" or "image" */
  struct hutch_store *store;
};

/* One object: a container first, then (unless --type=container) an
 * image, as docker's inspect looks them up. */
static json_t *inspect_one(void *ud, const char *name, struct hutch_error **err) {
  struct inspect_ctx *x = ud;
  if (strcmp(x->type, "image") != 0) {
    _cleanup_ctr_ struct hutch_ctr *ct = NULL;
    if (hutch_ctr_open(x->e, name, false, &ct, err) == 0)
      return hutch_ctr_inspect(x->e, ct);
    if (hutch_error_code(*err) != -ENOENT || strcmp(x->type, "container") == 0)
      return NULL;
    hutch_error_free(*err);
    *err = NULL;
  }
  _cleanup_image_ struct hutch_image *img = NULL;
  if ((x->store || image_cli_open_store(&x->store, err) == 0) &&
      hutch_image_lookup(x->store, name, &img, err) == 0)
    return image_cli_inspect_json(img);
  if (hutch_error_code(*err) == -ENOENT) {
    hutch_error_free(*err);
    *err = NULL;
    hutch_error_say(err, ENOENT, "No such object: %s", name);
  }
  return NULL;
}

int cmd_inspect(int argc, char **argv) {
  const char *format = NULL, *type = "";
  const struct hutch_flag flags[] = {
      {"format", 'f', HUTCH_FLAG_STRING, &format,
       "Format output using the given Go template (or \"json\")"},
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
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct inspect_ctx x = {e, type, NULL};
  r = cli_inspect_print(argv + 1, n, format, inspect_one, &x);
  hutch_store_close(x.store);
  return r;
}

int cmd_rename(int argc, char **argv) {
  int n, r = hutch_args_parse("CONTAINER NEW_NAME", "Rename a container", 2, 2, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  _cleanup_engine_ struct hutch_engine *e = NULL;
  _cleanup_ctr_ struct hutch_ctr *ct = NULL;
  if (ctr_cli_open(argv[1], false, &e, &ct) != 0)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  if (hutch_ctr_rename(e, ct, argv[2], &err) < 0)
    return ctr_cli_fail(err);
  return 0;
}
