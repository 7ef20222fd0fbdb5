/* Files in and out of a container's rootfs: docker cp (both directions,
 * and tar streams for "-"), export (a tar of the merged rootfs), diff
 * (the overlay upper dir read as A/C/D changes) and the copy of an
 * image's content into a new empty volume.
 *
 * Every path inside a container is resolved with hutch_open_in_root(), so
 * ".." and absolute symlinks stay in the rootfs: a container's
 * "/evil -> /etc" reaches the container's /etc, never the host's. The
 * trees are walked and written with libarchive: read_disk below an fd
 * (through its /proc/self/fd path, following only that top link) and
 * write_disk relative to a directory fd with the SECURE_* flags, which
 * refuse to write through a symlink found on the way. */
#include "engine.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static void archive_freep(struct archive **a) {
  if (*a)
    archive_free(*a);
}
#define _cleanup_archive_ _cleanup_(archive_freep)
static void entry_freep(struct archive_entry **e) {
  if (*e)
    archive_entry_free(*e);
}
#define _cleanup_entry_ _cleanup_(entry_freep)

static int arch_err(struct hutch_error **err, struct archive *a, const char *what) {
  int e = archive_errno(a);
  return hutch_error_set(err, e > 0 ? e : EIO, "%s: %s", what,
                         archive_error_string(a) ? archive_error_string(a) : "archive error");
}

/* Entry names: the part of the walked path below `strip`, put under
 * `prefix` ("" skips the top entry itself: copy a directory's content). */
static char *rename_entry(const char *path, const char *strip, const char *prefix) {
  size_t sl = strlen(strip);
  const char *rest = strncmp(path, strip, sl) == 0 ? path + sl : path;
  while (*rest == '/')
    rest++;
  char *out = NULL;
  if (*prefix == '\0')
    return *rest ? strdup(rest) : NULL;
  if (asprintf(&out, "%s%s%s", prefix, *rest ? "/" : "", rest) < 0)
    return NULL;
  return out;
}

static int copy_data(struct archive *in, struct archive *out, const char *name, struct hutch_error **err) {
  char buf[65536];
  for (;;) {
    la_ssize_t n = archive_read_data(in, buf, sizeof(buf));
    if (n == 0)
      return 0;
    if (n < 0)
      return arch_err(err, in, name);
    if (archive_write_data(out, buf, (size_t)n) < 0)
      return arch_err(err, out, name);
  }
}

static int write_entry(struct archive *in, struct archive *out, struct archive_entry *ent, const char *name,
                       struct hutch_error **err) {
  int r = archive_write_header(out, ent);
  if (r < ARCHIVE_WARN)
    return arch_err(err, out, name);
  if (in && archive_entry_size(ent) > 0 && copy_data(in, out, name, err) < 0)
    return -1;
  if (archive_write_finish_entry(out) < ARCHIVE_WARN)
    return arch_err(err, out, name);
  return 0;
}

/* One symlink as an entry (read_disk would read the /proc link itself). */
static int write_symlink(int fd, const struct stat *st, struct archive *out, const char *name,
                         struct hutch_error **err) {
  char target[4096];
  ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
  if (n < 0)
    return hutch_error_set(err, errno, "readlink %s", name);
  target[n] = '\0';
  _cleanup_entry_ struct archive_entry *ent = archive_entry_new();
  archive_entry_copy_stat(ent, st);
  archive_entry_set_pathname(ent, name);
  archive_entry_set_symlink(ent, target);
  archive_entry_set_size(ent, 0);
  return write_entry(NULL, out, ent, name, err);
}

/* The tree at fd (an O_PATH fd of a file, directory or symlink) into out,
 * its entries named under prefix. Symlinks below the top are stored as
 * links, never followed. */
