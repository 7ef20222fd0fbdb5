/* Values of request bodies the endpoints share. */
#include "api_int.h"

#include <errno.h>

int api_string_map(json_t *j, const char *what, json_t **out, struct hutch_error **err) {
  const char *k;
  json_t *v;
  *out = NULL;
  if (!j || json_is_null(j))
    return 0;
  if (!json_is_object(j))
    return hutch_error_say(err, EINVAL, "invalid %s: want an object of strings", what);
  json_object_foreach(j, k, v) {
    if (!json_is_string(v))
      return hutch_error_say(err, EINVAL, "invalid %s: %s is not a string", what, k);
  }
  *out = j;
  return 0;
}
