/* tmpcopyup (runc/crun's mount option): a tmpfs mounted over a directory
 * of the rootfs starts with a copy of what it covers. mounts.c keeps an fd
 * of the covered directory from before the mount, and this file copies
 * through fds and *at() calls only, so nothing is resolved by path and no
 * symlink is followed (a symlink in the image cannot pull host files in).
 *
 * Owners, xattrs and device nodes are best effort: inside a user namespace
 * ids outside the mapping, security.* xattrs and mknod are refused, and the
 * copy goes on without them (the file itself is still copied). */
#include "copyup.h"

#include "util/cleanup.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* sendfile copies between any two filesystems in the kernel (a tmpfs and
 * the rootfs are never the same one, so copy_file_range would not help). */
static int copy_data(int in, int out) {
  for (;;) {
    ssize_t n = sendfile(out, in, NULL, 1 << 30);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -errno;
    if (n == 0)
      return 0;
  }
}

static void copy_xattrs(int in, int out, const char *name) {
  char list[4096], val[4096];
  ssize_t n = flistxattr(in, list, sizeof(list));
  if (n <= 0)
    return;
  for (char *k = list; k < list + n; k += strlen(k) + 1) {
    ssize_t v = fgetxattr(in, k, val, sizeof(val));
    if (v < 0 || fsetxattr(out, k, val, (size_t)v, 0) < 0)
      hutch_debug("tmpcopyup: xattr %s of %s: %s, ignoring", k, name, strerror(errno));
  }
}

/* Owner first: chown clears setuid/setgid, which the mode then restores. */
static void copy_owner_mode(int fd, const struct stat *st, const char *name) {
  if (fchown(fd, st->st_uid, st->st_gid) < 0)
    hutch_debug("tmpcopyup: chown %s to %u:%u: %s, ignoring", name, (unsigned)st->st_uid,
                (unsigned)st->st_gid, strerror(errno));
  if (fchmod(fd, st->st_mode & 07777) < 0)
    hutch_debug("tmpcopyup: chmod %s: %s, ignoring", name, strerror(errno));
}

static void copy_times(int dirfd, const char *name, const struct stat *st, int flags) {
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  if (utimensat(dirfd, name, ts, flags) < 0)
    hutch_debug("tmpcopyup: times of %s: %s, ignoring", name, strerror(errno));
}

/* Owner, mode, xattrs and times of an opened copy (times last: the other
 * changes would bump them). */
static void copy_metadata(int in, int out, const struct stat *st, const char *name) {
  copy_owner_mode(out, st, name);
  copy_xattrs(in, out, name);
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  if (futimens(out, ts) < 0)
    hutch_debug("tmpcopyup: times of %s: %s, ignoring", name, strerror(errno));
}

static int copy_entry(int src, int dst, const char *name, const struct stat *st) {
  if (S_ISDIR(st->st_mode) || S_ISREG(st->st_mode)) {
    bool dir = S_ISDIR(st->st_mode);
    if (dir && mkdirat(dst, name, 0700) < 0)
      return -errno;
    _cleanup_close_ int s =
        openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
    if (s < 0)
      return -errno;
    _cleanup_close_ int d =
        dir ? openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            : openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (d < 0)
      return -errno;
    int r = dir ? hutch_copy_dir_contents(s, d) : copy_data(s, d);
    if (r < 0)
      return r;
    copy_metadata(s, d, st, name);
    return 0;
  }
  if (S_ISLNK(st->st_mode)) {
    char target[4096];
    ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
    if (n < 0)
      return -errno;
    target[n] = '\0';
    if (symlinkat(target, dst, name) < 0)
      return -errno;
    if (fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
      hutch_debug("tmpcopyup: chown %s: %s, ignoring", name, strerror(errno));
    copy_times(dst, name, st, AT_SYMLINK_NOFOLLOW);
    return 0;
  }
  /* fifos, sockets, device nodes */
  if (mknodat(dst, name, st->st_mode, st->st_rdev) < 0) {
    if (errno == EPERM) {
      hutch_debug("tmpcopyup: mknod %s: %s, ignoring", name, strerror(errno));
      return 0;
    }
    return -errno;
  }
  if (fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    hutch_debug("tmpcopyup: chown %s: %s, ignoring", name, strerror(errno));
  if (fchmodat(dst, name, st->st_mode & 07777, 0) < 0)
    hutch_debug("tmpcopyup: chmod %s: %s, ignoring", name, strerror(errno));
  copy_times(dst, name, st, AT_SYMLINK_NOFOLLOW);
  return 0;
}

int hutch_copy_dir_contents(int srcfd, int dstfd) {
  int dfd = openat(srcfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return -errno;
  _cleanup_closedir_ DIR *dir = fdopendir(dfd);
  if (dir == NULL) {
    int e = errno;
    close(dfd);
    return -e;
  }
  struct dirent *de;
  for (;;) {
    errno = 0;
    de = readdir(dir);
    if (de == NULL) {
      if (errno != 0)
        return -errno;
      return 0;
    }
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    struct stat st;
    if (fstatat(srcfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      return -errno;
    int r = copy_entry(srcfd, dstfd, de->d_name, &st);
    if (r < 0)
      return r;
  }
}

int hutch_copy_dir_attrs(int srcfd, int dstfd) {
  struct stat st;
  if (fstat(srcfd, &st) < 0)
    return -errno;
  copy_owner_mode(dstfd, &st, ".");
  return 0;
}
