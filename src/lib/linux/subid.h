/* Subordinate ids (/etc/subuid, /etc/subgid) and the id maps a rootless
 * user namespace gets from them: pure functions, unit-tested. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct hutch_subid {
  unsigned long start;
  unsigned long count;
};

/* The first range in TEXT (subuid(5) format: "name:start:count" lines, a
 * line naming the user or the numeric id) for USER or ID. 0 when found,
 * -ENOENT when the file has none for this user. Malformed lines are
 * skipped, as shadow's newuidmap does. */
int hutch_subid_find(const char *text, const char *user, unsigned long id, struct hutch_subid *out);

/* The newuidmap/newgidmap arguments (and map file text) for a user
 * namespace where 0 is ID and 1..count are RANGE: "0 ID 1 1 START COUNT";
 * with RANGE NULL, the single-id map "0 ID 1". Returns the length, or
 * -ENAMETOOLONG. */
int hutch_subid_map(unsigned long id, const struct hutch_subid *range, char *buf, size_t len);
