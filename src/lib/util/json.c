/* jansson helpers. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

char *hutch_json_dumps(const json_t *j) {
  return json_dumps(j, JSON_COMPACT);
}

static int cmp_keys(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *hutch_json_sorted(json_t *obj) {
  size_t n = json_object_size(obj), i = 0;
  const char **keys = calloc(n ? n : 1, sizeof(*keys));
  json_t *out = keys ? json_object() : NULL;
  const char *k;
  json_t *v;
  if (out) {
    json_object_foreach(obj, k, v) keys[i++] = k;
    qsort(keys, n, sizeof(*keys), cmp_keys);
    for (i = 0; i < n; i++)
      json_object_set(out, keys[i], json_object_get(obj, keys[i]));
  }
  free(keys);
  json_decref(obj);
  return out;
}
