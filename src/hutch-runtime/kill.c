/* `kill [--all] ID [SIGNAL]`: names (TERM, SIGTERM) and numbers; 0 only
 * checks that the container is alive, as kill(2) does. */
#include "verbs.h"

#include "util/strutil.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

VERB(kill) {
  static const struct option opts[] = {
      {"all", no_argument, NULL, 'a'},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  bool all = false;
  int c;
  while ((c = getopt_long_only(argc, argv, "ah", opts, NULL)) != -1) {
    if (c == 'a')
      all = true;
    else {
      fprintf(c == 'h' ? stdout : stderr, "Usage: hutch-runtime kill [--all] ID [SIGNAL]\n");
      return c == 'h' ? 0 : 1;
    }
  }
  int n = argc - optind;
  if (n < 1 || n > 2) {
    fprintf(stderr, "hutch-runtime: kill: %s\nUsage: hutch-runtime kill [--all] ID [SIGNAL]\n",
            n < 1 ? "missing container id" : "too many arguments");
    return 1;
  }
  const char *id = argv[optind];
  int sig = SIGTERM;
  if (n == 2) {
    sig = strcmp(argv[optind + 1], "0") == 0 ? 0 : hutch_parse_signal(argv[optind + 1]);
    if (sig < 0) {
      fprintf(stderr, "hutch-runtime: kill: unknown signal \"%s\"\n", argv[optind + 1]);
      return 1;
    }
  }
  struct hutch_error *e = NULL;
  if (hutch_container_kill(&g->rt, id, sig, all, &e) < 0)
    return verb_fail(e);
  return 0;
}
