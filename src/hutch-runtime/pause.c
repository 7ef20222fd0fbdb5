/* `pause ID` and `resume ID`: freeze and thaw the container's cgroup
 * (v1 freezer, v2 cgroup.freeze). */
#include "verbs.h"

static int pause_or_resume(const struct global_opts *g, int argc, char **argv, bool pause) {
  int rc;
  const char *id = verb_only_id(argc, argv, pause ? "pause ID" : "resume ID", &rc);
  if (id == NULL)
    return rc;
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
