/* Shared pieces of the system commands (version, info, events, system df
 * and prune). */
#pragma once

#include <jansson.h>

/* --format: "json" (compact JSON) or a template over obj; 0, or 125
 * after printing the error. */
int cli_print_formatted(const char *format, json_t *obj);
/* Check a --format before anything is done: 0, or -1 after printing the
 * error. NULL and "json" pass. */
int cli_check_format(const char *format);
/* cli_check_format(), then the engine: NULL after printing an error. */
struct hutch_engine *cli_engine_for_format(const char *format);
