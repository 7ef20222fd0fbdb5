/* hutch inspect CONTAINER...: docker-shaped JSON (an array), and
 * hutch rename OLD NEW. */
#include "commands.h"
#include "ctr_cli.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int cmd_inspect(int argc, char **argv) {
  int first = 1;
  if (argc > 1 && (strcmp(argv[1], "--type=container") == 0))
    first = 2;
  if (first >= argc)
    return ctr_cli_usage_error("inspect", "requires at least 1 argument");
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  _cleanup_json_ json_t *arr = json_array();
  int ret = 0;
  for (int i = first; i < argc; i++) {
    struct hutch_error *err = NULL;
    _cleanup_ctr_ struct hutch_ctr *ct = NULL;
    if (hutch_ctr_open(e, argv[i], false, &ct, &err) < 0) {
      hutch_error_print(stderr, "hutch", err);
      hutch_error_free(err);
      ret = 1;
      continue;
    }
    json_array_append_new(arr, hutch_ctr_inspect(e, ct));
  }
  _cleanup_free_ char *t = json_dumps(arr, JSON_INDENT(4));
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
  if (hutch_ctr_open(e, argv[1], false, &ct, &err) < 0 || hutch_ctr_rename(e, ct, argv[2], &err) < 0)
    return ctr_cli_fail(err);
  return 0;
}
