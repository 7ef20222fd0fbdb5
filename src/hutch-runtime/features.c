/* `features`: print the runtime-spec features document
 * (runtime/features.c builds it). */
#include "verbs.h"

#include "runtime/oci_features.h"
#include "util/json.h"

#include <stdio.h>
#include <string.h>

VERB(features) {
  (void)g;
  if (argc > 1) {
    bool help = strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0;
    fprintf(help ? stdout : stderr, "Usage: hutch-runtime features\n");
    return help ? 0 : 1;
  }
  _cleanup_json_ json_t *j = hutch_runtime_features();
  if (j == NULL) {
    fprintf(stderr, "hutch-runtime: features: cannot build the document\n");
    return 1;
  }
  json_dumpf(j, stdout, JSON_INDENT(4));
  putchar('\n');
  return 0;
}
