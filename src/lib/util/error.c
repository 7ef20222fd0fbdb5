/* Structured errors; see error.h for the contract. */
#include "error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int hutch_error_setv(struct hutch_error **err, int errnum, const char *fmt, va_list ap) {
  if (errnum < 0)
    errnum = -errnum;
  int ret = errnum ? -errnum : -1;
  if (err == NULL || *err != NULL)
    return ret; /* keep the first (innermost) cause */
  struct hutch_error *e = calloc(1, sizeof(*e));
  if (e == NULL)
    return ret;
  e->errnum = errnum;
  if (vasprintf(&e->msg, fmt, ap) < 0)
    e->msg = NULL;
  *err = e;
  return ret;
}

int hutch_error_set(struct hutch_error **err, int errnum, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int ret = hutch_error_setv(err, errnum, fmt, ap);
  va_end(ap);
  return ret;
}

int hutch_error_say(struct hutch_error **err, int errnum, const char *fmt, ...) {
  bool fresh = err != NULL && *err == NULL;
  va_list ap;
  va_start(ap, fmt);
  int ret = hutch_error_setv(err, errnum, fmt, ap);
  va_end(ap);
  if (fresh && *err)
    (*err)->plain = true;
  return ret;
}

int hutch_error_wrap(struct hutch_error **err, const char *fmt, ...) {
  if (err == NULL || *err == NULL)
    return -1;
  struct hutch_error *e = *err;
  char *ctx = NULL, *msg = NULL;
  va_list ap;
  va_start(ap, fmt);
  int r = vasprintf(&ctx, fmt, ap);
  va_end(ap);
  if (r >= 0 && asprintf(&msg, "%s: %s", ctx, e->msg ? e->msg : "error") >= 0) {
    free(e->msg);
    e->msg = msg;
  }
  free(ctx);
  return hutch_error_code(e);
}

int hutch_error_code(const struct hutch_error *e) {
  if (e == NULL || e->errnum == 0)
    return -1;
  return -e->errnum;
}

char *hutch_error_text(const struct hutch_error *e) {
  char *out = NULL;
  const char *msg = (e && e->msg) ? e->msg : "error";
  if (e && e->errnum && !e->plain) {
    if (asprintf(&out, "%s: %s", msg, strerror(e->errnum)) < 0)
      out = NULL;
  } else {
    out = strdup(msg);
  }
  return out;
}

void hutch_error_print(FILE *f, const char *prog, const struct hutch_error *e) {
  char *t = hutch_error_text(e);
  fprintf(f, "%s: %s\n", prog, t ? t : "error");
  free(t);
}

void hutch_error_free(struct hutch_error *e) {
  if (e == NULL)
    return;
  int saved = errno;
  free(e->msg);
  free(e);
  errno = saved;
}

void hutch_error_freep(struct hutch_error **e) {
  if (e && *e) {
    hutch_error_free(*e);
    *e = NULL;
  }
}