static int pump_tree(int fd, struct archive *out, const char *prefix, struct hutch_error **err) {
  struct stat st;
  if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
    return hutch_error_set(err, errno, "stat %s", prefix);
  if (S_ISLNK(st.st_mode))
    return *prefix ? write_symlink(fd, &st, out, prefix, err) : 0;
  char top[32];
  hutch_fd_path(fd, top);
  _cleanup_archive_ struct archive *in = archive_read_disk_new();
  if (!in)
    return hutch_error_set(err, ENOMEM, "archive");
  /* hybrid: follow the top (our /proc/self/fd link), nothing below it */
  archive_read_disk_set_symlink_hybrid(in);
  archive_read_disk_set_behavior(in, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
  if (archive_read_disk_open(in, top) != ARCHIVE_OK)
    return arch_err(err, in, prefix);
  for (;;) {
    _cleanup_entry_ struct archive_entry *ent = archive_entry_new();
    int r = archive_read_next_header2(in, ent);
    if (r == ARCHIVE_EOF)
      break;
    if (r < ARCHIVE_WARN)
      return arch_err(err, in, prefix);
    if (archive_entry_filetype(ent) == AE_IFDIR)
      archive_read_disk_descend(in);
    _cleanup_free_ char *name = rename_entry(archive_entry_pathname(ent), top, prefix);
    if (!name)
      continue;
    archive_entry_set_pathname(ent, name);
    if (write_entry(in, out, ent, name, err) < 0)
      return -1;
  }
  return 0;
}

/* A tar (any compression libarchive reads) from fd into out as it is. */
static int pump_tar(int fd, struct archive *out, struct hutch_error **err) {
  _cleanup_archive_ struct archive *in = archive_read_new();
  if (!in)
    return hutch_error_set(err, ENOMEM, "archive");
  archive_read_support_format_tar(in);
  archive_read_support_format_gnutar(in);
  archive_read_support_filter_all(in);
  if (archive_read_open_fd(in, fd, 65536) != ARCHIVE_OK)
    return arch_err(err, in, "read tar");
  for (;;) {
    struct archive_entry *ent;
    int r = archive_read_next_header(in, &ent);
    if (r == ARCHIVE_EOF)
      return 0;
    if (r < ARCHIVE_WARN)
      return arch_err(err, in, "read tar");
    if (write_entry(in, out, ent, archive_entry_pathname(ent), err) < 0)
      return -1;
  }
}

static struct archive *tar_writer(int fd, struct hutch_error **err) {
  struct archive *a = archive_write_new();
  if (!a) {
    hutch_error_set(err, ENOMEM, "archive");
    return NULL;
  }
  archive_write_set_format_pax_restricted(a);
  if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
    arch_err(err, a, "write tar");
    archive_write_free(a);
    return NULL;
  }
  return a;
}

/* A disk writer for entries relative to the current directory. */
static struct archive *disk_writer(bool owner) {
  struct archive *a = archive_write_disk_new();
  if (!a)
    return NULL;
  archive_write_disk_set_options(a, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR |
                                        (owner ? ARCHIVE_EXTRACT_OWNER : 0) | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                        ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                        ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
  return a;
}

struct cwd_guard {
  int old;
};
static void cwd_restore(struct cwd_guard *g) {
  if (g->old >= 0) {
    if (fchdir(g->old) < 0)
      hutch_warn("return to the working directory: %s, ignoring", strerror(errno));
    close(g->old);
  }
}

/* Write into dirfd: with the source given as an fd (a tree) or a tar fd.
 * write_disk works on paths relative to the working directory, so we
 * stand in dirfd for the time of the copy. */
static int extract_into(int dirfd, int src_fd, const char *prefix, int tar_fd, bool owner,
                        struct hutch_error **err) {
  _cleanup_(cwd_restore) struct cwd_guard g = {open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)};
  if (g.old < 0)
    return hutch_error_set(err, errno, "open the working directory");
  if (fchdir(dirfd) < 0)
    return hutch_error_set(err, errno, "enter the destination directory");
  _cleanup_archive_ struct archive *out = disk_writer(owner);
  if (!out)
    return hutch_error_set(err, ENOMEM, "archive");
  int r = src_fd >= 0 ? pump_tree(src_fd, out, prefix, err) : pump_tar(tar_fd, out, err);
  if (r < 0)
    return -1;
  if (archive_write_close(out) != ARCHIVE_OK)
    return arch_err(err, out, "write");
  return 0;
}

