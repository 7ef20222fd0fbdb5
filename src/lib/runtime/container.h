/* The container lifecycle, as the two CLIs use it: create, start, run,
 * state, kill, delete, list (and exec in exec.h). Each verb takes the
 * state root (--root) and reports failures through struct hutch_error. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

struct hutch_runtime {
  const char *root; /* state root, e.g. /run/hutch */
  bool systemd_cgroup;
  /* The command line, to re-execute from a sealed copy of the binary
   * (sealed.h) before the first container process is started; NULL: the
   * caller has run hutch_sealed_ensure itself. */
  char *const *argv;
};

/* 0 when this process runs from a sealed copy of its binary; otherwise
 * re-executes rt->argv from one (returns only on failure), or fails when
 * there is no argv: no container process starts from a writable binary. */
int hutch_runtime_check_sealed(const struct hutch_runtime *rt, struct hutch_error **err);

struct hutch_create_opts {
  const char *id;
  const char *bundle;         /* directory holding config.json */
  const char *pid_file;       /* optional */
  const char *console_socket; /* optional */
  const int *console_sock_fd; /* optional: a connected socket to send the pty master on */
  /* optional: the container's fds 0, 1, 2 (each -1: ours, inherited);
   * without it the process inherits all three of ours */
  const int *stdio;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
  /* the first listen_fds of the preserved fds are socket activation's:
   * the process gets LISTEN_FDS and LISTEN_PID for them */
  int listen_fds;
};

int hutch_container_create(const struct hutch_runtime *rt, const struct hutch_create_opts *o,
                           pid_t *pid_out, struct hutch_error **err);
int hutch_container_start(const struct hutch_runtime *rt, const char *id, struct hutch_error **err);
/* create + start; unless detach, wait and put the process's exit status
 * in *exit_status (128+signo for a signal) and delete unless keep. */
int hutch_container_run(const struct hutch_runtime *rt, const struct hutch_create_opts *o,
                        bool detach, bool keep, int *exit_status, struct hutch_error **err);
int hutch_container_state(const struct hutch_runtime *rt, const char *id, json_t **out,
                          struct hutch_error **err);
int hutch_container_kill(const struct hutch_runtime *rt, const char *id, int sig, bool all,
                         struct hutch_error **err);
int hutch_container_delete(const struct hutch_runtime *rt, const char *id, bool force,
                           struct hutch_error **err);
/* JSON array of OCI states, one per container under root. */
int hutch_container_list(const struct hutch_runtime *rt, json_t **out, struct hutch_error **err);

/* The cgroup verbs (container_cgroup.c). update applies a linux.resources
 * object (validated with hutch_spec_parse_resources) and merges it into
 * the state dir's config.json, so later updates and readers see what is
 * in force. */
int hutch_container_update(const struct hutch_runtime *rt, const char *id, const json_t *resources,
                           struct hutch_error **err);
/* Merge an update into linux.resources of dirfd's config.json (written
 * atomically); id names the container in errors. */
int hutch_config_merge_resources(int dirfd, const char *id, const json_t *update,
                                 struct hutch_error **err);
int hutch_container_pause(const struct hutch_runtime *rt, const char *id, struct hutch_error **err);
int hutch_container_resume(const struct hutch_runtime *rt, const char *id,
                           struct hutch_error **err);
/* Pids in the container's cgroup (malloc'd array). */
int hutch_container_ps(const struct hutch_runtime *rt, const char *id, pid_t **pids, size_t *n,
                       struct hutch_error **err);
/* runc's `events --stats` "data" object (memory, cpu, pids, blkio, hugetlb). */
int hutch_container_stats(const struct hutch_runtime *rt, const char *id, json_t **out,
                          struct hutch_error **err);
/* An event ({"type":"stats"|"oom","id":…[,"data":…]}, borrowed); return
 * <0 to stop the loop. */
typedef int (*hutch_event_fn)(json_t *event, void *userdata);
/* Report stats every interval_ns and an "oom" event per OOM kill until
 * the container's init is gone (or fn asks to stop). */
int hutch_container_events(const struct hutch_runtime *rt, const char *id, uint64_t interval_ns,
                           hutch_event_fn fn, void *userdata, struct hutch_error **err);

/* Internal to runtime/: the parent side of create (spawn.c). */
struct spawn_result {
  pid_t pid;
  int pidfd;
  char *rootfs;           /* absolute, malloc'd */
  char *cgroup_path;      /* resolved, malloc'd */
  json_t *cgroup_created; /* owned */
};
int hutch_spawn(const struct hutch_runtime *rt, const struct hutch_create_opts *o,
                const struct spec *spec, int state_dirfd, struct spawn_result *res,
                struct hutch_error **err);
