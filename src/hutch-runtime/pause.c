/* `pause ID` and `resume ID`: freeze and thaw the container's cgroup
 * (v1 freezer, v2 cgroup.freeze). */
#include "verbs.h"

#include <getopt.h>
#include <stdio.h>

static int pause_or_resume(const struct global_opts *g, int argc, char **argv, bool pause) {
  int c;
  while ((c = getopt_long_only(argc, argv, "h", NULL, NULL)) != -1) {
    fprintf(c == 'h' ? stdout : stderr, "Usage: hutch-runtime %s ID\n", argv[0]);
    return c == 'h' ? 0 : 1;
  }
  const char *id = verb_one_id(argc, argv, optind, pause ? "pause ID" : "resume ID");
  if (id == NULL)
    return 1;
  struct hutch_error *e = NULL;
  int r = pause ? hutch_container_pause(&g->rt, id, &e) : hutch_container_resume(&g->rt, id, &e);
  return r < 0 ? verb_fail(e) : 0;
}

VERB(pause) {
  return pause_or_resume(g, argc, argv, true);
}

VERB(resume) {
  return pause_or_resume(g, argc, argv, false);
}
