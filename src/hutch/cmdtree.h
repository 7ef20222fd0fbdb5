/* The CLI's command tree as completion and the man pages see it: the
 * root (hutch_main_cmd, main.c), its commands (hutch_commands) and the
 * subcommands of the management commands, each described from the table
 * it hands its parser (hutch_cmd_describe, flags.h), so that neither can
 * drift from what the parser accepts. */
#pragma once

#include "flags.h"

/* What a positional argument names, read from the command's usage:
 * "CONTAINER", "IMAGE", "NETWORK", "VOLUME" … */
enum hutch_arg_kind {
  HUTCH_ARG_OTHER,     /* a file, a command, a new name: the shell's default */
  HUTCH_ARG_NONE,      /* the command takes no argument here */
  HUTCH_ARG_CONTAINER, /* CONTAINER, CONTAINER:PATH */
  HUTCH_ARG_IMAGE,     /* IMAGE, SOURCE_IMAGE[:TAG], [REPOSITORY[:TAG]] */
  HUTCH_ARG_OBJECT,    /* NAME|ID (inspect): a container or an image */
  HUTCH_ARG_NETWORK,
  HUTCH_ARG_VOLUME,
};

/* The kind of positional argument number index (0: the first) in usage,
 * "[OPTIONS] CONTAINER [CONTAINER...]": the index-th word after
 * [OPTIONS], or the last word when it repeats ("..."). */
enum hutch_arg_kind hutch_arg_kind(const char *usage, int index);

/* The entry named name in subs, aliases included; NULL when none. */
const struct hutch_subcmd *hutch_subcmd_find(const struct hutch_subcmd *subs, const char *name);

/* Call fn for every listed command and subcommand, depth first, in table
 * order: path is "run" or "container ls" (the root itself is "" and comes
 * first), listed the one-line summary its parent's table lists it with.
 * Stops at and returns fn's first non-zero result; -1 when a command
 * cannot be described. */
typedef int hutch_cmdtree_fn(const char *path, const char *listed, const struct hutch_cmd *cmd,
                             void *ud);
int hutch_cmdtree_walk(hutch_cmdtree_fn *fn, void *ud);
