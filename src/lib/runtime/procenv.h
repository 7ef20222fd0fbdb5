/* The container process's environment beyond process.env, as runc makes
 * it: HOME from the user's passwd entry when process.env lacks it, and
 * systemd socket activation (LISTEN_FDS/LISTEN_PID) passed through. */
#pragma once

#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* The home directory of uid in passwd text (/etc/passwd's format), as a
 * malloc'd string; NULL when uid has no entry (or an empty home). */
char *hutch_passwd_home(const char *passwd, uid_t uid);

/* A copy of env with HOME added if it has none: uid's home from passwd
 * (may be NULL: no passwd file), else "/". NULL on ENOMEM. */
char **hutch_env_with_home(char *const *env, const char *passwd, uid_t uid);

/* How many activation fds LISTEN_FDS/LISTEN_PID (the runtime's environment
 * values, either may be NULL) pass to the runtime whose pid is self: 0
 * unless LISTEN_PID is self and LISTEN_FDS a count, as sd_listen_fds(3). */
int hutch_listen_fds(const char *listen_fds, const char *listen_pid, pid_t self);

/* A copy of env with LISTEN_FDS=n and LISTEN_PID=pid in place of any
 * given there. NULL on ENOMEM. */
char **hutch_env_with_listen(char *const *env, int n, pid_t pid);

/* process.env as the process gets it, inside the container's root before
 * the user change: HOME from its /etc/passwd, and with listen_fds > 0,
 * LISTEN_FDS and LISTEN_PID naming the calling process. */
char **hutch_process_env(const struct spec_process *p, int listen_fds, struct hutch_error **err);
