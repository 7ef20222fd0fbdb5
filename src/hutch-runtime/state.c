/* `state` and `list`. */
#include "verbs.h"

#include "util/json.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

VERB(state) {
  int rc;
  const char *id = verb_only_id(argc, argv, "state ID", &rc);
  if (id == NULL)
    return rc;
  struct hutch_error *e = NULL;
  _cleanup_json_ json_t *j = NULL;
  if (hutch_container_state(&g->rt, id, &j, &e) < 0)
    return verb_fail(e);
  json_dumpf(j, stdout, JSON_INDENT(2));
  putchar('\n');
  return 0;
}

VERB(list) {
  static const struct option opts[] = {
      {"quiet", no_argument, NULL, 'q'},
      {"format", required_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  bool quiet = false, json = false;
  int c;
  while ((c = getopt_long_only(argc, argv, "qf:h", opts, NULL)) != -1) {
    switch (c) {
    case 'q':
      quiet = true;
      break;
    case 'f':
      if (strcmp(optarg, "json") == 0)
        json = true;
      else if (strcmp(optarg, "table") != 0) {
        fprintf(stderr, "hutch-runtime: list --format: unknown format \"%s\" (table or json)\n",
                optarg);
        return 1;
      }
      break;
    case 'h':
      printf("Usage: hutch-runtime list [-q] [--format table|json]\n");
      return 0;
    default:
      return 1;
    }
  }
  struct hutch_error *e = NULL;
  _cleanup_json_ json_t *arr = NULL;
  if (hutch_container_list(&g->rt, &arr, &e) < 0)
    return verb_fail(e);
  size_t i;
  json_t *it;
  if (json) {
    json_dumpf(arr, stdout, 0);
    putchar('\n');
    return 0;
  }
  if (!quiet)
    printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
           "OWNER");
  json_array_foreach(arr, i, it) {
    const char *id = json_string_value(json_object_get(it, "id"));
    if (quiet) {
      printf("%s\n", id);
      continue;
    }
    printf("%-20s %-8lld %-10s %-40s %-32s %s\n", id,
           (long long)json_integer_value(json_object_get(it, "pid")),
           json_string_value(json_object_get(it, "status")),
           json_string_value(json_object_get(it, "bundle")),
           json_string_value(json_object_get(it, "created")),
           json_string_value(json_object_get(it, "owner")));
  }
  return 0;
}
