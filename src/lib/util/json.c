/* jansson helpers. */
#include "json.h"

char *hutch_json_dumps(const json_t *j) {
  return json_dumps(j, JSON_COMPACT);
}
