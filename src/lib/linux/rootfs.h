/* The container's filesystem view, in the child's new mount namespace:
 *   hutch_rootfs_prepare: rootfs propagation, bind the rootfs on itself,
 *     the spec's mounts, /dev nodes and symlinks (all resolved inside the
 *     rootfs);
 *   (createContainer hooks run here, before pivot_root)
 *   hutch_rootfs_pivot: pivot_root into it and detach the old root;
 *   hutch_rootfs_finish: masked and read-only paths, read-only root;
 *   hutch_rootfs_bind_console: the pty slave fd on /dev/console. */
#pragma once

#include <stdbool.h>

#include "spec/spec.h"
#include "util/error.h"

struct hutch_cgroup;

struct rootfs_ctx {
  const struct spec *spec;
  const char *rootfs; /* absolute path */
  bool no_pivot;
  bool mountns; /* its own mount namespace; without, chroot and the host's mounts */
  bool userns;
  struct hutch_cgroup *cgroup;
  const int *idmap_fds; /* per spec mount, from hutch_idmap_prepare; NULL if none */
  int rootfd;           /* set by prepare */
};

int hutch_rootfs_prepare(struct rootfs_ctx *ctx, struct hutch_error **err);
int hutch_rootfs_pivot(struct rootfs_ctx *ctx, struct hutch_error **err);
int hutch_rootfs_finish(const struct spec *spec, struct hutch_error **err);
int hutch_rootfs_bind_console(int slave, struct hutch_error **err);
/* root's /dev/null as an O_PATH fd, not followed, checked to be the 1:3
 * character device masked paths are bound from (EPERM if it is not). */
int hutch_rootfs_open_dev_null(int root, struct hutch_error **err);
