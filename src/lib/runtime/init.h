/* The child side: everything the container's init does between clone and
 * execve, as one linear list of small named steps (init.c). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "linux/caps.h"
#include "spec/spec.h"

struct hutch_cgroup;
struct hutch_seccomp;

struct init_args {
  const struct spec *spec;
  const char *id;
  const char *rootfs; /* absolute */
  int sync_fd;        /* child's end of the socketpair */
  int state_dirfd;    /* locked state dir of the parent: closed first thing */
  int fifo_fd;        /* O_PATH fd of exec.fifo, -EBADF for exec */
  int console_fd;     /* connected console socket, or -EBADF */
  int ns_fds[8];      /* namespaces to join (SPEC_NS__MAX), -EBADF if none */
  int preserve_fds;
  int listen_fds; /* of those, the first listen_fds are socket activation's */
  int stdio[3];   /* to become fds 0-2 first thing, or -1 (see hutch_create_opts) */
  bool no_pivot;
  bool no_new_keyring;
  bool new_userns;
  struct hutch_cgroup *cgroup;
  const struct hutch_seccomp *seccomp;
  bool has_caps;
  struct hutch_caps caps;
  const char *seccomp_state_json; /* for a seccomp listener, else NULL */
  const char *state_json;         /* for createContainer hooks ("creating") */
  const char *start_state_json;   /* for startContainer hooks ("created") */
  const int *idmap_fds;           /* idmapped mount trees per spec mount (linux/idmap.h), or NULL */
};

/* Runs in the cloned child; never returns. */
__attribute__((noreturn)) void hutch_init_child(struct init_args *a);

/* Shared with exec: become the spec's user (groups, gid, uid) with the
 * capability dance around it. */
int hutch_init_user_and_caps(const struct spec_process *p, bool has_caps,
                             const struct hutch_caps *caps, struct hutch_error **err);
/* chdir to process.cwd inside the current root; a cwd that ends up
 * outside it (through an inherited fd's magic link) is an error. */
int hutch_init_cwd(const struct spec_process *p, struct hutch_error **err);
/* no_new_privs (if asked) and the LSM exec label. */
int hutch_init_nnp_and_label(const struct spec_process *p, struct hutch_error **err);
/* Find args[0] through PATH from env (inside the current root); returns
 * a malloc'd path, or an error: 127-style "not found" / 126-style "not executable". */
int hutch_init_find_executable(const char *arg0, char *const *env, char **out,
                               struct hutch_error **err);
/* Right before execve: default signal dispositions, nothing blocked, and
 * every fd >= 3 + preserve_fds closed at execve (CLOEXEC). */
void hutch_init_fds_for_exec(int preserve_fds);
