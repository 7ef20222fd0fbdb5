/* .dockerignore: which files of the build context the build leaves out,
 * with docker's rules (moby/patternmatcher): one pattern a line, '#'
 * comments, surrounding space trimmed, paths cleaned and a leading '/'
 * dropped; '*' and '?' stop at '/', '**' spans directories, [classes]
 * and '\' escapes; a pattern also matches everything below a directory it
 * matches; a later "!pattern" takes files back in; the last match wins.
 * Pure functions. */
#pragma once

#include "util/error.h"

#include <stdbool.h>

struct hutch_ignore;

int hutch_ignore_parse(const char *text, struct hutch_ignore **out, struct hutch_error **err);
void hutch_ignore_free(struct hutch_ignore *ig);
void hutch_ignore_freep(struct hutch_ignore **ig);
#define _cleanup_ignore_ __attribute__((cleanup(hutch_ignore_freep)))

/* Is path (relative to the context, '/'-separated, no leading "./") left
 * out? NULL ig leaves nothing out. */
bool hutch_ignore_match(const struct hutch_ignore *ig, const char *path);
/* Could a "!" pattern take back something below the excluded directory
 * dir? When not, a walk need not descend into it. */
bool hutch_ignore_may_include_below(const struct hutch_ignore *ig, const char *dir);

/* One docker path pattern against a path: the matcher COPY sources use
 * too (filepath.Match, plus '**'). */
bool hutch_path_match(const char *pattern, const char *path);
/* path.Clean: "a//b/./c/.." -> "a/b"; "" -> "."; a new string. */
char *hutch_path_clean(const char *path);
