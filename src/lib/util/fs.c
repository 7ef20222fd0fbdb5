/* Filesystem helpers; see fs.h. */
#include "fs.h"

#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <fts.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

static int write_replace(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                         bool sync) {
  char tmp[4096];
  int n = snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", name, (int)getpid());
  if (n < 0 || (size_t)n >= sizeof(tmp))
    return -ENAMETOOLONG;
  _cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return -errno;
  int r = write_all(fd, data, len);
  if (r == 0 && sync && fsync(fd) < 0)
    r = -errno;
  if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
    r = -errno;
  if (r < 0)
    unlinkat(dirfd, tmp, 0);
  return r;
}

int hutch_write_file_atomic(int dirfd, const char *name, const void *data, size_t len,
                            mode_t mode) {
  return write_replace(dirfd, name, data, len, mode, true);
}

int hutch_write_file_replace(int dirfd, const char *name, const void *data, size_t len,
                             mode_t mode) {
  return write_replace(dirfd, name, data, len, mode, false);
}

int hutch_write_file_at(int dirfd, const char *name, const void *data, size_t len) {
  _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC | O_CREAT, 0644);
  if (fd < 0)
    return -errno;
  /* Kernel knobs want one write() carrying the whole value. */
  ssize_t w = write(fd, data, len);
  if (w < 0)
    return -errno;
  if ((size_t)w != len)
    return -EIO;
  return 0;
}

int hutch_write_file(const char *path, const void *data, size_t len) {
  return hutch_write_file_at(AT_FDCWD, path, data, len);
}

int hutch_read_fd(int fd, char **out, size_t *len) {
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap + 1);
  if (buf == NULL)
    return -ENOMEM;
  for (;;) {
    if (n == cap) {
      char *nb = realloc(buf, cap * 2 + 1);
      if (nb == NULL) {
        free(buf);
        return -ENOMEM;
      }
      buf = nb;
      cap *= 2;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      int e = -errno;
      free(buf);
      return e;
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  buf[n] = '\0';
  *out = buf;
  if (len)
    *len = n;
  return 0;
}

/* Opened as O_PATH first and checked before any real open: opening a FIFO
 * blocks until a writer comes and opening a device can have effects, so
 * only a regular file is ever opened for reading (through its O_PATH fd,
 * the same inode). The read stops at `max` bytes, so a huge file costs
 * nothing. */
int hutch_read_regular_in_root(int rootfd, const char *path, size_t max, char **out, size_t *len) {
  _cleanup_close_ int pfd = hutch_open_in_root(rootfd, path, O_PATH, 0);
  if (pfd < 0)
    return pfd;
  struct stat st;
  if (fstat(pfd, &st) < 0)
    return -errno;
  if (!S_ISREG(st.st_mode))
    return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
  if ((uintmax_t)st.st_size > max)
    return -EFBIG;
  char p[32];
  _cleanup_close_ int fd =
      open(hutch_fd_path(pfd, p), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  _cleanup_free_ char *buf = malloc(max + 1);
  if (buf == NULL)
    return -ENOMEM;
  size_t n = 0;
  /* one byte past the bound tells a file that grew since fstat */
  while (n <= max) {
    ssize_t r = read(fd, buf + n, max + 1 - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -errno;
    if (r == 0)
      break;
    n += (size_t)r;
  }
  if (n > max)
    return -EFBIG;
  buf[n] = '\0';
  *out = TAKE_PTR(buf);
  if (len)
    *len = n;
  return 0;
}

int hutch_read_file_at(int dirfd, const char *name, char **out, size_t *len) {
  _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  return hutch_read_fd(fd, out, len);
}

unsigned long long hutch_read_file_key(const char *path, const char *key, int base) {
  _cleanup_free_ char *text = NULL;
  size_t len;
  if (hutch_read_file(path, &text, &len) < 0)
    return 0;
  const char *p = strstr(text, key);
  return p ? strtoull(p + strlen(key), NULL, base) : 0;
}

int hutch_read_file(const char *path, char **out, size_t *len) {
  return hutch_read_file_at(AT_FDCWD, path, out, len);
}

int hutch_mkdir_p(const char *path, mode_t mode) {
  _cleanup_free_ char *p = strdup(path);
  if (p == NULL)
    return -ENOMEM;
  for (char *s = p + 1; *s; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    if (mkdir(p, mode) < 0 && errno != EEXIST)
      return -errno;
    *s = '/';
  }
  if (mkdir(p, mode) < 0 && errno != EEXIST)
    return -errno;
  return 0;
}

int hutch_rm_rf_at(int dfd, const char *name) {
  if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return -errno;
  int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : -errno;
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    int e = -errno;
    close(fd);
    return e;
  }
  int ret = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    int r = hutch_rm_rf_at(dirfd(d), de->d_name);
    if (r < 0 && ret == 0)
      ret = r;
  }
  closedir(d);
  if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && ret == 0)
    ret = -errno;
  return ret;
}

