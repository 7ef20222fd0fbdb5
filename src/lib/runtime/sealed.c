/* Running from a sealed copy of the binary; see sealed.h for why. */
#include "sealed.h"

#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

/* Set across our own re-exec to the binary's installed path; read and
 * removed by hutch_sealed_ensure so that nothing started later sees it. */
#define SEALED_ENV "_HUTCH_SEALED_FROM"

static char *self_path;
static int sealed_state = -1; /* -1 unknown, 0 no, 1 yes */

bool hutch_sealed_fd(int fd) {
  int seals = fcntl(fd, F_GET_SEALS);
  if (seals >= 0 && (seals & F_SEAL_WRITE))
    return true;
  struct statvfs sv;
  return fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

static bool exe_is_sealed(void) {
  _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  return fd >= 0 && hutch_sealed_fd(fd);
}

bool hutch_sealed_running(void) {
  if (sealed_state < 0)
    sealed_state = (self_path || getenv(SEALED_ENV)) && exe_is_sealed();
  return sealed_state == 1;
}

const char *hutch_self_exe(void) {
  static char buf[4096];
  if (self_path)
    return self_path;
  const char *v = getenv(SEALED_ENV);
  if (v && *v)
    return v;
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  buf[n > 0 ? n : 0] = '\0';
  return buf;
}

/* A detached bind mount of path, read-only: once the exec closes this fd
 * the mount is in no namespace, so nobody can remount it writable. */
static int readonly_clone(const char *path) {
  int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (fd < 0)
    return -errno;
  struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) {
    int e = -errno;
    close(fd);
    return e;
  }
  return fd;
}

/* A memfd copy of path, sealed against every change. */
static int sealed_copy(const char *path, struct hutch_error **err) {
  _cleanup_close_ int src = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (src < 0 || fstat(src, &st) < 0)
    return hutch_error_set(err, errno, "open %s", path);
  _cleanup_free_ char *copy = strdup(path);
  _cleanup_close_ int mfd =
      memfd_create(copy ? basename(copy) : "hutch", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return hutch_error_set(err, errno, "memfd_create");
  for (off_t left = st.st_size; left > 0;) {
    ssize_t n = sendfile(mfd, src, NULL, (size_t)left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return hutch_error_set(err, n < 0 ? errno : EIO, "copy %s into a memfd", path);
    left -= n;
  }
  if (fchmod(mfd, 0555) < 0 ||
      fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    return hutch_error_set(err, errno, "seal the copy of %s", path);
  return TAKE_FD(mfd);
}

int hutch_sealed_open(const char *path, int *mount_err, struct hutch_error **err) {
  int fd = readonly_clone(path);
  *mount_err = fd < 0 ? fd : 0;
  return fd >= 0 ? fd : sealed_copy(path, err);
}

int hutch_sealed_exec(const char *path, char *const *argv, struct hutch_error **err) {
  char exe[4096];
  if (!path) {
    snprintf(exe, sizeof(exe), "%s", hutch_self_exe());
    path = exe;
  }
  int mount_err;
  _cleanup_close_ int fd = hutch_sealed_open(path, &mount_err, err);
  if (fd < 0)
    return -1;
  if (mount_err == 0)
    hutch_debug("exec %s from a detached read-only mount", path);
  else
    hutch_debug("open_tree %s: %s; exec from a sealed memfd copy", path, strerror(-mount_err));
  syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
  return hutch_error_set(err, errno, "exec %s from its sealed copy", path);
}

int hutch_sealed_ensure(char *const *argv, struct hutch_error **err) {
  const char *from = getenv(SEALED_ENV);
  if (from) {
    free(self_path);
    self_path = strdup(from);
    unsetenv(SEALED_ENV);
    sealed_state = exe_is_sealed();
    if (sealed_state == 1)
      return 0;
    /* The copy should be sealed; never loop re-executing. */
    return hutch_error_set(err, EPERM,
                           "re-executed from a sealed copy, but /proc/self/exe is writable");
  }
  if (hutch_sealed_running())
    return 0;
  char exe[4096];
  snprintf(exe, sizeof(exe), "%s", hutch_self_exe());
  if (setenv(SEALED_ENV, exe, 1) < 0)
    return hutch_error_set(err, errno, "setenv");
  hutch_sealed_exec(exe, argv, err);
  unsetenv(SEALED_ENV);
  return -1;
}
