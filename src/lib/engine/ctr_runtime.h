/* The OCI runtime a container runs with, chosen in one place: hutch's own
 * (runtime/, in process) when rt is NULL or "", or another binary
 * (ext_runtime.c) at the path rt, which the container's record keeps
 * (cfg.runtime_path). Every engine call on a container's runtime state
 * goes through these. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/container.h"
#include "runtime/exec.h"
#include "util/error.h"

struct hutch_engine;

int hutch_rt_create(struct hutch_engine *e, const char *rt, const struct hutch_create_opts *co,
                    pid_t *pid, struct hutch_error **err);
int hutch_rt_start(struct hutch_engine *e, const char *rt, const char *id,
                   struct hutch_error **err);
int hutch_rt_kill(struct hutch_engine *e, const char *rt, const char *id, int sig, bool all,
                  struct hutch_error **err);
int hutch_rt_delete(struct hutch_engine *e, const char *rt, const char *id,
                    struct hutch_error **err);
int hutch_rt_pause(struct hutch_engine *e, const char *rt, const char *id,
                   struct hutch_error **err);
int hutch_rt_resume(struct hutch_engine *e, const char *rt, const char *id,
                    struct hutch_error **err);
int hutch_rt_state(struct hutch_engine *e, const char *rt, const char *id, json_t **out,
                   struct hutch_error **err);
int hutch_rt_stats(struct hutch_engine *e, const char *rt, const char *id, json_t **out,
                   struct hutch_error **err);
int hutch_rt_ps(struct hutch_engine *e, const char *rt, const char *id, pid_t **pids, size_t *n,
                struct hutch_error **err);
int hutch_rt_exec(struct hutch_engine *e, const char *rt, const char *id, const struct exec_opts *o,
                  int *status, struct hutch_error **err);
int hutch_rt_update(struct hutch_engine *e, const char *rt, const char *id, const json_t *resources,
                    struct hutch_error **err);
/* The runtime path of container id's record (a new string, "" for
 * hutch's own; NULL when the record cannot be read). */
char *hutch_rt_of(struct hutch_engine *e, const char *id);
