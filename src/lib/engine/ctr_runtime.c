/* One switch between hutch's own runtime and another binary (see
 * ctr_runtime.h). */
#include "ctr_runtime.h"

#include "engine/engine.h"
#include "engine/ext_runtime.h"

#include <string.h>

static bool own(const char *rt) {
  return !rt || !*rt;
}

int hutch_rt_create(struct hutch_engine *e, const char *rt, const struct hutch_create_opts *co,
                    pid_t *pid, struct hutch_error **err) {
  return own(rt) ? hutch_container_create(&e->rt, co, pid, err)
                 : hutch_ext_create(e, rt, co, pid, err);
}

int hutch_rt_start(struct hutch_engine *e, const char *rt, const char *id,
                   struct hutch_error **err) {
  return own(rt) ? hutch_container_start(&e->rt, id, err) : hutch_ext_verb(e, rt, "start", id, err);
}

int hutch_rt_kill(struct hutch_engine *e, const char *rt, const char *id, int sig, bool all,
                  struct hutch_error **err) {
  return own(rt) ? hutch_container_kill(&e->rt, id, sig, all, err)
                 : hutch_ext_kill(e, rt, id, sig, all, err);
}

int hutch_rt_delete(struct hutch_engine *e, const char *rt, const char *id,
                    struct hutch_error **err) {
  return own(rt) ? hutch_container_delete(&e->rt, id, true, err)
                 : hutch_ext_verb(e, rt, "delete", id, err);
}

int hutch_rt_pause(struct hutch_engine *e, const char *rt, const char *id,
                   struct hutch_error **err) {
  return own(rt) ? hutch_container_pause(&e->rt, id, err) : hutch_ext_verb(e, rt, "pause", id, err);
}

int hutch_rt_resume(struct hutch_engine *e, const char *rt, const char *id,
                    struct hutch_error **err) {
  return own(rt) ? hutch_container_resume(&e->rt, id, err)
                 : hutch_ext_verb(e, rt, "resume", id, err);
}

int hutch_rt_state(struct hutch_engine *e, const char *rt, const char *id, json_t **out,
                   struct hutch_error **err) {
  return own(rt) ? hutch_container_state(&e->rt, id, out, err)
                 : hutch_ext_state(e, rt, id, out, err);
}

int hutch_rt_stats(struct hutch_engine *e, const char *rt, const char *id, json_t **out,
                   struct hutch_error **err) {
  return own(rt) ? hutch_container_stats(&e->rt, id, out, err)
                 : hutch_ext_stats(e, rt, id, out, err);
}

int hutch_rt_ps(struct hutch_engine *e, const char *rt, const char *id, pid_t **pids, size_t *n,
                struct hutch_error **err) {
  return own(rt) ? hutch_container_ps(&e->rt, id, pids, n, err)
                 : hutch_ext_ps(e, rt, id, pids, n, err);
}

int hutch_rt_exec(struct hutch_engine *e, const char *rt, const char *id, const struct exec_opts *o,
                  int *status, struct hutch_error **err) {
  return own(rt) ? hutch_container_exec(&e->rt, id, o, status, err)
                 : hutch_ext_exec(e, rt, id, o, status, err);
}

int hutch_rt_update(struct hutch_engine *e, const char *rt, const char *id, const json_t *resources,
                    struct hutch_error **err) {
  return own(rt) ? hutch_container_update(&e->rt, id, resources, err)
                 : hutch_ext_update(e, rt, id, resources, err);
}

char *hutch_rt_of(struct hutch_engine *e, const char *id) {
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (hutch_ctr_open(e, id, false, &c, NULL) < 0)
    return NULL;
  return strdup(c->cfg.runtime_path);
}
