/* hutch-runtime verbs: one file each, dispatched from main.c. Each gets
 * argv starting at the verb name and the global options, and returns the
 * process exit status. */
#pragma once

#include <stdbool.h>

#include "runtime/container.h"
#include "util/error.h"

struct global_opts {
  struct hutch_runtime rt;
  bool debug;
};

#define VERB(name) int verb_##name(const struct global_opts *g, int argc, char **argv)
VERB(create);
VERB(start);
VERB(run);
VERB(state);
VERB(list);
VERB(kill);
VERB(exec);
VERB(delete);
VERB(update);
VERB(pause);
VERB(resume);
VERB(ps);
VERB(events);
VERB(spec);
VERB(features);
VERB(checkpoint);
VERB(restore);

/* Print the error once ("hutch-runtime: <what>: <why>"), also to --log,
 * and return 1. */
int verb_fail(struct hutch_error *e);
/* Exactly one positional argument (the container id) after the options. */
const char *verb_one_id(int argc, char **argv, int optind_, const char *usage);
/* The whole parse of a verb whose only argument is the ID (start, state,
 * pause, resume): -h/--help prints "Usage: hutch-runtime USAGE" on stdout
 * and does nothing else. Returns the ID, or NULL with *rc the exit status. */
const char *verb_only_id(int argc, char **argv, const char *usage, int *rc);
