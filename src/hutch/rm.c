/* hutch rm [-f] [-v] CONTAINER... and hutch container prune [-f]. */
#include "commands.h"
#include "ctr_cli.h"

#include "util/cleanup.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

struct rm_opts {
  bool force, volumes;
};

static int do_rm(struct hutch_engine *e, struct hutch_ctr *c, void *ud, struct hutch_error **err) {
  struct rm_opts *o = ud;
  return hutch_ctr_remove(e, c, o->force, o->volumes, err);
}

int cmd_rm(int argc, char **argv) {
  static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                       {"volumes", no_argument, NULL, 'v'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  struct rm_opts o = {0};
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "+fvh", opts, NULL)) != -1) {
    if (c == 'f')
      o.force = true;
    else if (c == 'v')
      o.volumes = true;
    else if (c == 'h') {
      printf("Usage: hutch rm [-f] [-v] CONTAINER [CONTAINER...]\n");
      return 0;
    } else
      return ctr_cli_usage_error("rm", "unknown option");
  }
  if (optind >= argc)
    return ctr_cli_usage_error("rm", "requires at least 1 argument");
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  return ctr_cli_each(e, argc, argv, optind, true, true, do_rm, &o);
}

/* container prune: every stopped container. */
int cmd_container_prune(int argc, char **argv) {
  (void)argc;
  (void)argv;
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  struct hutch_ctr **all = NULL;
  size_t n = 0;
  if (hutch_ctr_list_all(e, false, &all, &n, &err) < 0)
    return ctr_cli_fail(err);
  printf("Deleted Containers:\n");
  for (size_t i = 0; i < n; i++) {
    _cleanup_ctr_ struct hutch_ctr *ct = NULL;
    if (hutch_ctr_open(e, all[i]->id, true, &ct, NULL) < 0)
      continue;
    const char *st = hutch_ctr_status(e, ct);
    if (strcmp(st, "exited") && strcmp(st, "created") && strcmp(st, "dead"))
      continue;
    if (hutch_ctr_remove(e, ct, false, false, &err) < 0) {
      hutch_error_print(stderr, "hutch", err);
      hutch_error_free(err);
      err = NULL;
      continue;
    }
    printf("%s\n", ct->id);
  }
  hutch_ctr_list_free(all, n);
  return 0;
}
