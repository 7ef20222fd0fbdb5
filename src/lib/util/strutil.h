/* Small string helpers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool hutch_str_has_prefix(const char *s, const char *prefix);
/* Append s to a NULL-terminated vector (taking a copy). -ENOMEM on failure. */
int hutch_strv_push(char ***v, const char *s);
size_t hutch_strv_len(char *const *v);
char **hutch_strv_dup(char *const *v);
/* Sort v in place (strcmp order); NULL is an empty vector. */
void hutch_strv_sort(char **v);
/* The strings of v joined by sep, in a new string ("" for none); NULL on
 * ENOMEM. */
char *hutch_strv_join(char *const *v, const char *sep);
/* Parse a decimal integer into [min, max]; -EINVAL/-ERANGE on bad input. */
int hutch_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Parse a signal name ("TERM", "SIGTERM", "15"); returns signo or -EINVAL. */
int hutch_parse_signal(const char *s);
const char *hutch_signal_name(int sig); /* "SIGTERM" or NULL */
