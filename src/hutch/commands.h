/* The hutch CLI's command table: each command lives in its own file and
 * exports one entry point, int cmd_<name>(int argc, char **argv), which
 * returns the process exit status. argv[0] is the command name. */
#pragma once

struct hutch_command {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
};

/* Exit status for hutch's own errors, as docker's. */
#define HUTCH_EXIT_ERROR 125

/* Global options parsed by main.c. */
extern int hutch_global_debug;
