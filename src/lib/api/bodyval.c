/* Values of request bodies the endpoints share. */
#include "api_int.h"

#include "util/strutil.h"

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

int api_strv(json_t *a, char ***v, const char *what, struct hutch_error **err) {
  if (!a || json_is_null(a))
    return 0;
  if (!json_is_array(a))
    return hutch_error_say(err, EINVAL, "invalid %s", what);
  size_t i;
  json_t *x;
  json_array_foreach(a, i, x) {
    if (!json_is_string(x))
      return hutch_error_say(err, EINVAL, "invalid %s", what);
    if (hutch_strv_push(v, json_string_value(x)) < 0)
      return hutch_error_set(err, ENOMEM, "%s", what);
  }
  return 0;
}

int api_bool_field(json_t *j, const char *what, bool *out, struct hutch_error **err) {
  if (!j || json_is_null(j))
    return 0;
  if (!json_is_boolean(j))
    return hutch_error_say(err, EINVAL, "invalid %s: want a boolean", what);
  *out = json_is_true(j);
  return 0;
}

int api_str_field(json_t *j, const char *what, const char **out, struct hutch_error **err) {
  if (!j || json_is_null(j))
    return 0;
  if (!json_is_string(j))
    return hutch_error_say(err, EINVAL, "invalid %s: want a string", what);
  *out = json_string_value(j);
  return 0;
}
