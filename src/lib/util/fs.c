/* Filesystem helpers; see fs.h. */
#include "fs.h"

#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
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

int hutch_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode) {
  return write_replace(dirfd, name, data, len, mode, true);
}

int hutch_write_file_replace(int dirfd, const char *name, const void *data, size_t len, mode_t mode) {
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

int hutch_read_file_at(int dirfd, const char *name, char **out, size_t *len) {
  _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  return hutch_read_fd(fd, out, len);
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

int hutch_rm_rf(const char *path) { return hutch_rm_rf_at(AT_FDCWD, path); }

/* Component walk for kernels without openat2: each component is opened with
 * O_NOFOLLOW; a symlink is read and restarted from rootfd (absolute) or the
 * current dir (relative); ".." never climbs above rootfd. */
static int open_in_root_fallback(int rootfd, const char *path, int flags, mode_t mode, int depth) {
  if (depth > 40)
    return -ELOOP;
  _cleanup_free_ char *copy = strdup(path);
  if (copy == NULL)
    return -ENOMEM;
  int cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cur < 0)
    return -errno;
  /* stack of dir fds to implement ".." without leaving root */
  int stack[256];
  int sp = 0;
  char *save = NULL;
  char *comp = strtok_r(copy, "/", &save);
  int ret = -ENOENT;
  while (comp) {
    char *next = strtok_r(NULL, "/", &save);
    if (strcmp(comp, ".") == 0) {
      comp = next;
      continue;
    }
    if (strcmp(comp, "..") == 0) {
      if (sp > 0) {
        close(cur);
        cur = stack[--sp];
      }
      comp = next;
      continue;
    }
    bool last = next == NULL;
    int fd;
    if (last)
      fd = openat(cur, comp, (flags | O_NOFOLLOW | O_CLOEXEC) & ~O_CREAT, mode);
    else
      fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && last && errno == ENOENT && (flags & O_CREAT))
      fd = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && (errno == ELOOP || errno == ENOTDIR || errno == EMLINK)) {
      char target[4096];
      ssize_t n = readlinkat(cur, comp, target, sizeof(target) - 1);
      if (n >= 0) {
        target[n] = '\0';
        char rest[8192];
        snprintf(rest, sizeof(rest), "%s%s%s", target, next ? "/" : "", next ? next : "");
        /* restart relative to root for absolute targets, or cur */
        int base = target[0] == '/' ? rootfd : cur;
        if (target[0] != '/') {
          /* relative: resolve from cur but keep the root bound by
           * rebuilding the path from the stack is complex; resolve the
           * remaining path with cur as a temporary root only if sp==0. */
          if (sp > 0) {
            ret = -EXDEV;
            goto out;
          }
        }
        ret = open_in_root_fallback(base, rest, flags, mode, depth + 1);
        goto out;
      }
    }
    if (fd < 0) {
      ret = -errno;
      goto out;
    }
    if (last) {
      ret = fd;
      goto out;
    }
    if (sp == (int)ARRAY_SIZE(stack)) {
      close(fd);
      ret = -ENAMETOOLONG;
      goto out;
    }
    stack[sp++] = cur;
    cur = fd;
    comp = next;
  }
  /* path was "/" or only dots */
  ret = openat(cur, ".", flags & ~O_CREAT, mode);
  if (ret < 0)
    ret = -errno;
out:
  close(cur);
  while (sp > 0)
    close(stack[--sp]);
  return ret;
}

int hutch_open_in_root(int rootfd, const char *path, int flags, mode_t mode) {
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
  int fd = (int)syscall(SYS_openat2, rootfd, p, &how, sizeof(how));
  if (fd >= 0)
    return fd;
  if (errno != ENOSYS && errno != EPERM)
    return -errno;
  return open_in_root_fallback(rootfd, p, flags, mode, 0);
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
