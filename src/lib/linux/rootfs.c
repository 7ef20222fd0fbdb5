/* Rootfs setup in the child: the order matters and is explained inline. */
#include "rootfs.h"

#include "devices.h"
#include "mounts.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int hutch_rootfs_prepare(struct rootfs_ctx *ctx, struct hutch_error **err) {
  const struct spec *s = ctx->spec;
  /* First cut propagation to the host: nothing we mount may leak back out
   * (default rslave like runc, so host unmounts still reach us). */
  unsigned long prop = s->linux_.rootfs_propagation_flags ? s->linux_.rootfs_propagation_flags
                                                          : (MS_SLAVE | MS_REC);
  hutch_debug("mount propagation 0x%lx on /", prop);
  if (mount(NULL, "/", NULL, prop, NULL) < 0)
    return hutch_error_set(err, errno, "set rootfs propagation on /");
  /* pivot_root needs the new root to be a mount point; the bind also lets
   * us make it private below without touching the host's mount. */
  hutch_debug("mount %s on itself (rbind)", ctx->rootfs);
  if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return hutch_error_set(err, errno, "bind mount the rootfs %s", ctx->rootfs);
  if (s->linux_.rootfs_propagation_flags & (MS_SHARED | MS_PRIVATE | MS_UNBINDABLE)) {
    if (mount(NULL, ctx->rootfs, NULL, MS_PRIVATE, NULL) < 0)
      return hutch_error_set(err, errno, "make the rootfs mount private");
  }
  ctx->rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (ctx->rootfd < 0)
    return hutch_error_set(err, errno, "open rootfs %s", ctx->rootfs);

  bool has_pts = false;
  struct mount_ctx mc = {
      .rootfd = ctx->rootfd,
      .rootfs = ctx->rootfs,
      .userns = ctx->userns,
      .netns = s->linux_.namespaces[SPEC_NS_NETWORK].present,
      .cgroup = ctx->cgroup,
      .cgroupns = s->linux_.namespaces[SPEC_NS_CGROUP].present,
      .idmap_fd = -EBADF,
  };
  for (size_t i = 0; i < s->n_mounts; i++) {
    mc.idmap_fd = ctx->idmap_fds ? ctx->idmap_fds[i] : -EBADF;
    if (hutch_mount_one(&mc, &s->mounts[i], err) < 0)
      return -1;
    if (strcmp(s->mounts[i].destination, "/dev/pts") == 0)
      has_pts = true;
  }
  if (hutch_devices_create(ctx->rootfd, &s->linux_, ctx->userns, err) < 0)
    return -1;
  return hutch_devices_symlinks(ctx->rootfd, has_pts, err);
}

int hutch_rootfs_pivot(struct rootfs_ctx *ctx, struct hutch_error **err) {
  if (fchdir(ctx->rootfd) < 0 && chdir(ctx->rootfs) < 0)
    return hutch_error_set(err, errno, "chdir to the rootfs");
  if (ctx->no_pivot) {
    hutch_debug("move rootfs to / and chroot (--no-pivot)");
    if (mount(ctx->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
      return hutch_error_set(err, errno, "move the rootfs to /");
    if (chroot(".") < 0)
      return hutch_error_set(err, errno, "chroot");
  } else {
    /* pivot_root(".", ".") stacks the old root under the new one; it is
     * made a slave first so the detach below cannot propagate to the host,
     * then lazily unmounted. No directory for the old root is needed. */
    hutch_debug("pivot_root %s", ctx->rootfs);
    if (syscall(SYS_pivot_root, ".", ".") < 0)
      return hutch_error_set(err, errno, "pivot_root");
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
      return hutch_error_set(err, errno, "make the old root a slave");
    hutch_debug("umount2 old root MNT_DETACH");
    if (umount2(".", MNT_DETACH) < 0)
      return hutch_error_set(err, errno, "detach the old root");
  }
  if (chdir("/") < 0)
    return hutch_error_set(err, errno, "chdir /");
  close(ctx->rootfd);
  ctx->rootfd = -EBADF;
  return 0;
}

static int mask_path(int root, const char *path, struct hutch_error **err) {
  _cleanup_close_ int fd = hutch_open_in_root(root, path, O_PATH | O_NOFOLLOW, 0);
  if (fd == -ENOENT || fd == -ENOTDIR)
    return 0;
  if (fd < 0)
    return hutch_error_set(err, fd, "open masked path %s", path);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return hutch_error_set(err, errno, "stat masked path %s", path);
  char p[32];
  hutch_fd_path(fd, p);
  hutch_debug("mask %s", path);
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k") < 0)
      return hutch_error_set(err, errno, "mask %s", path);
  } else if (mount("/dev/null", p, NULL, MS_BIND, NULL) < 0) {
    return hutch_error_set(err, errno, "mask %s", path);
  }
  return 0;
}

static int readonly_path(int root, const char *path, struct hutch_error **err) {
  _cleanup_close_ int fd = hutch_open_in_root(root, path, O_PATH | O_NOFOLLOW, 0);
  if (fd == -ENOENT || fd == -ENOTDIR)
    return 0;
  if (fd < 0)
    return hutch_error_set(err, fd, "open read-only path %s", path);
  char p[32];
  hutch_fd_path(fd, p);
  hutch_debug("read-only %s", path);
  if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
    return hutch_error_set(err, errno, "bind read-only path %s", path);
  /* The fd still names the mount below the new bind; reopen it. */
  _cleanup_close_ int fd2 = hutch_open_in_root(root, path, O_PATH | O_NOFOLLOW, 0);
  if (fd2 < 0)
    return hutch_error_set(err, fd2, "reopen read-only path %s", path);
  hutch_fd_path(fd2, p);
  unsigned long keep = hutch_mount_locked_flags(p);
  if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL) < 0)
    return hutch_error_set(err, errno, "remount %s read-only", path);
  return 0;
}

int hutch_rootfs_finish(const struct spec *spec, struct hutch_error **err) {
  _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return hutch_error_set(err, errno, "open /");
  for (char **p = spec->linux_.masked_paths; p && *p; p++)
    if (mask_path(root, *p, err) < 0)
      return -1;
  for (char **p = spec->linux_.readonly_paths; p && *p; p++)
    if (readonly_path(root, *p, err) < 0)
      return -1;
  if (spec->root_readonly) {
    hutch_debug("remount / read-only");
    unsigned long keep = hutch_mount_locked_flags("/");
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL) < 0)
      return hutch_error_set(err, errno, "remount the rootfs read-only");
  }
  return 0;
}
