/* What the libFuzzer targets share: the entry point's prototype (for
 * -Wmissing-prototypes) and the input as C strings, since most parsers of
 * outside input take a NUL-terminated string the way a flag or a file's
 * text reaches them. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as a string (cut at its first NUL, as argv would cut it); NULL on
 * ENOMEM. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (s == NULL)
    return NULL;
  memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

/* The next line of *p (a newline ends it), NUL-terminated in place; NULL
 * when *p is used up. For targets whose parsers each take one flag value. */
static inline char *fuzz_next_line(char **p) {
  if (*p == NULL)
    return NULL;
  char *line = *p;
  char *nl = strchr(line, '\n');
  if (nl) {
    *nl = '\0';
    *p = nl + 1;
  } else {
    *p = NULL;
  }
  return line;
}
