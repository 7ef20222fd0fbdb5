/* `delete [-f|--force] ID`. */
#include "verbs.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

VERB(delete) {
  static const struct option opts[] = {
      {"force", no_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  bool force = false;
  int c;
  while ((c = getopt_long_only(argc, argv, "fh", opts, NULL)) != -1) {
    if (c == 'f')
      force = true;
    else {
      fprintf(c == 'h' ? stdout : stderr, "Usage: hutch-runtime delete [-f|--force] ID\n");
      return c == 'h' ? 0 : 1;
    }
  }
  const char *id = verb_one_id(argc, argv, optind, "delete [-f] ID");
  if (id == NULL)
    return 1;
  struct hutch_error *e = NULL;
  if (hutch_container_delete(&g->rt, id, force, &e) < 0) {
    /* runc: delete -f of a container that does not exist is not an error. */
    if (force && e && e->errnum == 0 && e->msg && strstr(e->msg, "does not exist")) {
      hutch_error_free(e);
      return 0;
    }
    return verb_fail(e);
  }
  return 0;
}
