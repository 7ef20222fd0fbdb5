/* docker's --format templates: the part of Go's text/template that docker
 * users write, over jansson values (the data a command passes is its
 * typed records rendered as docker's structs marshal).
 *
 * Actions: {{.A.B}}, {{.}}, variables ($, $x := …, $x = …), {{if}} with
 * {{else if}} and {{else}}, {{range}} (arrays, maps by sorted key,
 * integers; $i, $v :=; {{else}}; {{break}}, {{continue}}), {{with}} with
 * {{else with}}/{{else}}, pipes, parentheses, {{- trim -}} markers,
 * comments, string/raw string/char/number/bool/nil literals.
 * Functions: Go's and or not eq ne lt le gt ge index len slice printf
 * print println, docker's json join split upper lower title pad
 * truncate; and docker's Label method: a map field with one string
 * argument ({{.Label "com.example.k"}}) is looked up with it ("" when
 * absent; in a header row the key's last dotted part). Errors read as Go's ("template: :1: function
 * \"foo\" not defined"). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/error.h"

struct hutch_template;

/* Parse text; a syntax error, an unknown function or an undefined
 * variable fails here, before anything runs. */
int hutch_template_parse(const char *text, struct hutch_template **out, struct hutch_error **err);
void hutch_template_free(struct hutch_template *t);
static inline void hutch_template_freep(struct hutch_template **t) {
  hutch_template_free(*t);
}
#define _cleanup_template_ __attribute__((cleanup(hutch_template_freep)))

/* Run t over data, writing to out (after an error, out holds what came
 * before it: callers that must not show half a result write to a
 * buffer). header: a table's header row, where the data
 * holds column names and json/join/split/upper/lower/title/truncate
 * return their first argument, as docker's HeaderFunctions. */
int hutch_template_exec(const struct hutch_template *t, FILE *out, const json_t *data, bool header,
                        struct hutch_error **err);

/* Parse and run in one step, for tests and one-off uses; *out is a new
 * string. */
int hutch_template_render(const char *text, const json_t *data, char **out,
                          struct hutch_error **err);
