/* Docker's Dockerfile shell lexer (buildkit's shell/lex.go): the word
 * splitting of ENV/LABEL/ARG arguments and the expansion of $VAR,
 * ${VAR}, ${VAR:-word}, ${VAR-word}, ${VAR:+word}, ${VAR+word},
 * ${VAR:?msg}, ${VAR?msg} with quote removal, in the instructions docker
 * expands (ADD ARG COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME
 * WORKDIR). Pure functions: no I/O. */
#pragma once

#include "util/error.h"

#include <stdbool.h>

/* The value of name, or NULL when it is not set. */
typedef const char *(*hutch_shlex_lookup_fn)(void *ud, const char *name);

/* Expand one word: variables substituted, quotes removed, escape
 * characters applied (escape: '\\' or '`'). *out is a new string. */
int hutch_shlex_expand(const char *word, char escape, hutch_shlex_lookup_fn lookup, void *ud,
                       char **out, struct hutch_error **err);

/* A heredoc's content (COPY <<EOF): $ expansions only; quotes are text
 * and an escape character stays with what it escapes (a backslash before $A keeps both),
 * as buildkit's raw quotes and escapes. */
int hutch_shlex_expand_text(const char *text, char escape, hutch_shlex_lookup_fn lookup, void *ud,
                            char **out, struct hutch_error **err);

/* Split at unquoted white space, keeping quotes and escapes in the words
 * (docker's parseWords): for KEY=VALUE lists, expanded word by word. */
int hutch_shlex_words(const char *s, char escape, char ***out);
