/* Helpers shared by the container commands; see ctr_cli.h. */
#include "ctr_cli.h"

#include "engine/attach.h"

#include "commands.h"
#include "engine/netsetup.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ctr_cli_fail(struct hutch_error *e) {
  hutch_error_print(stderr, "hutch", e);
  hutch_error_free(e);
  return HUTCH_EXIT_ERROR;
}

void ctr_cli_report(struct hutch_error **err) {
  hutch_error_print(stderr, "hutch", *err);
  hutch_error_free(*err);
  *err = NULL;
}

int ctr_cli_usage_error(const char *cmd, const char *msg) {
  fprintf(stderr, "hutch: %s: %s (see 'hutch %s --help')\n", cmd, msg, cmd);
  return HUTCH_EXIT_ERROR;
}

struct hutch_engine *ctr_cli_engine(void) {
  struct hutch_engine *e = NULL;
  struct hutch_error *err = NULL;
  if (hutch_engine_open(&e, &err) < 0) {
    ctr_cli_fail(err);
    return NULL;
  }
  /* Every container command first removes the network attachments that
   * containers which are gone left behind (a killed monitor, a crash). */
  if (hutch_engine_net_cleanup_stale(e, NULL, &err) < 0) {
    _cleanup_free_ char *t = hutch_error_text(err);
    fprintf(stderr, "hutch: warning: network cleanup: %s, ignoring\n", t ? t : "");
    hutch_error_free(err);
  }
  return e;
}

int ctr_cli_open(const char *ref, bool lock, struct hutch_engine **e, struct hutch_ctr **c) {
  struct hutch_error *err = NULL;
  *e = ctr_cli_engine();
  if (!*e)
    return HUTCH_EXIT_ERROR;
  if (hutch_ctr_open(*e, ref, lock, c, &err) < 0)
    return ctr_cli_fail(err);
  return 0;
}

int ctr_cli_each(struct hutch_engine *e, int argc, char **argv, int first, bool lock,
                 bool missing_ok,
                 int (*fn)(struct hutch_engine *e, struct hutch_ctr *c, void *ud,
                           struct hutch_error **err),
                 void *ud) {
  int ret = 0;
  for (int i = first; i < argc; i++) {
    struct hutch_error *err = NULL;
    _cleanup_ctr_ struct hutch_ctr *c = NULL;
    if (hutch_ctr_open(e, argv[i], lock, &c, &err) < 0 || fn(e, c, ud, &err) < 0) {
      if (!(missing_ok && !c && err && err->errnum == ENOENT))
        ret = 1;
      ctr_cli_report(&err);
      continue;
    }
    printf("%s\n", argv[i]);
  }
  return ret;
}

const char *ctr_cli_ellipsis(const char *s, size_t max, char *buf) {
  size_t chars = 0, i = 0, cut = 0;
  for (; s[i]; i++)
    if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == max - 1)
      cut = i; /* where the max-th character starts */
  if (chars <= max)
    return s;
  memcpy(buf, s, cut);
  strcpy(buf + cut, "…");
  return buf;
}

/* Go's strconv.Quote of s into f: \" and \\ escaped, control characters
 * as \n, \t, … or \xNN; UTF-8 text as it is. */
static void go_quote(FILE *f, const char *s) {
  static const char ctl[] = "\a\b\t\n\v\f\r";
  static const char letter[] = "abtnvfr";
  fputc('"', f);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    const char *k = ch ? memchr(ctl, ch, sizeof(ctl) - 1) : NULL;
    if (ch == '"' || ch == '\\')
      fprintf(f, "\\%c", ch);
    else if (k)
      fprintf(f, "\\%c", letter[k - ctl]);
    else if (ch < 0x20 || ch == 0x7f)
      fprintf(f, "\\x%02x", ch);
    else
      fputc(ch, f);
  }
  fputc('"', f);
}

char *ctr_cli_command_text(const char *cmd, bool trunc) {
  char cutbuf[4 * 20 + 4];
  const char *s = trunc ? ctr_cli_ellipsis(cmd, 20, cutbuf) : cmd;
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (!f)
    return NULL;
  go_quote(f, s);
  if (fclose(f) != 0) {
    free(out);
    return NULL;
  }
  return out;
}

void ctr_cli_status_text(struct hutch_engine *e, struct hutch_ctr *c, char *buf, size_t n) {
  hutch_ctr_status_text(e, c, buf, n);
}

void ctr_cli_running_for(const char *created, char *buf, size_t n) {
  char d[64];
  hutch_human_since(created, d, sizeof(d));
  snprintf(buf, n, "%s ago", d);
}

int ctr_cli_start_attach(struct hutch_engine *e, struct hutch_ctr *c, const char *detach_keys,
                         int fail) {
  struct hutch_attach_opts o = {
      .tty = true, .stdin_open = true, .sig_proxy = false, .detach_keys = detach_keys};
  struct hutch_error *err = NULL;
  int status = 0;
  bool detached = false;
  if (hutch_ctr_start_attach(e, c, &o, &status, &detached, &err) < 0) {
    hutch_error_print(stderr, "hutch", err);
    hutch_error_free(err);
    return status > 0 ? status : fail;
  }
  return status;
}
