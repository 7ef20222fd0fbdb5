/* The CLI's flag parser: each command declares its flags in a table and
 * hands its argv over; flags are parsed as docker's cobra/pflag does.
 *
 *  - long flags match their exact name (no abbreviations), as --name=value
 *    or --name value; a bool takes --name, --name=true or --name=false;
 *  - short flags combine (-it, -itd), the last may take a value (-n5,
 *    -n 5, -n=5);
 *  - flags may come after positional arguments (hutch rm web -f) unless
 *    the command stops at its first positional (run, create, exec, top:
 *    what follows is the container's command); "--" ends flags;
 *  - --help (and -h unless the command uses h itself) prints help made
 *    from the table and the command does nothing else;
 *  - an unknown flag, a missing value, a bad int or bool, or a wrong
 *    number of arguments prints docker's message and "See 'hutch CMD
 *    --help'.", for exit status 125 (a wrong number of arguments: 1, as
 *    docker). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum hutch_flag_kind {
  HUTCH_FLAG_BOOL,   /* bool * */
  HUTCH_FLAG_STRING, /* const char **: the last one given wins (points into argv) */
  HUTCH_FLAG_INT,    /* int64_t * */
  HUTCH_FLAG_LIST,   /* char ***: NULL-terminated, one entry per use; the caller
                        frees it (hutch_strv_free / _cleanup_strv_) */
};

struct hutch_flag {
  const char *name; /* without "--"; NULL ends a table */
  char shorthand;   /* 0: none */
  enum hutch_flag_kind kind;
  void *value;
  const char *help;
  const char *type; /* the value's name in help ("bytes"); NULL: by kind */
  bool hidden;      /* accepted but not listed (docker's old spellings: --net) */
};

struct hutch_subcmd;

struct hutch_cmd {
  const char *usage;   /* what follows the command's name: "[OPTIONS] CONTAINER" */
  const char *summary; /* one line, docker's wording */
  const struct hutch_flag *flags;
  int min_args, max_args;          /* positional arguments; max_args -1: no limit */
  bool no_interspersed;            /* flags end at the first positional argument */
  const struct hutch_subcmd *subs; /* a management command's subcommands, for help */
  const char *description;         /* NULL, or paragraphs for the man page */
};

/* A command of hutch or a subcommand of a management command (container,
 * image, network …); a table ends with a NULL name. */
struct hutch_subcmd {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary; /* NULL: an alias, not listed */
};

/* Parse argv[1..argc-1] (argv[0] is the command's name as typed). On
 * success the positional arguments are moved to argv[1..*nargs], argv[1 +
 * *nargs] is NULL, and 0 is returned. Returns 1 after printing help
 * (exit 0), -1 after printing a flag error (exit HUTCH_EXIT_USAGE), -2
 * after printing that the number of arguments is wrong (exit 1). */
int hutch_flags_parse(const struct hutch_cmd *cmd, int argc, char **argv, int *nargs);
/* hutch_flags_parse() for a command without flags of its own. */
int hutch_args_parse(const char *usage, const char *summary, int min_args, int max_args, int argc,
                     char **argv, int *nargs);
/* The exit status for a non-zero hutch_flags_parse() result. */
int hutch_flags_status(int r);

/* The help text: usage, summary, options, commands. */
void hutch_flags_help(FILE *f, const struct hutch_cmd *cmd, const char *name);

/* Run a management command (argv[0]): argv[1] names the subcommand, which
 * gets argv[1..]; --help prints the list, and so does nothing (on
 * stderr, exit 0, as docker). */
int hutch_subcmd_dispatch(const char *summary, const struct hutch_subcmd *subs, int argc,
                          char **argv);

/* What a command's parser is given, for completion and man pages
 * (describe.c): its table as hutch_flags_parse() sees it, copied, with
 * every flag's value pointer NULL. */
struct hutch_cmd_desc {
  struct hutch_cmd cmd; /* cmd.flags points at flags */
  struct hutch_flag *flags;
};

/* Describe the command fn implements: call fn(name) in describe mode,
 * where its hutch_flags_parse() (or hutch_subcmd_dispatch()) copies its
 * table into *out and returns as --help does, so fn neither prints nor
 * acts. Every command parses before it does anything (the --help
 * contract), so every command can be described. Returns -1 when fn
 * never parsed, or without memory. */
int hutch_cmd_describe(int (*fn)(int argc, char **argv), const char *name,
                       struct hutch_cmd_desc *out);
void hutch_cmd_desc_clear(struct hutch_cmd_desc *d);

/* "hutch" or "hutch container": what precedes a command's name in its
 * usage and messages (set by hutch_subcmd_dispatch). */
const char *hutch_flags_parent(void);

/* The "y" of a "[y/N]" question on standard input (docker's prompt for
 * prune): prints "MESSAGE\nAre you sure you want to continue? [y/N] ". */
bool hutch_confirm(const char *warning);
