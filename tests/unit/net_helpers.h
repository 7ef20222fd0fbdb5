/* Helpers shared by the unit tests of the engine's network files
 * (test_netflags.c, test_netetc.c, test_netrecord.c). */
#pragma once

#include "util/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A NULL-terminated vector of up to two strings (b may be NULL). */
static inline char **strv(const char *a, const char *b) {
  char **v = calloc(3, sizeof(char *));
  v[0] = a ? strdup(a) : NULL;
  v[1] = b ? strdup(b) : NULL;
  return v;
}

/* The text of dir/name, "" when it cannot be read. */
static inline char *slurp(const char *dir, const char *name) {
  char p[4200];
  snprintf(p, sizeof(p), "%s/%s", dir, name);
  char *t = NULL;
  if (hutch_read_file(p, &t, NULL) < 0)
    return strdup("");
  return t;
}
