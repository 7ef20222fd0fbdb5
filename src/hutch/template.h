/* docker's --format templates, the small part of Go's text/template that
 * scripts use with inspect: literal text with {{.A.B}} field paths
 * (`.` alone is the whole object) and {{json .A.B}}. */
#pragma once

#include <jansson.h>
#include <stdio.h>

#include "util/error.h"

/* Check the template's syntax before anything is printed. */
int hutch_template_check(const char *tmpl, struct hutch_error **err);
/* Write tmpl applied to obj, then a newline, as docker does. A missing
 * field prints "<no value>"; strings print raw, numbers and booleans as
 * JSON, objects and arrays as compact JSON. */
int hutch_template_print(FILE *out, const char *tmpl, const json_t *obj, struct hutch_error **err);

/* inspect's output: each object of arr through tmpl, or (tmpl NULL) the
 * array as indented JSON. */
int hutch_template_print_all(FILE *out, const char *tmpl, const json_t *arr,
                             struct hutch_error **err);
