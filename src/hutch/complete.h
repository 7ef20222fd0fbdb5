/* hutch __complete (complete.c) and the objects it offers (complete_src.c). */
#pragma once

#include "cmdtree.h"

/* Print the names of the objects of kind (containers, images, networks,
 * volumes) that start with cur once prefix is put before them, one a
 * line, from the state database and the image index; quietly nothing when
 * the store cannot be read. The containers offered depend on cmd, as
 * docker's: stop, kill, exec … offer running ones, start stopped ones,
 * unpause paused ones. */
void hutch_complete_objects(enum hutch_arg_kind kind, const char *cmd, const char *prefix,
                            const char *cur);
/* Print "prefix+cand" when it starts with cur (with "\tdesc" when desc is
 * not empty). */
void hutch_complete_emit(const char *prefix, const char *cand, const char *desc, const char *cur);
/* hutch __complete cp CUR (complete_cp.c): containers as "NAME:", local
 * paths, and "NAME:PATH" inside a running container's root. */
void hutch_complete_cp(const char *cur);
