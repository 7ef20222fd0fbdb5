/* An exec in a running engine container: what `hutch exec` and the API
 * service's /exec/{id}/start run, over runtime/'s exec. The process is
 * started detached but stays the caller's child, so the caller chooses
 * how to carry its stdio (its own fds, a pty master it gets back) and
 * when to wait for it. */
#pragma once

#include "engine/engine.h"

#include <stdbool.h>
#include <sys/types.h>

/* What to run: `hutch exec`'s flags, the API's exec create body. */
struct hutch_exec_cfg {
  char *const *args;   /* COMMAND [ARG…], NULL-terminated */
  char *const *env;    /* "K=V", added to the container's */
  const char *user;    /* name or uid[:gid] in the container's /etc/passwd
                          and /etc/group; NULL: the container's user */
  const char *workdir; /* NULL: the container's */
  bool tty;            /* a pty from the container's devpts */
  bool privileged;     /* every capability we hold */
};

struct hutch_exec_proc {
  pid_t pid;  /* our child */
  int master; /* the pty's master with tty, else -EBADF */
};

/* Start x in c (running): without tty the process's stdio are ours.
 * Failures before the process runs (a user that does not resolve, a
 * command not found) are errors; hutch_ctr_exec_fail_status gives their
 * exit status. */
int hutch_ctr_exec_spawn(struct hutch_engine *e, struct hutch_ctr *c,
                         const struct hutch_exec_cfg *x, struct hutch_exec_proc *p,
                         struct hutch_error **err);
/* The pid in a pid file runtime/'s exec wrote (-EIO when unreadable). */
int hutch_exec_read_pid(const char *path, pid_t *pid, struct hutch_error **err);
/* Wait for it: its exit status (128+signo for a signal), or -errno. */
int hutch_ctr_exec_wait(pid_t pid);
/* docker's exit status of an exec that could not start: 127 for a
 * command not found, else 126. */
int hutch_ctr_exec_fail_status(const struct hutch_error *err);
/* docker's exec events ("exec_create: CMD ARGS", "exec_start: …",
 * "exec_die" with exitCode when code >= 0), with the exec's id. */
void hutch_ctr_exec_event(struct hutch_ctr *c, const char *what, const char *exec_id,
                          char *const *args, int code);
