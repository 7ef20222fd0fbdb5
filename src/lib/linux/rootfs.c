/* Rootfs setup in the child: the order matters and is explained inline. */
#include "rootfs.h"

#include "devices.h"
#include "mounts.h"
#include "mountinfo.h"
#include "terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int hutch_rootfs_prepare(struct rootfs_ctx *ctx, struct hutch_error **err) {
  const struct spec *s = ctx->spec;
  /* Without a mount namespace of its own the container shares ours (the
   * host's): nothing is changed in it but the spec's mounts, and the
   * rootfs is entered with chroot (hutch_rootfs_pivot). */
  if (ctx->mountns) {
    /* First cut propagation to the host: nothing we mount may leak back
     * out (rslave, so host unmounts still reach us). The spec's
     * rootfsPropagation applies to the new root after pivot_root: a shared
     * / here would make pivot_root fail (EINVAL). */
    hutch_debug("mount propagation rslave on /");
    if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
      return hutch_error_set(err, errno, "set mount propagation rslave on /");
    /* pivot_root needs the new root to be a mount point. */
    hutch_debug("mount %s on itself (rbind)", ctx->rootfs);
    if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
      return hutch_error_set(err, errno, "bind mount the rootfs %s", ctx->rootfs);
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

/* mp is dir or below it. */
static bool path_under(const char *mp, const char *dir) {
  size_t n = strlen(dir);
  return strncmp(mp, dir, n) == 0 && (mp[n] == '\0' || mp[n] == '/');
}

/* --no-pivot: chroot keeps the old root, and with it the host's procfs and
 * sysfs, in the container's mount namespace. The kernel lets a user
 * namespace mount a fresh procfs (or sysfs) only when one is already fully
 * visible in its mount namespace (mount_too_revealing); the container's
 * own /proc is not (its masks are locked to a nested user namespace), but
 * the host's would be, so `unshare -mrpf mount -t proc` inside would get
 * one without masks. Detach every whole procfs and sysfs outside the
 * rootfs first, as runc does; one that cannot be unmounted is covered with
 * an empty tmpfs. Deepest first: a parent's detach takes its children. */
static int hide_host_proc_sys(const char *rootfs, struct hutch_error **err) {
  _cleanup_free_ char *mi = NULL;
  int r = hutch_read_file("/proc/self/mountinfo", &mi, NULL);
  if (r < 0)
    return hutch_error_set(err, r, "read /proc/self/mountinfo");
  size_t cap = 1, n = 0;
  for (const char *p = mi; *p; p++)
    cap += *p == '\n';
  _cleanup_free_ char **lines = calloc(cap, sizeof(char *));
  if (lines == NULL)
    return hutch_error_set(err, ENOMEM, "--no-pivot: mount list");
  char *save = NULL;
  for (char *l = strtok_r(mi, "\n", &save); l && n < cap; l = strtok_r(NULL, "\n", &save))
    lines[n++] = l;
  while (n-- > 0) {
    struct hutch_mountinfo e;
    if (hutch_mountinfo_parse_line(lines[n], &e) < 0 || strcmp(e.root, "/") != 0 ||
        (strcmp(e.fstype, "proc") != 0 && strcmp(e.fstype, "sysfs") != 0) ||
        path_under(e.mountpoint, rootfs))
      continue;
    /* A slave first: the detach must not propagate to the host. */
    if (mount(NULL, e.mountpoint, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
      if (errno == ENOENT || errno == EINVAL)
        continue; /* went with a parent detached before */
      return hutch_error_set(err, errno, "make %s a slave", e.mountpoint);
    }
    hutch_debug("umount2 %s %s MNT_DETACH (--no-pivot)", e.fstype, e.mountpoint);
    if (umount2(e.mountpoint, MNT_DETACH) == 0)
      continue;
    if (errno != EINVAL && errno != EPERM)
      return hutch_error_set(err, errno, "detach the host's %s at %s", e.fstype, e.mountpoint);
    hutch_debug("cover %s at %s with a tmpfs", e.fstype, e.mountpoint);
    if (mount("tmpfs", e.mountpoint, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k") < 0)
      return hutch_error_set(err, errno, "cover the host's %s at %s", e.fstype, e.mountpoint);
  }
  return 0;
}

int hutch_rootfs_pivot(struct rootfs_ctx *ctx, struct hutch_error **err) {
  if (fchdir(ctx->rootfd) < 0 && chdir(ctx->rootfs) < 0)
    return hutch_error_set(err, errno, "chdir to the rootfs");
  if (!ctx->mountns) {
    hutch_debug("chroot %s (no mount namespace: no pivot_root)", ctx->rootfs);
    if (chroot(".") < 0)
      return hutch_error_set(err, errno, "chroot to the rootfs %s", ctx->rootfs);
  } else if (ctx->no_pivot) {
    if (hide_host_proc_sys(ctx->rootfs, err) < 0)
      return -1;
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
  unsigned long prop = ctx->spec->linux_.rootfs_propagation_flags;
  if (ctx->mountns && prop) {
    hutch_debug("rootfsPropagation 0x%lx on the new /", prop);
    if (mount(NULL, "/", NULL, prop, NULL) < 0)
      return hutch_error_set(err, errno, "set rootfsPropagation on the container's /");
  }
  close(ctx->rootfd);
  ctx->rootfd = -EBADF;
  return 0;
}

/* Bind the file or directory of the fd src onto the fd target: nothing is
 * looked up by name between the caller's checks and the mount. */
static int bind_fd(int src, int target) {
  _cleanup_close_ int tree =
      open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree >= 0) {
    if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
      return -errno;
    return 0;
  }
  if (errno != ENOSYS)
    return -errno;
  /* Before Linux 5.2: the magic links still name exactly these fds. */
  char s[32], t[32];
  if (mount(hutch_fd_path(src, s), hutch_fd_path(target, t), NULL, MS_BIND, NULL) < 0)
    return -errno;
  return 0;
}

/* An empty read-only tmpfs over the directory target (a masked dir). */
static int tmpfs_mask_fd(int target) {
  _cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0 && errno == ENOSYS) {
    char t[32];
    if (mount("tmpfs", hutch_fd_path(target, t), "tmpfs",
              MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k") < 0)
      return -errno;
    return 0;
  }
  if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "size", "0k", 0) < 0 ||
      fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -errno;
  _cleanup_close_ int m =
      fsmount(fs, FSMOUNT_CLOEXEC,
              MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  if (m < 0 || move_mount(m, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return -errno;
  return 0;
}

/* CVE-2025-31133: masked files are covered with the container's /dev/null,
 * which a container sharing this rootfs (no /dev tmpfs) can swap for a
 * symlink to a host sysctl between our mknod and the bind: binding it by
 * name would then give the container a writable host knob. So it is
 * opened once, not followed, checked to be the 1:3 character device, and
 * every bind is made from that fd. Anything else is refused, never
 * worked around by name. */
int hutch_rootfs_open_dev_null(int root, struct hutch_error **err) {
  _cleanup_close_ int fd = hutch_open_in_root(root, "/dev/null", O_PATH | O_NOFOLLOW, 0);
  if (fd < 0)
    return hutch_error_set(err, fd, "open /dev/null to mask paths with");
  struct stat st;
  if (fstat(fd, &st) < 0)
    return hutch_error_set(err, errno, "stat /dev/null");
  hutch_debug("masked paths: /dev/null is mode 0%o rdev %u:%u", (unsigned)st.st_mode,
              major(st.st_rdev), minor(st.st_rdev));
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
    return hutch_error_set(err, EPERM,
                           "/dev/null in the container is not the null device (1:3), refusing "
                           "to mask paths with it (was it replaced? CVE-2025-31133)");
  return TAKE_FD(fd);
}

/* *null_fd is opened on the first masked file and reused for the rest. */
static int mask_path(int root, int *null_fd, const char *path, struct hutch_error **err) {
  /* The target is not followed either: a symlink here could point the
   * mask at anything in the container. */
  _cleanup_close_ int fd = hutch_open_in_root(root, path, O_PATH | O_NOFOLLOW, 0);
  if (fd == -ENOENT || fd == -ENOTDIR)
    return 0;
  if (fd < 0)
    return hutch_error_set(err, fd, "open masked path %s", path);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return hutch_error_set(err, errno, "stat masked path %s", path);
  if (S_ISLNK(st.st_mode))
    return hutch_error_set(err, ELOOP, "masked path %s is a symlink, refusing to mask through it",
                           path);
  if (S_ISDIR(st.st_mode)) {
    hutch_debug("mask %s: fsmount empty read-only tmpfs, move_mount onto its fd", path);
    int r = tmpfs_mask_fd(fd);
    return r < 0 ? hutch_error_set(err, r, "mask %s with an empty tmpfs", path) : 0;
  }
  if (*null_fd < 0 && (*null_fd = hutch_rootfs_open_dev_null(root, err)) < 0)
    return -1;
  hutch_debug("mask %s: open_tree /dev/null fd, move_mount onto its fd", path);
  int r = bind_fd(*null_fd, fd);
  /* ENOENT here: the verified /dev/null was unlinked (replaced) after we
   * opened it; the kernel will not bind an unlinked file. Refused. */
  if (r < 0)
    return hutch_error_set(err, r, "mask %s with the container's /dev/null%s", path,
                           r == -ENOENT ? " (it was replaced while masking)" : "");
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

/* A read-only tmpfs, mounted read-write so that what goes under it could be
 * made (hutch_mount_ro_later): read-only now, on the mount itself. */
static int tmpfs_readonly(int root, const struct spec_mount *m, struct hutch_error **err) {
  _cleanup_close_ int fd = hutch_open_in_root(root, m->destination, O_PATH | O_NOFOLLOW, 0);
  if (fd < 0)
    return hutch_error_set(err, fd, "open %s to make it read-only", m->destination);
  hutch_debug("read-only tmpfs %s", m->destination);
  struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
  if (mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a)) == 0)
    return 0;
  if (errno != ENOSYS)
    return hutch_error_set(err, errno, "make the tmpfs on %s read-only", m->destination);
  char p[32];
  hutch_fd_path(fd, p);
  unsigned long keep = hutch_mount_locked_flags(p);
  if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL) < 0)
    return hutch_error_set(err, errno, "remount the tmpfs on %s read-only", m->destination);
  return 0;
}

int hutch_rootfs_finish(const struct spec *spec, struct hutch_error **err) {
  _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return hutch_error_set(err, errno, "open /");
  _cleanup_close_ int null_fd = -EBADF;
  for (char **p = spec->linux_.masked_paths; p && *p; p++)
    if (mask_path(root, &null_fd, *p, err) < 0)
      return -1;
  for (char **p = spec->linux_.readonly_paths; p && *p; p++)
    if (readonly_path(root, *p, err) < 0)
      return -1;
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (hutch_mount_ro_later(&spec->mounts[i]) && tmpfs_readonly(root, &spec->mounts[i], err) < 0)
      return -1;
  if (spec->root_readonly) {
    hutch_debug("remount / read-only");
    unsigned long keep = hutch_mount_locked_flags("/");
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL) < 0)
      return hutch_error_set(err, errno, "remount the rootfs read-only");
  }
  return 0;
}

/* CVE-2025-52565: /dev/console is bound from the pty slave fd we hold,
 * checked to be a devpts pty, onto a target opened without following
 * links: a /dev/console (or /dev/pts/N) the container swapped for a
 * symlink redirects nothing. */
int hutch_rootfs_bind_console(int slave, struct hutch_error **err) {
  int r = hutch_pty_check_slave(slave);
  if (r < 0)
    return hutch_error_set(err, r,
                           "the terminal is not a devpts pty, refusing to bind it on /dev/console");
  _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return hutch_error_set(err, errno, "open /");
  _cleanup_close_ int dev = hutch_mkdir_in_root(root, "/dev", 0755);
  if (dev < 0)
    return hutch_error_set(err, dev, "open /dev in the container");
  /* O_EXCL: an existing name, symlink or not, is left as it is. */
  int fd = openat(dev, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno != EEXIST)
    return hutch_error_set(err, errno, "create /dev/console");
  if (fd >= 0)
    close(fd);
  _cleanup_close_ int target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0)
    return hutch_error_set(err, errno, "open /dev/console");
  struct stat st;
  if (fstat(target, &st) < 0)
    return hutch_error_set(err, errno, "stat /dev/console");
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
    return hutch_error_set(err, EPERM,
                           "/dev/console in the container is not a file or a device (mode 0%o), "
                           "refusing to bind the terminal on it",
                           (unsigned)st.st_mode);
  hutch_debug("bind the terminal on /dev/console: open_tree pty fd, move_mount onto its fd");
  if ((r = bind_fd(slave, target)) < 0)
    return hutch_error_set(err, r, "bind the terminal on /dev/console");
  return 0;
}