static int open_rootfs(struct hutch_engine *e, struct hutch_ctr *c, struct hutch_error **err) {
  _cleanup_free_ char *merged = NULL;
  if (hutch_ctr_mount_rootfs(e, c, &merged, err) < 0)
    return -1;
  int fd = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return hutch_error_set(err, errno, "open %s", merged);
  return fd;
}

/* docker's "SRC/." means the content of SRC, not SRC itself. */
static bool wants_content(const char *src) {
  size_t n = strlen(src);
  return n >= 2 && strcmp(src + n - 2, "/.") == 0;
}

/* basename or dirname of p, trailing slashes ignored. */
static char *path_part(const char *p, bool base) {
  _cleanup_free_ char *copy = strdup(p);
  if (!copy)
    return NULL;
  size_t n = strlen(copy);
  while (n > 1 && copy[n - 1] == '/')
    copy[--n] = '\0';
  return strdup(base ? basename(copy) : dirname(copy));
}
#define base_name(p) path_part(p, true)
#define dir_name(p) path_part(p, false)

/* Where SRC lands for docker cp's rules: into DST when DST is an existing
 * directory (under SRC's name, or SRC's content for "SRC/."), else as
 * DST itself in DST's parent, which must exist. open_fn resolves a path
 * on the destination side to an O_PATH fd. */
static int pick_destination(int (*open_fn)(void *ud, const char *p), void *ud, const char *src,
                            const char *dst, char **name, struct hutch_error **err) {
  bool content = wants_content(src);
  int fd = open_fn(ud, dst);
  struct stat st;
  if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    *name = content ? strdup("") : base_name(src);
    return fd;
  }
  if (fd >= 0)
    close(fd);
  if (fd >= 0 && content)
    return hutch_error_set(err, ENOTDIR, "cannot copy a directory's content to the file %s", dst);
  if (fd >= 0 || fd == -ENOENT) {
    _cleanup_free_ char *parent = dir_name(dst);
    int pfd = parent ? open_fn(ud, parent) : -ENOMEM;
    if (pfd < 0)
      return hutch_error_set(err, pfd, "destination directory %s", parent ? parent : dst);
    if (fstat(pfd, &st) < 0 || !S_ISDIR(st.st_mode)) {
      close(pfd);
      return hutch_error_set(err, ENOTDIR, "destination directory %s", parent);
    }
    *name = base_name(dst);
    return pfd;
  }
  return hutch_error_set(err, fd, "destination %s", dst);
}

