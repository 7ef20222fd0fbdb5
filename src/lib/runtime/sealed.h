/* The CVE-2019-5736 class: a container process that can reach
 * /proc/<pid>/exe of a runtime process while it runs in the container's
 * namespaces could reopen the runtime binary on disk and overwrite it.
 * hutch never re-executes itself, and its child is not dumpable until
 * execve, which blocks /proc/<pid>/exe to the container, except for a
 * process with CAP_SYS_PTRACE over it: a container given CAP_SYS_PTRACE
 * without a user namespace. For exactly that case, hutch-runtime first
 * re-executes itself from a sealed memfd copy of its binary, so what the
 * container could reach is a read-only anonymous file. */
#pragma once

#include <stdbool.h>

#include "linux/caps.h"
#include "spec/spec.h"
#include "util/error.h"

/* Does a container process with these capabilities (has_caps false: all
 * of root's) and namespaces need the sealed binary? */
bool hutch_sealed_needed(const struct spec_linux *l, bool has_caps, const struct hutch_caps *caps);
/* true when this process already runs from the sealed copy. */
bool hutch_sealed_running(void);
/* Re-execute argv from a sealed memfd copy of /proc/self/exe. Returns only
 * on failure. */
int hutch_sealed_reexec(char *const *argv, struct hutch_error **err);
