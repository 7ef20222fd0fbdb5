/* jansson helpers: cleanup and typed getters that produce errors naming
 * the JSON path of what is wrong. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

static inline void hutch_json_decrefp(json_t **j) {
  if (*j)
    json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(hutch_json_decrefp)))

/* Serialise compactly into a new string (caller frees). */
char *hutch_json_dumps(const json_t *j);
/* obj (a reference stolen) with its keys in sorted order, as Go writes
 * a map: objects keep the order they were built in, so the producers of
 * docker's maps (Labels, Options …) sort them. NULL on ENOMEM. */
json_t *hutch_json_sorted(json_t *obj);
