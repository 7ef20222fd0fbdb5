/* The container process's environment beyond process.env, as runc makes
 * it: HOME from the user's passwd entry when process.env lacks it. */
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

/* process.env as the process gets it, inside the container's root before
 * the user change: HOME from its /etc/passwd. */
char **hutch_process_env(const struct spec_process *p, struct hutch_error **err);
