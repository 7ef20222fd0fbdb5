/* One spec mount at a time, inside the container's rootfs: the target is
 * resolved inside the rootfs through fds (never following a symlink out of
 * it) and the mount is made on /proc/self/fd/N of that resolved target. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

struct mount_ctx {
  int rootfd;                  /* O_PATH fd of the rootfs (before pivot_root) */
  const char *rootfs;          /* its path, for messages */
  bool userns;                 /* in a new user namespace: bind instead of mknod/sysfs */
  bool netns;                  /* has its own network namespace (sysfs may be mounted) */
  struct hutch_cgroup *cgroup; /* for "cgroup" mounts */
  bool cgroupns;
  int idmap_fd; /* the mount being made: its detached tree (idmap.h), or -EBADF */
};

int hutch_mount_one(const struct mount_ctx *ctx, const struct spec_mount *m,
                    struct hutch_error **err);
/* Mount flags a bind mount cannot drop when remounted (locked in a user
 * namespace): the source's nosuid/nodev/noexec/ro... as MS_* bits. */
unsigned long hutch_mount_locked_flags(const char *path);
/* options for a tmpfs over a directory of this mode: "mode=MODE" (the
 * sticky, setuid and setgid bits included) in front of data; NULL if data
 * already sets mode= (or out of memory). Caller frees. */
char *hutch_tmpfs_data_with_mode(const char *data, mode_t mode);
/* A read-only tmpfs is mounted read-write and made read-only by
 * hutch_rootfs_finish, once everything under it is in place. */
bool hutch_mount_ro_later(const struct spec_mount *m);