int hutch_rm_rf(const char *path) {
  return hutch_rm_rf_at(AT_FDCWD, path);
}

/* The fallback for kernels or sandboxes without openat2 (ENOSYS, or EPERM
 * from a seccomp filter), in the manner of systemd's chase(): one
 * component at a time with O_NOFOLLOW; a symlink is read and its target
 * put in front of what is left, restarting at the root when it is
 * absolute; ".." pops the directories walked so far and never goes above
 * the root. Every directory is held as an fd, so renaming a directory the
 * walk has passed cannot make ".." leave the root. */
#define WALK_MAX_LINKS 40 /* the kernel's MAXSYMLINKS: the same ELOOP point */

struct walk {
  int rootfd;
  int *dirs; /* below the root; the last is the current directory */
  size_t n, cap;
  char *todo; /* what is left to resolve, from pos */
  size_t pos;
  unsigned links;
};

static void walk_done(struct walk *w) {
  while (w->n > 0)
    close(w->dirs[--w->n]);
  free(w->dirs);
  free(w->todo);
}

static int walk_cur(const struct walk *w) {
  return w->n > 0 ? w->dirs[w->n - 1] : w->rootfd;
}

static int walk_push(struct walk *w, int fd) {
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 16;
    int *d = realloc(w->dirs, cap * sizeof(*d));
    if (d == NULL) {
      close(fd);
      return -ENOMEM;
    }
    w->dirs = d;
    w->cap = cap;
  }
  w->dirs[w->n++] = fd;
  return 0;
}

/* Replace the symlink just reached (name in dirfd, or "" for an O_PATH fd
 * of the link itself) by its target, followed by `rest`. */
static int walk_follow(struct walk *w, int dirfd, const char *name, const char *rest) {
  if (++w->links > WALK_MAX_LINKS)
    return -ELOOP;
  char target[PATH_MAX];
  ssize_t n = readlinkat(dirfd, name, target, sizeof(target));
  if (n < 0)
    return -errno;
  if ((size_t)n >= sizeof(target))
    return -ENAMETOOLONG;
  target[n] = '\0';
  char *todo = NULL;
  if (asprintf(&todo, "%s/%s", target, rest) < 0)
    return -ENOMEM;
  free(w->todo);
  w->todo = todo;
  w->pos = 0;
  if (target[0] == '/')
    while (w->n > 0)
      close(w->dirs[--w->n]);
  return 0;
}

/* An intermediate component: it must be a directory (or a link to one). */
static int walk_dir(struct walk *w, const char *comp, const char *rest) {
  int fd = openat(walk_cur(w), comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int e = -errno;
    close(fd);
    return e;
  }
  if (S_ISLNK(st.st_mode)) {
    int r = walk_follow(w, fd, "", rest);
    close(fd);
    return r;
  }
  if (!S_ISDIR(st.st_mode)) {
    close(fd);
    return -ENOTDIR;
  }
  return walk_push(w, fd);
}

/* The last component, opened with the caller's flags: 1 with *out set,
 * 0 when it was a symlink to follow (w->todo replaced), or -errno. A
 * trailing symlink is not followed where the kernel would not either:
 * O_NOFOLLOW, or O_CREAT|O_EXCL. */
