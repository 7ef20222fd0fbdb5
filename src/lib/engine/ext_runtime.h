/* Another OCI runtime binary (`run --runtime runc|crun|PATH`), driven as
 * podman and containerd drive runc: its command line, with a state root
 * of its own under hutch's run dir ($HUTCH_RUN_ROOT/engine/runtimes/NAME),
 * on the bundle hutch writes anyway. ctr_runtime.h chooses between it and
 * hutch's own runtime, which runs in process. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/container.h"
#include "runtime/exec.h"
#include "util/error.h"

struct hutch_engine;

/* NAME (runc, crun… looked up in PATH) or an absolute path to an
 * executable: the binary's absolute path in *path. Anything else fails
 * with docker's "unknown or invalid runtime name". */
int hutch_ext_runtime_resolve(const char *name, char **path, struct hutch_error **err);

/* `RT create --bundle B --pid-file F ID` with co->stdio as the
 * container's stdio (runc's pass-through mode), or with a terminal
 * (co->console_sock_fd) `--console-socket`, whose pty master goes on to
 * that socket; *pid: its init, which becomes our child (subreaper). */
int hutch_ext_create(struct hutch_engine *e, const char *rt, const struct hutch_create_opts *co,
                     pid_t *pid, struct hutch_error **err);
/* One verb on one container: "start", "pause", "resume", "delete". */
int hutch_ext_verb(struct hutch_engine *e, const char *rt, const char *verb, const char *id,
                   struct hutch_error **err);
int hutch_ext_kill(struct hutch_engine *e, const char *rt, const char *id, int sig, bool all,
                   struct hutch_error **err);
/* `RT state ID`: the OCI state. */
int hutch_ext_state(struct hutch_engine *e, const char *rt, const char *id, json_t **out,
                    struct hutch_error **err);
/* `RT events --stats ID`'s "data" (the format hutch_container_stats gives). */
int hutch_ext_stats(struct hutch_engine *e, const char *rt, const char *id, json_t **out,
                    struct hutch_error **err);
/* `RT ps --format json ID`. */
int hutch_ext_ps(struct hutch_engine *e, const char *rt, const char *id, pid_t **pids, size_t *n,
                 struct hutch_error **err);
/* `RT exec [flags from o] ID ARGS…` with our stdio; *status as
 * hutch_container_exec's. */
int hutch_ext_exec(struct hutch_engine *e, const char *rt, const char *id,
                   const struct exec_opts *o, int *status, struct hutch_error **err);
/* `RT update --resources FILE ID` with a linux.resources object. */
int hutch_ext_update(struct hutch_engine *e, const char *rt, const char *id,
                     const json_t *resources, struct hutch_error **err);
