/* Subordinate id ranges and rootless id maps (subid.h). */
#include "subid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One "name:start:count" line (without its newline) into *out. */
static bool parse_line(const char *line, size_t len, const char *user, unsigned long id,
                       struct hutch_subid *out) {
  char buf[512], idstr[32];
  if (len == 0 || len >= sizeof(buf) || line[0] == '#')
    return false;
  memcpy(buf, line, len);
  buf[len] = '\0';
  char *c1 = strchr(buf, ':');
  char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (!c2)
    return false;
  *c1 = *c2 = '\0';
  snprintf(idstr, sizeof(idstr), "%lu", id);
  if (!(user && strcmp(buf, user) == 0) && strcmp(buf, idstr) != 0)
    return false;
  char *end1, *end2;
  errno = 0;
  unsigned long start = strtoul(c1 + 1, &end1, 10);
  unsigned long count = strtoul(c2 + 1, &end2, 10);
  if (errno || end1 == c1 + 1 || *end1 || end2 == c2 + 1 || *end2 || count == 0)
    return false;
  out->start = start;
  out->count = count;
  return true;
}

int hutch_subid_find(const char *text, const char *user, unsigned long id,
                     struct hutch_subid *out) {
  for (const char *p = text; p && *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    if (parse_line(p, len, user, id, out))
      return 0;
    p = nl ? nl + 1 : NULL;
  }
  return -ENOENT;
}

int hutch_subid_map(unsigned long id, const struct hutch_subid *range, char *buf, size_t len) {
  int w = range ? snprintf(buf, len, "0 %lu 1 1 %lu %lu", id, range->start, range->count)
                : snprintf(buf, len, "0 %lu 1", id);
  if (w < 0 || (size_t)w >= len)
    return -ENAMETOOLONG;
  return w;
}
