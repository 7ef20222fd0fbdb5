/* docker's --format for the CLI's list and inspect commands (docker's
 * cli/command/formatter): "table" or nothing for the command's default
 * table, "json" for one JSON object per line, "table TEMPLATE" for a
 * table with a header row of docker's column names, anything else a
 * template run once per row. "\t" and "\n" typed as two characters are a
 * tab and a newline, as docker reads them. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "template.h"

struct cli_format {
  bool table;
  struct hutch_template *t;
  const json_t *header; /* column names by field: {"ID": "CONTAINER ID"} */
  char *buf;            /* the rows so far */
  size_t len;
  FILE *rows;
};

/* format NULL, "" or "table": default_table, or quiet_format (-q, NULL
 * without it: "{{.ID}}"). A bad template fails here, with docker's
 * "template parsing error: …". */
/* One template from a --format value as docker reads it ("json", a
 * leading "table" dropped, \t and \n), for commands that print one
 * object. */
int cli_template_parse(const char *format, struct hutch_template **t, struct hutch_error **err);
int cli_format_open(struct cli_format *f, const char *format, const char *default_table,
                    const char *quiet_format, const json_t *header, struct hutch_error **err);
int cli_format_row(struct cli_format *f, const json_t *row, struct hutch_error **err);
/* Print the header (tables) and the rows, aligned, and free f. */
int cli_format_flush(struct cli_format *f, FILE *out, struct hutch_error **err);
void cli_format_free(struct cli_format *f);

/* The lookup of one inspected object: a new reference, or NULL with *err
 * set (the caller prints it). */
typedef json_t *(*cli_inspect_fn)(void *ud, const char *name, struct hutch_error **err);
/* docker's inspect: look up each name, then print the objects as one
 * indented JSON array, or each through format, and then, as docker,
 * what was not found. Returns the exit status: 0, 1 when a name was not
 * found, 1 for a bad template (docker's). */
int cli_inspect_print(char **names, int n, const char *format, cli_inspect_fn fn, void *ud);
