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
