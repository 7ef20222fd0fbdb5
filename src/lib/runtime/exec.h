/* exec: a new process in a running container (runc exec). It joins every
 * namespace, the cgroup and the root of the container's init, and runs
 * with the container's capabilities, rlimits, no_new_privs and seccomp
 * unless the options override them. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/container.h"
#include "util/error.h"

struct exec_opts {
  /* A process.json (runtime-spec "process" object). When set, it is the
   * whole process and the fields below up to `no_new_privs` are ignored;
   * what it leaves out (capabilities, rlimits, LSM labels) comes from the
   * container's config. */
  const char *process_path;
  char *const *args;            /* COMMAND [ARG…], NULL-terminated */
  char *const *env;             /* "K=V", added to the config's env (same K replaced) */
  const char *cwd;              /* NULL: the config's */
  const char *user;             /* "uid[:gid]", NULL: the config's */
  const gid_t *additional_gids; /* added to the config's */
  size_t n_additional_gids;
  char *const *caps;         /* added to bounding, effective, permitted (ambient too
                                when the config has inheritable caps) */
  bool tty;                  /* process.terminal (default false, as runc) */
  bool no_new_privs;         /* force no_new_privs on */
  const char *apparmor;      /* override the AppArmor profile */
  const char *process_label; /* override the SELinux label */
  /* These apply with process_path too. */
  const char *console_socket; /* where the pty master goes with a terminal */
  bool detach;                /* return once the process runs */
  const char *pid_file;
  int preserve_fds;   /* fds 3 .. 3+n-1 of the caller pass through */
  bool ignore_paused; /* exec into a paused container (it stays frozen) */
};

/* Run the process in container `id`. Unless detach, wait for it and put
 * its exit status in *exit_status (128+signo for a signal); signals the
 * runtime gets meanwhile are forwarded to it. Errors of the setup in the
 * new process come back with their reason, as with create. */
int hutch_container_exec(const struct hutch_runtime *rt, const char *id, const struct exec_opts *o,
                         int *exit_status, struct hutch_error **err);