static int walk_last(struct walk *w, const char *comp, int flags, mode_t mode, int *out) {
  bool nofollow = (flags & O_NOFOLLOW) || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
  int fd = openat(walk_cur(w), comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
  struct stat st;
  if (fd >= 0) {
    /* Only O_PATH|O_NOFOLLOW opens a symlink itself instead of failing. */
    if (!(flags & O_PATH) || nofollow || fstat(fd, &st) < 0 || !S_ISLNK(st.st_mode)) {
      *out = fd;
      return 1;
    }
    int r = walk_follow(w, fd, "", "");
    close(fd);
    return r;
  }
  int e = errno;
  if (nofollow || (e != ELOOP && e != ENOTDIR) ||
      fstatat(walk_cur(w), comp, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
    return -e;
  return walk_follow(w, walk_cur(w), comp, "");
}

/* One component: 0 to go on, 1 when done with *out set, or -errno. */
static int walk_step(struct walk *w, int flags, mode_t mode, int *out) {
  const char *p = w->todo + w->pos;
  p += strspn(p, "/");
  size_t len = strcspn(p, "/");
  if (len == 0) { /* nothing left: the directory reached itself */
    *out = openat(walk_cur(w), ".", flags | O_CLOEXEC, mode);
    return *out < 0 ? -errno : 1;
  }
  char comp[NAME_MAX + 1];
  if (len > NAME_MAX)
    return -ENAMETOOLONG;
  memcpy(comp, p, len);
  comp[len] = '\0';
  const char *rest = p + len + strspn(p + len, "/");
  w->pos = (size_t)(rest - w->todo);
  if (strcmp(comp, ".") == 0)
    return 0;
  if (strcmp(comp, "..") == 0) {
    if (w->n > 0)
      close(w->dirs[--w->n]);
    return 0;
  }
  if (*rest != '\0')
    return walk_dir(w, comp, rest);
  return walk_last(w, comp, flags, mode, out);
}

int hutch_open_in_root_walk(int rootfd, const char *path, int flags, mode_t mode) {
  __attribute__((cleanup(walk_done))) struct walk w = {.rootfd = rootfd, .todo = strdup(path)};
  if (w.todo == NULL)
    return -ENOMEM;
  int fd = -EBADF, r;
  while ((r = walk_step(&w, flags, mode, &fd)) == 0)
    ;
  return r < 0 ? r : fd;
}

/* openat2 fails with EAGAIN when a rename anywhere on the system might
 * have raced with a ".." in the lookup; a few tries are enough in
 * practice, and a bound keeps a hostile renamer from spinning us. */
#define OPENAT2_EAGAIN_TRIES 32

int hutch_open_in_root(int rootfd, const char *path, int flags, mode_t mode) {
  /* ENOSYS or a seccomp EPERM does not change during a process's life */
  static bool no_openat2;
  struct open_how how = {
      .flags = (unsigned long long)(flags | O_CLOEXEC),
      .mode = (flags & O_CREAT) ? mode : 0,
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  const char *p = path;
  while (*p == '/')
    p++;
  if (*p == '\0')
    p = ".";
  for (int i = 0; !no_openat2 && i < OPENAT2_EAGAIN_TRIES; i++) {
    int fd = (int)syscall(SYS_openat2, rootfd, p, &how, sizeof(how));
    if (fd >= 0)
      return fd;
    if (errno == ENOSYS || errno == EPERM)
      no_openat2 = true;
    else if (errno != EAGAIN)
      return -errno;
  }
  if (!no_openat2)
    return -EAGAIN;
  return hutch_open_in_root_walk(rootfd, p, flags, mode);
}

/* mkdir -p where each prefix is resolved inside the root. A dangling
 * symlink on the way is not created through blindly: its target is
 * rewritten relative to the root and the walk restarts on that path, so
 * "escape -> /etc" makes <root>/etc, never the host's. */
static int mkdir_in_root_depth(int rootfd, const char *path, mode_t mode, int depth) {
  if (depth > 40)
    return -ELOOP;
  _cleanup_free_ char *copy = strdup(path);
  if (copy == NULL)
    return -ENOMEM;
  size_t len = strlen(copy);
  int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cur < 0)
    return -errno;
  size_t i = 0;
  while (i < len) {
    while (i < len && copy[i] == '/')
      i++;
    if (i >= len)
      break;
    size_t j = i;
    while (j < len && copy[j] != '/')
      j++;
    bool more = j < len;
    copy[j] = '\0';
    int fd = hutch_open_in_root(rootfd, copy, O_PATH | O_DIRECTORY, 0);
    if (fd == -ENOENT) {
      const char *name = copy + i;
      char target[4096];
      ssize_t n = readlinkat(cur, name, target, sizeof(target) - 1);
      if (n >= 0) {
        target[n] = '\0';
        _cleanup_free_ char *next = NULL;
        const char *rest = more ? copy + j + 1 : "";
        int r;
        if (target[0] == '/')
          r = asprintf(&next, "%s/%s", target, rest);
        else {
          copy[i] = '\0';
          r = asprintf(&next, "%s/%s/%s", copy, target, rest);
        }
        close(cur);
        if (r < 0)
          return -ENOMEM;
        return mkdir_in_root_depth(rootfd, next, mode, depth + 1);
      }
      if (mkdirat(cur, name, mode) < 0 && errno != EEXIST) {
        int e = -errno;
        close(cur);
        return e;
      }
      fd = hutch_open_in_root(rootfd, copy, O_PATH | O_DIRECTORY, 0);
    }
    if (fd < 0) {
      close(cur);
      return fd;
    }
    close(cur);
    cur = fd;
    if (more)
      copy[j] = '/';
    i = j + 1;
  }
  return cur;
}

int hutch_mkdir_in_root(int rootfd, const char *path, mode_t mode) {
  return mkdir_in_root_depth(rootfd, path, mode, 0);
}

int hutch_mkmount_target_in_root(int rootfd, const char *path, bool is_dir) {
  if (is_dir)
    return hutch_mkdir_in_root(rootfd, path, 0755);
  int fd = hutch_open_in_root(rootfd, path, O_PATH, 0);
  if (fd >= 0 || fd != -ENOENT)
    return fd;
  _cleanup_free_ char *parent = strdup(path);
  if (parent == NULL)
    return -ENOMEM;
  char *slash = strrchr(parent, '/');
  const char *base = path;
  if (slash) {
    *slash = '\0';
    base = path + (slash - parent) + 1;
  } else {
    parent[0] = '\0';
  }
  _cleanup_close_ int pfd = hutch_mkdir_in_root(rootfd, parent[0] ? parent : "/", 0755);
  if (pfd < 0)
    return pfd;
  int nfd = openat(pfd, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (nfd < 0 && errno != EEXIST)
    return -errno;
  if (nfd >= 0)
    close(nfd);
  return hutch_open_in_root(rootfd, path, O_PATH, 0);
}

const char *hutch_fd_path(int fd, char buf[static 32]) {
  snprintf(buf, 32, "/proc/self/fd/%d", fd);
  return buf;
}

bool hutch_path_exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

int hutch_disk_usage(const char *path, int64_t *bytes) {
  *bytes = 0;
  if (!hutch_path_exists(path))
    return 0;
  char *paths[] = {(char *)path, NULL};
  FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, NULL);
  if (!fts)
    return -errno;
  ino_t *seen = NULL; /* hard-linked inodes already counted (few: linear) */
  size_t nseen = 0;
  FTSENT *ent;
  while ((ent = fts_read(fts)) != NULL) {
    if (ent->fts_info != FTS_F && ent->fts_info != FTS_SL)
      continue;
    const struct stat *st = ent->fts_statp;
    if (st->st_nlink > 1) {
      bool dup = false;
      for (size_t i = 0; i < nseen && !dup; i++)
        dup = seen[i] == st->st_ino;
      if (dup)
        continue;
      ino_t *s = realloc(seen, (nseen + 1) * sizeof(*s));
      if (s) {
        seen = s;
        seen[nseen++] = st->st_ino;
      }
    }
    *bytes += st->st_size;
  }
  free(seen);
  fts_close(fts);
  return 0;
}

bool hutch_in_initial_userns(void) {
  static int cached = -1;
  if (cached >= 0)
    return cached;
  _cleanup_free_ char *map = NULL;
  size_t len = 0;
  unsigned long a = 0, b = 0, n = 0;
  cached = hutch_read_file("/proc/self/uid_map", &map, &len) == 0 &&
           sscanf(map, "%lu %lu %lu", &a, &b, &n) == 3 && a == 0 && b == 0 && n == 4294967295UL;
  return cached;
}
