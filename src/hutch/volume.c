/* hutch volume create|ls|rm|inspect|prune. */
#include "commands.h"
#include "ctr_cli.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <stdio.h>
#include <string.h>

int cmd_volume(int argc, char **argv) {
  if (argc < 2)
    return ctr_cli_usage_error("volume", "requires a subcommand: create, ls, rm, inspect, prune");
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  const char *sub = argv[1];
  struct hutch_error *err = NULL;
  if (strcmp(sub, "create") == 0) {
    _cleanup_free_ char *name = NULL;
    if (hutch_volume_create(e, argc > 2 ? argv[2] : NULL, argc <= 2, &name, NULL, &err) < 0)
      return ctr_cli_fail(err);
    printf("%s\n", name);
    return 0;
  }
  if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0) {
    bool quiet = argc > 2 && strcmp(argv[2], "-q") == 0;
    _cleanup_strv_ char **names = NULL;
    if (hutch_volume_list(e, &names, &err) < 0)
      return ctr_cli_fail(err);
    if (!quiet)
      printf("%-10s %s\n", "DRIVER", "VOLUME NAME");
    for (char **n = names; *n; n++)
      quiet ? printf("%s\n", *n) : printf("%-10s %s\n", "local", *n);
    return 0;
  }
  if (strcmp(sub, "rm") == 0 || strcmp(sub, "remove") == 0) {
    int i = 2;
    bool force = false;
    if (i < argc && strcmp(argv[i], "-f") == 0)
      force = true, i++;
    int ret = 0;
    for (; i < argc; i++) {
      if (hutch_volume_remove(e, argv[i], force, &err) < 0) {
        hutch_error_print(stderr, "hutch", err);
        hutch_error_free(err);
        err = NULL;
        ret = 1;
        continue;
      }
      printf("%s\n", argv[i]);
    }
    return ret;
  }
  if (strcmp(sub, "inspect") == 0) {
    _cleanup_json_ json_t *arr = json_array();
    int ret = 0;
    for (int i = 2; i < argc; i++) {
      json_t *j = hutch_volume_inspect(e, argv[i], &err);
      if (!j) {
        hutch_error_print(stderr, "hutch", err);
        hutch_error_free(err);
        err = NULL;
        ret = 1;
        continue;
      }
      json_array_append_new(arr, j);
    }
    _cleanup_free_ char *t = json_dumps(arr, JSON_INDENT(4));
    printf("%s\n", t);
    return ret;
  }
  if (strcmp(sub, "prune") == 0) {
    /* docker prunes anonymous volumes only, unless -a */
    bool all = false;
    for (int i = 2; i < argc; i++)
      if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "--all") == 0)
        all = true;
    _cleanup_strv_ char **names = NULL;
    if (hutch_volume_list(e, &names, &err) < 0)
      return ctr_cli_fail(err);
    printf("Deleted Volumes:\n");
    for (char **n = names; *n; n++) {
      _cleanup_json_ json_t *j = hutch_volume_inspect(e, *n, NULL);
      bool anon = j && json_object_get(json_object_get(j, "Labels"), "com.docker.volume.anonymous");
      if (!all && !anon)
        continue;
      if (hutch_volume_remove(e, *n, false, NULL) == 0)
        printf("%s\n", *n);
    }
    return 0;
  }
  return ctr_cli_usage_error("volume", "unknown subcommand");
}
