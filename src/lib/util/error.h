/* Structured errors: what failed, why, and the errno behind it.
 *
 * The contract (see docs/errors.md):
 *  - low-level helpers return -errno and never log;
 *  - functions that can fail with context take `struct hutch_error **err`
 *    last, fill it through hutch_error_set()/hutch_error_wrap() and return a
 *    negative value;
 *  - callers add context on the way up with hutch_error_wrap();
 *  - the CLI prints it once: "<prog>: <context>: <message>: <strerror>". */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

struct hutch_error {
  int errnum; /* positive errno, or 0 when there is no errno behind it */
  char *msg;  /* context and message, without the errno text */
  bool plain; /* the message says it all (docker's "No such container: x"):
                 the errno is for callers, its text is not printed */
};

/* Fill *err (if err is non-NULL and *err is still empty) and return
 * -errnum, or -1 when errnum is 0. errnum may be given negative. */
int hutch_error_set(struct hutch_error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int hutch_error_setv(struct hutch_error **err, int errnum, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* As hutch_error_set(), for a message that is a whole sentence as docker
 * prints it ("No such container: x", "Conflict. …"): errnum is kept for
 * hutch_error_code(), but the text leaves its strerror out. */
int hutch_error_say(struct hutch_error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the existing message with "<context>: ". Returns the same negative
 * value hutch_error_set() returned for it (or -1 if err is empty). */
int hutch_error_wrap(struct hutch_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Full one-line text "msg: strerror" in a new string (caller frees). */
char *hutch_error_text(const struct hutch_error *e);
void hutch_error_print(FILE *f, const char *prog, const struct hutch_error *e);
void hutch_error_free(struct hutch_error *e);
void hutch_error_freep(struct hutch_error **e);
/* Return the stored errno as a negative value (-1 when none). */
int hutch_error_code(const struct hutch_error *e);

#define _cleanup_error_ __attribute__((cleanup(hutch_error_freep)))
