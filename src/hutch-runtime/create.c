/* `create`, `start` and `run`: bundle → container. */
#include "verbs.h"

#include "runtime/procenv.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct create_flags {
  struct hutch_create_opts o;
  bool detach, keep;
  char *bundle_abs;
};

/* Flags shared by create and run; returns optind or -1. */
static int parse_create(int argc, char **argv, bool is_run, struct create_flags *f) {
  enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_NO_PIVOT, OPT_NO_KEYRING, OPT_PRESERVE, OPT_KEEP };
  static const struct option opts[] = {
      {"bundle", required_argument, NULL, 'b'},
      {"pid-file", required_argument, NULL, OPT_PID_FILE},
      {"console-socket", required_argument, NULL, OPT_CONSOLE},
      {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
      {"no-new-keyring", no_argument, NULL, OPT_NO_KEYRING},
      {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
      {"detach", no_argument, NULL, 'd'},
      {"keep", no_argument, NULL, OPT_KEEP},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  const char *bundle = ".";
  int c;
  while ((c = getopt_long_only(argc, argv, "b:dh", opts, NULL)) != -1) {
    switch (c) {
    case 'b':
      bundle = optarg;
      break;
    case OPT_PID_FILE:
      f->o.pid_file = optarg;
      break;
    case OPT_CONSOLE:
      f->o.console_socket = optarg;
      break;
    case OPT_NO_PIVOT:
      f->o.no_pivot = true;
      break;
    case OPT_NO_KEYRING:
      f->o.no_new_keyring = true;
      break;
    case OPT_PRESERVE: {
      char *end;
      long n = strtol(optarg, &end, 10);
      if (*end || n < 0 || n > 1024) {
        fprintf(stderr, "hutch-runtime: --preserve-fds: invalid number \"%s\"\n", optarg);
        return -1;
      }
      f->o.preserve_fds = (int)n;
      break;
    }
    case 'd':
      if (!is_run)
        goto bad;
      f->detach = true;
      break;
    case OPT_KEEP:
      if (!is_run)
        goto bad;
      f->keep = true;
      break;
    case 'h':
      printf("Usage: hutch-runtime %s [--bundle DIR] [--pid-file F] [--console-socket S] "
             "[--no-pivot] [--no-new-keyring] [--preserve-fds N]%s ID\n",
             argv[0], is_run ? " [--detach] [--keep]" : "");
      exit(0);
    default:
    bad:
      fprintf(stderr, "Usage: hutch-runtime %s [options] ID\n", argv[0]);
      return -1;
    }
  }
  f->bundle_abs = realpath(bundle, NULL);
  if (f->bundle_abs == NULL) {
    fprintf(stderr, "hutch-runtime: bundle %s: %m\n", bundle);
    return -1;
  }
  f->o.bundle = f->bundle_abs;
  /* Socket activation, as runc: when LISTEN_PID names us, the LISTEN_FDS
   * fds from 3 on go to the process first, --preserve-fds after them. */
  f->o.listen_fds = hutch_listen_fds(getenv("LISTEN_FDS"), getenv("LISTEN_PID"), getpid());
  f->o.preserve_fds += f->o.listen_fds;
  return optind;
}

VERB(create) {
  struct create_flags f = {0};
  int oi = parse_create(argc, argv, false, &f);
  if (oi < 0)
    return 1;
  _cleanup_free_ char *b = f.bundle_abs;
  f.o.id = verb_one_id(argc, argv, oi, "create [options] ID");
  if (f.o.id == NULL)
    return 1;
  struct hutch_error *e = NULL;
  if (hutch_container_create(&g->rt, &f.o, NULL, &e) < 0)
    return verb_fail(e);
  return 0;
}

VERB(run) {
  struct create_flags f = {0};
  int oi = parse_create(argc, argv, true, &f);
  if (oi < 0)
    return 1;
  _cleanup_free_ char *b = f.bundle_abs;
  f.o.id = verb_one_id(argc, argv, oi, "run [options] ID");
  if (f.o.id == NULL)
    return 1;
  struct hutch_error *e = NULL;
  int status = 0;
  if (hutch_container_run(&g->rt, &f.o, f.detach, f.keep, &status, &e) < 0)
    return verb_fail(e);
  return status;
}

VERB(start) {
  int rc;
  const char *id = verb_only_id(argc, argv, "start ID", &rc);
  if (id == NULL)
    return rc;
  struct hutch_error *e = NULL;
  if (hutch_container_start(&g->rt, id, &e) < 0)
    return verb_fail(e);
  return 0;
}
