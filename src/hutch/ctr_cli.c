/* Helpers shared by the container commands; see ctr_cli.h. */
#include "ctr_cli.h"

#include "engine/attach.h"

#include "commands.h"
#include "engine/netsetup.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/units.h"

#include <stdio.h>
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

int ctr_cli_each(struct hutch_engine *e, int argc, char **argv, int first, bool lock, bool print,
                 int (*fn)(struct hutch_engine *e, struct hutch_ctr *c, void *ud,
                           struct hutch_error **err),
                 void *ud) {
  int ret = 0;
  for (int i = first; i < argc; i++) {
    struct hutch_error *err = NULL;
    _cleanup_ctr_ struct hutch_ctr *c = NULL;
    if (hutch_ctr_open(e, argv[i], lock, &c, &err) < 0 || fn(e, c, ud, &err) < 0) {
      hutch_error_print(stderr, "hutch", err);
      hutch_error_free(err);
      ret = 1;
      continue;
    }
    if (print)
      printf("%s\n", argv[i]);
  }
  return ret;
}

void ctr_cli_status_text(struct hutch_engine *e, struct hutch_ctr *c, char *buf, size_t n) {
  hutch_ctr_status_text(e, c, buf, n);
}

void ctr_cli_running_for(const char *created, char *buf, size_t n) {
  char d[64];
  hutch_human_since(created, d, sizeof(d));
  snprintf(buf, n, "%s ago", d);
}

int ctr_cli_start_attach(struct hutch_engine *e, struct hutch_ctr *c, const char *detach_keys) {
  struct hutch_attach_opts o = {
      .tty = true, .stdin_open = true, .sig_proxy = false, .detach_keys = detach_keys};
  struct hutch_error *err = NULL;
  int status = 0;
  bool detached = false;
  if (hutch_ctr_start_attach(e, c, &o, &status, &detached, &err) < 0) {
    hutch_error_print(stderr, "hutch", err);
    hutch_error_free(err);
    return status > 0 ? status : HUTCH_EXIT_ERROR;
  }
  return status;
}
