/* A private procfs for the runtime's writes to /proc (CVE-2025-52881).
 *
 * The container's /proc is a mount point the container (a spec mount, a
 * rootfs shared with another container, a racing process) can cover with
 * a bind or a tmpfs, and /proc/self is a symlink: a write by path to
 * /proc/sys/..., /proc/self/attr/exec or oom_score_adj may land in any
 * file, including a host sysctl bound there. So writes go through a
 * procfs root fd only we hold: a fresh detached instance where we can make
 * one (nothing can be mounted over a mount no path reaches), else a clone
 * of /proc without its submounts, else /proc itself. Below it every open
 * refuses symlinks, magic links, ".." and mount crossings, and the opened
 * file is checked to be on procfs again. */
#include "procfs.h"

#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROC_ROOT_INO 1

static int procfs_root_fd = -EBADF;

int hutch_procfs_check_fd(int fd) {
  struct statfs sfs;
  if (fstatfs(fd, &sfs) < 0)
    return -errno;
  return sfs.f_type == PROC_SUPER_MAGIC ? 0 : -EXDEV;
}

/* A candidate root must be the root of a procfs, not a directory inside
 * one (a bind of /proc/sys on /proc would pass the fstatfs check). */
static int check_root(int fd) {
  struct stat st;
  int r = hutch_procfs_check_fd(fd);
  if (r < 0)
    return r;
  if (fstat(fd, &st) < 0)
    return -errno;
  return S_ISDIR(st.st_mode) && st.st_ino == PROC_ROOT_INO ? 0 : -EXDEV;
}

static int procfs_fresh(void) {
  _cleanup_close_ int fs = fsopen("proc", FSOPEN_CLOEXEC);
  if (fs < 0)
    return -errno;
  if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -errno;
  int m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  return m < 0 ? -errno : m;
}

static int procfs_candidate(int which) {
  int fd;
  switch (which) {
  case 0:
    return procfs_fresh();
  case 1:
    /* Without AT_RECURSIVE: the clone has none of /proc's submounts. */
    fd = open_tree(AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    return fd < 0 ? -errno : fd;
  default:
    fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
  }
}

static int procfs_make(void) {
  int last = -ENOENT;
  for (int which = 0; which < 3; which++) {
    _cleanup_close_ int fd = procfs_candidate(which);
    if (fd < 0) {
      last = fd;
      continue;
    }
    last = check_root(fd);
    if (last == 0)
      return TAKE_FD(fd);
  }
  return last;
}

int hutch_procfs_root(void) {
  int fd = __atomic_load_n(&procfs_root_fd, __ATOMIC_ACQUIRE);
  if (fd >= 0)
    return fd;
  fd = procfs_make();
  if (fd < 0)
    return fd;
  /* Threads racing here keep the first handle and drop their own. */
  int expected = -EBADF;
  if (!__atomic_compare_exchange_n(&procfs_root_fd, &expected, fd, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    close(fd);
    return expected;
  }
  return fd;
}

/* "self/x" and "thread-self/x" name symlinks; read them in our procfs
 * (which names us as its pid namespace sees us) instead of following. */
static int expand_self(int root, const char *rel, char *out, size_t size) {
  const char *links[] = {"thread-self", "self"};
  for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
    size_t n = strlen(links[i]);
    if (strncmp(rel, links[i], n) != 0 || (rel[n] != '/' && rel[n] != '\0'))
      continue;
    char target[64];
    ssize_t len = readlinkat(root, links[i], target, sizeof(target) - 1);
    if (len < 0)
      return -errno;
    target[len] = '\0';
    int w = snprintf(out, size, "%s%s", target, rel + n);
    return w < 0 || (size_t)w >= size ? -ENAMETOOLONG : 0;
  }
  int w = snprintf(out, size, "%s", rel);
  return w < 0 || (size_t)w >= size ? -ENAMETOOLONG : 0;
}

static int mount_id(int fd, unsigned long long *id) {
  struct statx stx;
  if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
    return -errno;
  *id = (stx.stx_mask & STATX_MNT_ID)
            ? stx.stx_mnt_id
            : ((unsigned long long)stx.stx_dev_major << 32 | stx.stx_dev_minor);
  return 0;
}

/* Where openat2 is missing or filtered: one component at a time, none
 * followed, each required to stay on the root's mount. */
static int open_walk(int root, char *path, int flags) {
  unsigned long long root_mnt, mnt;
  int r = mount_id(root, &root_mnt);
  if (r < 0)
    return r;
  _cleanup_close_ int cur = openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cur < 0)
    return -errno;
  char *save = NULL;
  for (char *c = strtok_r(path, "/", &save); c;) {
    char *next = strtok_r(NULL, "/", &save);
    if (strcmp(c, "..") == 0)
      return -EXDEV;
    int fl = next ? O_PATH | O_DIRECTORY : flags;
    int fd = openat(cur, c, fl | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      return -errno;
    close(cur);
    cur = fd;
    if ((r = mount_id(cur, &mnt)) < 0)
      return r;
    if (mnt != root_mnt)
      return -EXDEV;
    c = next;
  }
  return TAKE_FD(cur);
}

static int open_beneath(int root, char *path, int flags) {
  struct open_how how = {
      .flags = (unsigned long long)(flags | O_NOFOLLOW | O_CLOEXEC),
      .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
  };
  int fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
  if (fd >= 0)
    return fd;
  if (errno != ENOSYS && errno != EPERM)
    return -errno;
  return open_walk(root, path, flags);
}

int hutch_procfs_open_at(int root, const char *rel, int flags) {
  char path[256];
  if (rel[0] == '/' || rel[0] == '\0')
    return -EINVAL;
  int r = check_root(root);
  if (r < 0)
    return r;
  if ((r = expand_self(root, rel, path, sizeof(path))) < 0)
    return r;
  _cleanup_close_ int fd = open_beneath(root, path, flags);
  if (fd < 0)
    return fd;
  /* What we opened, not what we asked for, has to be procfs. */
  if ((r = hutch_procfs_check_fd(fd)) < 0)
    return r;
  return TAKE_FD(fd);
}

int hutch_procfs_open(const char *rel, int flags) {
  int root = hutch_procfs_root();
  if (root < 0)
    return root;
  return hutch_procfs_open_at(root, rel, flags);
}

int hutch_procfs_reopen(int fd, int flags) {
  _cleanup_close_ int dir = hutch_procfs_open("self/fd", O_PATH | O_DIRECTORY);
  if (dir < 0)
    return dir;
  char name[16];
  snprintf(name, sizeof(name), "%d", fd);
  int r = openat(dir, name, flags | O_CLOEXEC);
  return r < 0 ? -errno : r;
}

int hutch_procfs_write(const char *rel, const void *data, size_t len) {
  _cleanup_close_ int fd = hutch_procfs_open(rel, O_WRONLY | O_NOCTTY);
  if (fd < 0)
    return fd;
  /* Every knob we write is a regular file: a directory, a device or a
   * fifo here means something is not what it should be. */
  struct stat st;
  if (fstat(fd, &st) < 0)
    return -errno;
  if (!S_ISREG(st.st_mode))
    return -EXDEV;
  /* Kernel knobs want one write() carrying the whole value. */
  ssize_t w = write(fd, data, len);
  if (w < 0)
    return -errno;
  return (size_t)w == len ? 0 : -EIO;
}
