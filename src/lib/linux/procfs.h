/* The runtime's own writes to /proc (sysctl, attr/exec, oom_score_adj,
 * id maps, time offsets) go through a private procfs handle, never
 * through a path the container can redirect (CVE-2025-52881). All return
 * an fd or 0 on success and -errno on failure; none log.
 *
 * A path outside procfs, a symlink (self/, thread-self/ are expanded by
 * reading our own procfs, never followed), a magic link, ".." or a mount
 * crossing is refused; an opened file that is not on procfs is -EXDEV. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The process-wide procfs root fd, made on first use and kept (O_CLOEXEC):
 * a detached procfs instance of our own (fsopen+fsmount), else a clone of
 * /proc (open_tree), else /proc itself; each verified to be the root of a
 * procfs. Borrowed: do not close. Call it early in the child (before
 * pivot_root) so the fallbacks never see a /proc the container made. */
int hutch_procfs_root(void);
/* Open rel ("sys/net/ipv4/ip_forward", "self/oom_score_adj",
 * "thread-self/attr/exec", "123/uid_map") below the procfs root. */
int hutch_procfs_open(const char *rel, int flags);
/* The same below any root fd that must itself be procfs (tests, callers
 * with a root of their own). */
int hutch_procfs_open_at(int root, const char *rel, int flags);
/* Write data in one write(2) to a regular procfs file. */
int hutch_procfs_write(const char *rel, const void *data, size_t len);
/* Reopen an O_PATH fd of ours with flags (the exec fifo) through
 * self/fd/N of our procfs: the one magic link we follow, in a directory
 * no one else can mount over. */
int hutch_procfs_reopen(int fd, int flags);
/* 0 if fd is on procfs (fstatfs), -EXDEV if not. */
int hutch_procfs_check_fd(int fd);
