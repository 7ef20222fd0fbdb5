/* Shared pieces of the system commands (version, info, events, system df
 * and prune). */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "util/error.h"

/* --format: "json" (compact JSON) or a template over obj; 0, or 1
 * after printing the error. */
int cli_print_formatted(const char *format, json_t *obj);
/* Check a --format before anything is done: 0, or -1 after printing the
 * error. NULL and "json" pass. */
int cli_check_format(const char *format);
/* cli_check_format(), then the engine: NULL after printing an error. */
struct hutch_engine *cli_engine_for_format(const char *format);

struct hutch_prune_filter;
struct hutch_prune_report;
/* --filter values of a prune command into f; -1 after printing the error. */
int cli_prune_filters(char **filters, struct hutch_prune_filter *f);
/* "TITLE:" (title may be NULL) and the deleted items, then a blank line,
 * when any; with
 * total, the "Total reclaimed space: …" line after. */
void cli_prune_print(const char *title, const struct hutch_prune_report *r, bool total);
struct hutch_engine;
/* One kind of prune command (container prune, network prune). */
struct cli_prune {
  const char *summary, *warning, *title; /* the help line, the question, the list's title */
  bool total;                            /* print "Total reclaimed space" */
  int (*fn)(struct hutch_engine *e, const struct hutch_prune_filter *f,
            struct hutch_prune_report *r, struct hutch_error **err);
};
/* The whole command: its flags (--filter, -f), the filters, the question
 * (unless -f), fn, then the deleted items under title (and the total). */
int cli_prune_cmd(int argc, char **argv, const struct cli_prune *p);
