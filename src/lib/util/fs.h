/* Filesystem helpers: atomic state writes, whole-file reads, and path
 * resolution that never leaves a root directory (openat2 RESOLVE_IN_ROOT).
 * All return 0/fd on success and -errno on failure; none log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Write data to dirfd/name through a temporary file + fsync + rename, so a
 * crash leaves either the old content or the new one. */
int hutch_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode);
/* The same without fsync: for runtime state under /run, which does not
 * outlive a reboot anyway; rename still guarantees that a crashed process
 * leaves the old content or the new, never half. */
int hutch_write_file_replace(int dirfd, const char *name, const void *data, size_t len,
                             mode_t mode);
/* Write (truncate) a file; for /proc and cgroup knobs. */
int hutch_write_file(const char *path, const void *data, size_t len);
int hutch_write_file_at(int dirfd, const char *name, const void *data, size_t len);
/* Read a whole file into a NUL-terminated buffer (caller frees). */
int hutch_read_file(const char *path, char **out, size_t *len);
/* The number after "KEY" in a file of "KEY value" lines (/proc/meminfo's
 * "MemTotal:", /proc/self/status's "CapBnd:"), in base; 0 when absent. */
unsigned long long hutch_read_file_key(const char *path, const char *key, int base);
int hutch_read_file_at(int dirfd, const char *name, char **out, size_t *len);
int hutch_read_fd(int fd, char **out, size_t *len);
/* Read path inside rootfd (see hutch_open_in_root) for a file the root's
 * owner controls: it must be a regular file (-EINVAL for a FIFO, device or
 * socket, -EISDIR) of at most max bytes (-EFBIG); never blocks. */
int hutch_read_regular_in_root(int rootfd, const char *path, size_t max, char **out, size_t *len);

/* mkdir -p; existing directories are fine. */
int hutch_mkdir_p(const char *path, mode_t mode);
/* rm -rf below dirfd/name without crossing into other mounts' contents via
 * symlinks (it unlinks links, never follows them). Missing is fine. */
int hutch_rm_rf_at(int dirfd, const char *name);
int hutch_rm_rf(const char *path);

/* Open `path` resolved inside the directory rootfd as if rootfd were "/":
 * ".." and absolute symlinks stay inside. Uses openat2(RESOLVE_IN_ROOT),
 * retrying its EAGAIN a bounded number of times, and falls back to a
 * component-by-component walk where it is missing or refused (ENOSYS,
 * EPERM from seccomp). */
int hutch_open_in_root(int rootfd, const char *path, int flags, mode_t mode);
/* The fallback walk alone, with the same results as openat2: what
 * hutch_open_in_root uses where openat2 is refused; tests call it to
 * compare the two. */
int hutch_open_in_root_walk(int rootfd, const char *path, int flags, mode_t mode);
/* mkdir -p inside rootfd; returns an O_PATH fd (O_DIRECTORY) of the result. */
int hutch_mkdir_in_root(int rootfd, const char *path, mode_t mode);
/* Create the mount target `path` in rootfd as a directory or, when is_dir
 * is false, an empty file (parents as directories); returns an O_PATH fd. */
int hutch_mkmount_target_in_root(int rootfd, const char *path, bool is_dir);

/* "/proc/self/fd/N" for an fd, in a caller buffer of at least 32 bytes. */
const char *hutch_fd_path(int fd, char buf[static 32]);

/* Does path exist (lstat)? */
bool hutch_path_exists(const char *path);

/* Is this process in the initial user namespace (its uid_map the whole
 * id space)? Read once. */
bool hutch_in_initial_userns(void);
/* Duplicate fd to a value above 2 not in [lo, hi] etc. is left to callers. */

/* Bytes of the regular files and symlinks under path (st_size, each
 * hard-linked inode once, not crossing mounts), as docker's SizeRw and
 * volume sizes count. A missing path is 0. */
int hutch_disk_usage(const char *path, int64_t *bytes);
