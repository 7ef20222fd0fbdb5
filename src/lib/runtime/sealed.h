/* The CVE-2019-5736 class: a process in a container that reaches
 * /proc/<pid>/exe of a process running one of hutch's binaries can reopen
 * that file and overwrite it on the host. It gets there in two ways: while
 * a runtime child runs in the container's namespaces before its execve
 * (non-dumpable stops this only for containers without CAP_SYS_PTRACE), and
 * by making the kernel run the binary inside the container: a script
 * `#!/proc/self/exe` executed by the runtime's child resolves to the
 * runtime's own binary, now running with the container's credentials.
 *
 * So no process that can end up in a container ever runs from the file on
 * disk. Every entry point that may start a container process (hutch-runtime
 * create/run/exec, hutch run/start/restart/exec, the monitor) first
 * re-executes itself from a copy nobody can write:
 *   - a detached, read-only bind mount of the binary (open_tree +
 *     mount_setattr): no copy, ~30 µs; the mount belongs to no namespace
 *     once the exec closes its fd, so no one can make it writable again;
 *   - where that is refused (no CAP_SYS_ADMIN: rootless), a memfd copy
 *     sealed against writes, as runc and crun do.
 * hutch_container_create and hutch_container_exec refuse to start a
 * container process from a process that is not sealed. */
#pragma once

#include <stdbool.h>

#include "util/error.h"

/* true when this process runs from a sealed copy of its binary. */
bool hutch_sealed_running(void);
/* Execute the binary at path (NULL: this process's own) from a sealed copy,
 * with argv and the current environment. Returns only on failure. */
int hutch_sealed_exec(const char *path, char *const *argv, struct hutch_error **err);
/* The fd hutch_sealed_exec executes path from: a detached read-only mount
 * of it (*mount_err 0), else a sealed memfd copy (*mount_err the -errno
 * open_tree or mount_setattr gave). hutch check opens it without exec. */
int hutch_sealed_open(const char *path, int *mount_err, struct hutch_error **err);
/* Is fd a file no one can open for writing: a memfd sealed against
 * writes, or a file on a read-only mount? */
bool hutch_sealed_fd(int fd);
/* Re-execute this process from a sealed copy of its binary unless it runs
 * from one already; returns 0 only in that case. Call it first thing in a
 * command that may start container processes, before any side effect. */
int hutch_sealed_ensure(char *const *argv, struct hutch_error **err);
/* The binary's path as installed: readlink("/proc/self/exe") names the
 * sealed copy ("/" or "/memfd:…") once this process re-executed. */
const char *hutch_self_exe(void);