static int open_host(void *ud, const char *p) {
  int fd = open(p, O_PATH | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

static int open_ctr(void *ud, const char *p) {
  return hutch_open_in_root(*(int *)ud, p, O_PATH, 0);
}

/* The source: the final component is not followed (docker cp copies a
 * link as a link), except for "SRC/." which names the directory. */
static int open_source(int rootfd, const char *src, struct hutch_error **err) {
  int flags = O_PATH | (wants_content(src) ? 0 : O_NOFOLLOW);
  int fd = rootfd >= 0 ? hutch_open_in_root(rootfd, src, flags, 0) : open(src, flags | O_CLOEXEC);
  if (rootfd < 0 && fd < 0)
    fd = -errno;
  if (fd < 0)
    return hutch_error_set(err, fd, "copy: %s", src);
  return fd;
}

int hutch_ctr_copy_out(struct hutch_engine *e, struct hutch_ctr *c, const char *src, const char *dst, int out_fd,
                       struct hutch_error **err) {
  _cleanup_close_ int rootfd = open_rootfs(e, c, err);
  if (rootfd < 0)
    return -1;
  _cleanup_close_ int sfd = open_source(rootfd, src, err);
  if (sfd < 0)
    return -1;
  hutch_debug("cp %s:%s to %s", c->id, src, dst ? dst : "a tar stream");
  if (!dst) {
    _cleanup_free_ char *name = wants_content(src) ? strdup("") : base_name(src);
    _cleanup_archive_ struct archive *out = tar_writer(out_fd, err);
    if (!out || pump_tree(sfd, out, name ? name : "", err) < 0)
      return -1;
    if (archive_write_close(out) != ARCHIVE_OK)
      return arch_err(err, out, "write tar");
    return 0;
  }
  _cleanup_free_ char *name = NULL;
  _cleanup_close_ int dfd = pick_destination(open_host, NULL, src, dst, &name, err);
  if (dfd < 0)
    return -1;
  return extract_into(dfd, sfd, name, -EBADF, false, err);
}

int hutch_ctr_copy_in(struct hutch_engine *e, struct hutch_ctr *c, const char *src, int in_fd, const char *dst,
                      struct hutch_error **err) {
  _cleanup_close_ int rootfd = open_rootfs(e, c, err);
  if (rootfd < 0)
    return -1;
  hutch_debug("cp %s to %s:%s", src ? src : "a tar stream", c->id, dst);
  if (!src) {
    _cleanup_close_ int dfd = hutch_open_in_root(rootfd, dst, O_PATH | O_DIRECTORY, 0);
    if (dfd < 0)
      return hutch_error_set(err, dfd, "copy: destination directory %s", dst);
    return extract_into(dfd, -EBADF, NULL, in_fd, true, err);
  }
  _cleanup_close_ int sfd = open_source(-EBADF, src, err);
  if (sfd < 0)
    return -1;
  _cleanup_free_ char *name = NULL;
  _cleanup_close_ int dfd = pick_destination(open_ctr, &rootfd, src, dst, &name, err);
  if (dfd < 0)
    return hutch_error_wrap(err, "copy into %s", hutch_ctr_name(c));
  return extract_into(dfd, sfd, name, -EBADF, false, err);
}

int hutch_ctr_export(struct hutch_engine *e, struct hutch_ctr *c, int fd, struct hutch_error **err) {
  _cleanup_close_ int rootfd = open_rootfs(e, c, err);
  if (rootfd < 0)
    return -1;
  _cleanup_archive_ struct archive *out = tar_writer(fd, err);
  if (!out || pump_tree(rootfd, out, "", err) < 0)
    return hutch_error_wrap(err, "export %s", hutch_ctr_name(c));
  if (archive_write_close(out) != ARCHIVE_OK)
    return arch_err(err, out, "write tar");
  return 0;
}

int hutch_volume_copy_up(const char *rootfs, const char *path, const char *data_dir, struct hutch_error **err) {
  _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return hutch_error_set(err, errno, "open %s", rootfs);
  _cleanup_close_ int sfd = hutch_open_in_root(rootfd, path, O_PATH | O_DIRECTORY, 0);
  if (sfd < 0)
    return 0; /* nothing in the image there */
  _cleanup_close_ int dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return hutch_error_set(err, errno, "open %s", data_dir);
  /* docker copies only into an empty volume: never over what a volume
   * already holds */
  _cleanup_closedir_ DIR *d = opendir(data_dir);
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      return 0;
  struct stat st;
  if (fstat(sfd, &st) < 0)
    return hutch_error_set(err, errno, "stat %s", path);
  /* the volume's root takes the owner and mode of the image's directory */
  if (fchown(dfd, st.st_uid, st.st_gid) < 0 || fchmod(dfd, st.st_mode & 07777) < 0)
    return hutch_error_set(err, errno, "volume %s: owner and mode", data_dir);
  hutch_debug("copy %s of the image into the new volume %s", path, data_dir);
  if (extract_into(dfd, sfd, "", -EBADF, true, err) < 0)
    return hutch_error_wrap(err, "copy %s of the image into the volume", path);
  return 0;
}

/* ---- diff ---- */

struct diff_walk {
  char **lower; /* layer dirs, top first */
  char **out;
};

/* Is rel in the image: the first layer (from the top) that has it decides;
 * a whiteout there means it was deleted by an upper layer. */
static bool in_image(struct diff_walk *w, const char *rel) {
  for (char **l = w->lower; l && *l; l++) {
    _cleanup_close_ int lfd = open(*l, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (lfd < 0)
      continue;
    _cleanup_close_ int fd = hutch_open_in_root(lfd, rel, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0)
      continue;
    struct stat st;
    if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
      continue;
    return !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
  }
  return false;
}

/* The empty files the runtime creates as targets for the engine's
 * bind mounts are not the container's changes (docker keeps them in an
 * "init" layer, which its diff leaves out). */
static bool mount_stub(const char *path, const struct stat *st) {
  static const char *const stubs[] = {"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"};
  if (!S_ISREG(st->st_mode) || st->st_size != 0)
    return false;
  for (size_t i = 0; i < ARRAY_SIZE(stubs); i++)
    if (strcmp(path, stubs[i]) == 0)
      return true;
  return false;
}

static int diff_dir(struct diff_walk *w, int dirfd, const char *rel, struct hutch_error **err) {
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return hutch_error_set(err, errno, "open upper dir %s", *rel ? rel : "/");
  _cleanup_closedir_ DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return hutch_error_set(err, errno, "read upper dir %s", rel);
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    _cleanup_free_ char *path = NULL, *line = NULL;
    if (asprintf(&path, "%s/%s", rel, de->d_name) < 0)
      return hutch_error_set(err, ENOMEM, "diff");
    struct stat st;
    if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
      return hutch_error_set(err, errno, "stat upper %s", path);
    if (mount_stub(path, &st))
      continue;
    char kind = S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0) ? 'D' : in_image(w, path) ? 'C' : 'A';
    if (asprintf(&line, "%c %s", kind, path) < 0 || hutch_strv_push(&w->out, line) < 0)
      return hutch_error_set(err, ENOMEM, "diff");
    if (S_ISDIR(st.st_mode)) {
      _cleanup_close_ int sub = openat(dirfd, de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0)
        return hutch_error_set(err, errno, "open upper %s", path);
      if (diff_dir(w, sub, path, err) < 0)
        return -1;
    }
  }
  return 0;
}

static int by_path(const void *a, const void *b) {
  return strcmp(*(char *const *)a + 2, *(char *const *)b + 2);
}

int hutch_ctr_diff(struct hutch_engine *e, struct hutch_ctr *c, char ***changes, struct hutch_error **err) {
  const char *lower = json_string_value(
      json_object_get(json_object_get(json_object_get(c->rec, "GraphDriver"), "Data"), "LowerDir"));
  struct diff_walk w = {0};
  _cleanup_strv_ char **layers = calloc(1, sizeof(char *));
  _cleanup_free_ char *copy = strdup(lower ? lower : "");
  if (!layers || !copy)
    return hutch_error_set(err, ENOMEM, "diff");
  char *save = NULL;
  for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
    hutch_strv_push(&layers, d);
  w.lower = layers;
  w.out = calloc(1, sizeof(char *));
  char p[4200];
  snprintf(p, sizeof(p), "%s/upper", c->dir);
  _cleanup_close_ int ufd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (ufd < 0 || !w.out) {
    hutch_strv_free(w.out);
    return hutch_error_set(err, ufd < 0 ? errno : ENOMEM, "open %s", p);
  }
  if (diff_dir(&w, ufd, "", err) < 0) {
    hutch_strv_free(w.out);
    return -1;
  }
  qsort(w.out, hutch_strv_len(w.out), sizeof(char *), by_path);
  *changes = w.out;
  return 0;
}
