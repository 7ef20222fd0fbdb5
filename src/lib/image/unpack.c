/* Layer unpacking with libarchive, written entry by entry through *at()
 * calls so containment does not depend on libarchive's path checks.
 *
 * The compressed blob is decompressed by one archive reader (format "raw",
 * the filters hutch supports) whose output is hashed for the diff-id and
 * fed to a second reader that parses the tar; the diff-id is therefore
 * computed over the exact bytes we unpacked, in one pass.
 *
 * Archives are untrusted input read as root: libarchive's *_filter_all
 * would let a stream starting with "LRZI" or "\x89LZO" run lrzip or lzop
 * from PATH. Only gzip, zstd, xz and bzip2 are enabled, each built into
 * libarchive (one that would need an external program is refused), and a
 * stream in another known compression is refused by name. */
#include "unpack.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Compressions libarchive knows but hutch does not read: named in the
 * error instead of "not a tar archive". */
static const struct {
  const char *name, *magic;
  size_t len;
} refused_magic[] = {
    {"lrzip", "LRZI", 4},
    {"lzop", "\x89LZO\0\r\n\x1a\n", 9},
    {"grzip", "GRZipII\0", 8},
    {"lz4", "\x04\x22\x4d\x18", 4},
    {"lz4 (legacy)", "\x02\x21\x4c\x18", 4},
    {"lzip", "LZIP", 4},
    {"compress (.Z)", "\x1f\x9d", 2},
};

int hutch_archive_read_filters(struct archive *a, struct hutch_error **err) {
  /* ARCHIVE_WARN from these means "not built in, will run the program" */
  if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
      archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
      archive_read_support_filter_xz(a) != ARCHIVE_OK ||
      archive_read_support_filter_bzip2(a) != ARCHIVE_OK)
    return hutch_error_set(err, ENOTSUP,
                           "libarchive lacks built-in gzip, zstd, xz or bzip2 support");
  return 0;
}

struct fd_source {
  int fd;
  bool started;
  char buf[65536];
};

/* The first read gathers enough bytes to recognise a refused compression
 * (a pipe may hand them over in pieces). */
static ssize_t fill(int fd, char *buf, size_t want, size_t cap) {
  size_t n = 0;
  while (n < want) {
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -errno;
    if (r == 0)
      break;
    n += (size_t)r;
  }
  return (ssize_t)n;
}

static la_ssize_t fd_source_read(struct archive *a, void *ud, const void **buf) {
  struct fd_source *s = ud;
  ssize_t n = fill(s->fd, s->buf, s->started ? 1 : 16, sizeof(s->buf));
  if (n < 0) {
    archive_set_error(a, (int)-n, "read: %s", strerror((int)-n));
    return -1;
  }
  for (size_t i = 0; !s->started && i < ARRAY_SIZE(refused_magic); i++)
    if ((size_t)n >= refused_magic[i].len &&
        memcmp(s->buf, refused_magic[i].magic, refused_magic[i].len) == 0) {
      archive_set_error(
          a, ENOTSUP,
          "%s-compressed: hutch reads tar streams uncompressed or compressed with gzip, "
          "zstd, xz or bzip2",
          refused_magic[i].name);
      return -1;
    }
  s->started = true;
  *buf = s->buf;
  return n;
}

static int fd_source_close(struct archive *a, void *ud) {
  (void)a;
  free(ud);
  return ARCHIVE_OK;
}

int hutch_archive_read_open_fd(struct archive *a, int fd, struct hutch_error **err) {
  if (hutch_archive_read_filters(a, err) < 0)
    return -1;
  struct fd_source *s = calloc(1, sizeof(*s));
  if (s == NULL)
    return hutch_error_set(err, ENOMEM, "archive reader");
  s->fd = fd;
  /* archive_read_open calls the close callback on failure too */
  if (archive_read_open(a, s, NULL, fd_source_read, fd_source_close) != ARCHIVE_OK)
    return hutch_error_set(err, archive_errno(a) > 0 ? archive_errno(a) : EINVAL, "%s",
                           archive_error_string(a) ? archive_error_string(a) : "not an archive");
  return 0;
}

struct decomp {
  struct archive *raw;
  struct hutch_sha256 sha;
  uint64_t size;
};

static void archive_freep(struct archive **a) {
  if (*a)
    archive_read_free(*a);
}
#define _cleanup_archive_ __attribute__((cleanup(archive_freep)))

static la_ssize_t decomp_read(struct archive *a, void *ud, const void **buf) {
  struct decomp *d = ud;
  size_t n = 0;
  la_int64_t off;
  int r = archive_read_data_block(d->raw, buf, &n, &off);
  if (r == ARCHIVE_EOF)
    return 0;
  if (r < ARCHIVE_WARN) {
    archive_set_error(a, EIO, "decompress: %s", archive_error_string(d->raw));
    return -1;
  }
  hutch_sha256_update(&d->sha, *buf, n);
  d->size += n;
  return (la_ssize_t)n;
}

static int decomp_open(struct decomp *d, int fd, struct hutch_error **err) {
  d->size = 0;
  d->raw = archive_read_new();
  if (d->raw == NULL || hutch_sha256_init(&d->sha) < 0)
    return hutch_error_set(err, ENOMEM, "layer: allocate reader");
  archive_read_support_format_raw(d->raw);
  if (hutch_archive_read_open_fd(d->raw, fd, err) < 0)
    return hutch_error_wrap(err, "layer");
  struct archive_entry *e;
  if (archive_read_next_header(d->raw, &e) != ARCHIVE_OK)
    return hutch_error_set(err, EINVAL, "layer: %s", archive_error_string(d->raw));
  return 0;
}

/* Read the rest of the decompressed stream (tar padding after the
 * end-of-archive blocks) so that the diff-id covers all of it. */
static int decomp_finish(struct decomp *d, char out[static HUTCH_DIGEST_LEN],
                         struct hutch_error **err) {
  const void *buf;
  size_t n;
  la_int64_t off;
  int r;
  while ((r = archive_read_data_block(d->raw, &buf, &n, &off)) == ARCHIVE_OK) {
    hutch_sha256_update(&d->sha, buf, n);
    d->size += n;
  }
  if (r != ARCHIVE_EOF)
    return hutch_error_set(err, EIO, "layer: decompress: %s", archive_error_string(d->raw));
  hutch_sha256_final(&d->sha, out);
  return 0;
}

static void decomp_close(struct decomp *d) {
  hutch_sha256_cleanup(&d->sha);
  if (d->raw)
    archive_read_free(d->raw);
  d->raw = NULL;
}

/* Normalise a tar entry name into a relative path with no "." or empty
 * components. ".." is refused rather than clamped: a layer that names a
 * path above its root is hostile or broken, and docker refuses it too. */
static int clean_path(const char *in, char **out) {
  size_t len = strlen(in);
  char *o = malloc(len + 2); /* +1: split_base may shift it right by one */
  if (o == NULL)
    return -ENOMEM;
  size_t w = 0;
  const char *p = in;
  while (*p) {
    while (*p == '/')
      p++;
    const char *s = p;
    while (*p && *p != '/')
      p++;
    size_t n = (size_t)(p - s);
    if (n == 0 || (n == 1 && s[0] == '.'))
      continue;
    if (n == 2 && s[0] == '.' && s[1] == '.') {
      free(o);
      return -EXDEV;
    }
    if (w)
      o[w++] = '/';
    memcpy(o + w, s, n);
    w += n;
  }
  o[w] = '\0';
  *out = o;
  return 0;
}

/* Split "a/b/c" into parent "a/b" (in place) and base "c"; parent "" is the
 * root. */
static const char *split_base(char *path) {
  char *slash = strrchr(path, '/');
  if (slash == NULL) {
    memmove(path + 1, path, strlen(path) + 1);
    path[0] = '\0';
    return path + 1;
  }
  *slash = '\0';
  return slash + 1;
}

/* Remove whatever is at pfd/name so a later tar entry replaces it, as tar
 * does. Returns 1 (and keeps it) when both are directories. With
 * HUTCH_UNPACK_KEEP_DIRS a directory is never removed (docker cp: "cannot
 * overwrite directory with non-directory"). */
static int clear_target(int pfd, const char *name, bool new_is_dir, unsigned flags) {
  struct stat st;
  if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : -errno;
  if (S_ISDIR(st.st_mode)) {
    if (new_is_dir)
      return 1;
    if (flags & HUTCH_UNPACK_KEEP_DIRS)
      return -EISDIR;
    return hutch_rm_rf_at(pfd, name);
  }
  if (unlinkat(pfd, name, 0) < 0)
    return -errno;
  return 0;
}

static bool skip_xattr(const char *name) {
  /* A layer must not forge overlay metadata (opaque dirs, redirects):
   * only our own whiteout handling sets it. */
  return strncmp(name, "trusted.overlay.", 16) == 0 || strncmp(name, "user.overlay.", 13) == 0;
}

static int apply_meta(int pfd, const char *name, int fd, struct archive_entry *e, bool symlink,
                      unsigned flags) {
  uid_t uid = (uid_t)archive_entry_uid(e);
  gid_t gid = (gid_t)archive_entry_gid(e);
  if ((flags & HUTCH_UNPACK_OWNER) && fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
    /* unprivileged unpack cannot keep ownership; the layer still works */
    if (errno != EPERM || geteuid() == 0)
      return -errno;
  }
  if (!symlink) {
    mode_t mode = archive_entry_perm(e) & 07777;
    /* after chown, which clears setuid bits. Never through a symlink: the
     * name may have been swapped for one since mknodat (glibc does
     * AT_SYMLINK_NOFOLLOW through an O_PATH fd) */
    int r = fd >= 0 ? fchmod(fd, mode) : fchmodat(pfd, name, mode, AT_SYMLINK_NOFOLLOW);
    if (r < 0)
      return -errno;
  }
  if (fd >= 0) {
    const char *xname;
    const void *xval;
    size_t xlen;
    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &xname, &xval, &xlen) == ARCHIVE_OK) {
      if (skip_xattr(xname))
        continue;
      if (fsetxattr(fd, xname, xval, xlen, 0) < 0) {
        if (errno == ENOTSUP || errno == EPERM)
          hutch_debug("setxattr %s on %s: %s, ignoring", xname, name, strerror(errno));
        else
          return -errno;
      }
    }
  }
  struct timespec ts[2] = {
      {.tv_sec = archive_entry_atime(e), .tv_nsec = archive_entry_atime_nsec(e)},
      {.tv_sec = archive_entry_mtime(e), .tv_nsec = archive_entry_mtime_nsec(e)},
  };
  if (!archive_entry_atime_is_set(e))
    ts[0] = ts[1];
  if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
    return -errno;
  return 0;
}

/* The content from a plain fd (a file being copied, not a tar). */
static int write_fd_data(int in, int fd) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(in, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n < 0 ? -errno : 0;
    for (char *p = buf; n > 0;) {
      ssize_t w = write(fd, p, (size_t)n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return -errno;
      p += w;
      n -= w;
    }
  }
}

static int write_data(struct archive *a, int data_fd, int fd, struct archive_entry *e) {
  if (data_fd >= 0)
    return write_fd_data(data_fd, fd);
  const void *buf;
  size_t n;
  la_int64_t off;
  int r;
  while ((r = archive_read_data_block(a, &buf, &n, &off)) == ARCHIVE_OK) {
    const char *p = buf;
    while (n > 0) {
      ssize_t w = pwrite(fd, p, n, off);
      if (w < 0) {
        if (errno == EINTR)
          continue;
        return -errno;
      }
      p += w;
      n -= (size_t)w;
      off += w;
    }
  }
  if (r != ARCHIVE_EOF)
    return -EIO;
  /* sparse files end in a hole */
  if (archive_entry_size_is_set(e) && ftruncate(fd, archive_entry_size(e)) < 0)
    return -errno;
  return 0;
}

static int whiteout(int pfd, const char *name, struct archive_entry *e) {
  if (strcmp(name, ".wh..opq") == 0) {
    /* ".wh..wh..opq": this directory hides the lower layers' contents */
    _cleanup_close_ int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
      return -errno;
    if (fsetxattr(dfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
      return -errno;
    return 0;
  }
  if (strncmp(name, ".wh.", 4) == 0)
    return 0; /* other aufs metadata (.wh..wh.plnk etc.) has no overlay meaning */
  if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/'))
    return -EINVAL;
  int r = clear_target(pfd, name, false, 0);
  if (r < 0)
    return r;
  if (mknodat(pfd, name, S_IFCHR | 0, makedev(0, 0)) < 0)
    return -errno;
  if (fchownat(pfd, name, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
               AT_SYMLINK_NOFOLLOW) < 0 &&
      geteuid() == 0)
    return -errno;
  return 0;
}

static int hardlink(int rootfd, int pfd, const char *name, const char *target, unsigned flags,
                    const char **why) {
  _cleanup_free_ char *t = NULL;
  if (clean_path(target, &t) < 0 || *t == '\0') {
    *why = "hardlink target escapes the layer";
    return -EXDEV;
  }
  const char *tbase = split_base(t);
  _cleanup_close_ int tpfd = hutch_open_in_root(rootfd, t[0] ? t : ".", O_PATH | O_DIRECTORY, 0);
  if (tpfd < 0) {
    *why = "hardlink target is not in the layer";
    return tpfd;
  }
  int r = clear_target(pfd, name, false, flags);
  if (r < 0)
    return r;
  /* no AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself,
   * which keeps a symlink to a host file from becoming a host hardlink */
  if (linkat(tpfd, tbase, pfd, name, 0) < 0) {
    *why = errno == ENOENT ? "hardlink target is not in the layer" : "hardlink";
    return -errno;
  }
  return 0;
}

/* A device node or fifo. In a user namespace (rootless) the kernel
 * refuses device nodes: they are left out, as podman and docker do
 * rootless; a container gets its devices from /dev, not from its image.
 * 1 when left out. */
static int make_node(struct archive_entry *e, int pfd, const char *base, mode_t mode) {
  dev_t dev = S_ISFIFO(mode) ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
  if (mknodat(pfd, base, mode, dev) == 0)
    return 0;
  if (errno == EPERM && !S_ISFIFO(mode) && !hutch_in_initial_userns()) {
    hutch_debug("unpack: device node %s (%u:%u) left out: a user namespace may not make it",
                archive_entry_pathname(e), major(dev), minor(dev));
    return 1;
  }
  return -errno;
}

/* The object itself, once its parent is pfd and nothing is at base. */
static int create_entry(struct archive *a, int data_fd, struct archive_entry *e, int pfd,
                        const char *base, bool existing_dir, int *fd, const char **what) {
  mode_t type = archive_entry_filetype(e);
  mode_t perm = archive_entry_perm(e) & 07777;
  switch (type) {
  case AE_IFDIR:
    if (!existing_dir && mkdirat(pfd, base, 0700) < 0)
      return -errno;
    *fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return *fd < 0 ? -errno : 0;
  case AE_IFREG:
    *fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (*fd < 0)
      return -errno;
    *what = "write";
    return write_data(a, data_fd, *fd, e);
  case AE_IFLNK: {
    const char *target = archive_entry_symlink(e);
    /* The target is stored verbatim: it is only ever resolved inside the
     * container's root (and by us, through hutch_open_in_root). */
    if (target == NULL)
      return -EINVAL;
    return symlinkat(target, pfd, base) < 0 ? -errno : 0;
  }
  case AE_IFCHR:
  case AE_IFBLK:
  case AE_IFIFO:
    return make_node(e, pfd, base, type | perm);
  default:
    *what = "unknown file type";
    return -EINVAL;
  }
}

int hutch_unpack_entry(struct archive *a, int data_fd, struct archive_entry *e, int rootfd,
                       unsigned flags, struct hutch_error **err) {
  const char *kind = (flags & HUTCH_UNPACK_WHITEOUTS) ? "layer entry" : "entry";
  const char *raw = archive_entry_pathname(e);
  if (raw == NULL)
    return hutch_error_set(err, EINVAL, "%s without a name", kind);
  _cleanup_free_ char *path = NULL;
  int r = clean_path(raw, &path);
  if (r == -EXDEV)
    return hutch_error_set(err, EXDEV, "%s \"%s\": path escapes the %s directory", kind, raw,
                           (flags & HUTCH_UNPACK_WHITEOUTS) ? "layer" : "destination");
  if (r < 0)
    return hutch_error_set(err, r, "%s \"%s\"", kind, raw);
  if (*path == '\0')
    return 0; /* the root itself ("./"): keep the directory as it is */
  const char *base = split_base(path);
  const char *what = "create";
  _cleanup_close_ int pfd = hutch_mkdir_in_root(rootfd, path[0] ? path : ".", 0755);
  if (pfd < 0)
    return hutch_error_set(err, pfd, "%s \"%s\": resolve parent directory", kind, raw);

  if ((flags & HUTCH_UNPACK_WHITEOUTS) && strncmp(base, ".wh.", 4) == 0) {
    r = whiteout(pfd, base + 4, e);
    if (r < 0)
      return hutch_error_set(err, r, "%s \"%s\": whiteout", kind, raw);
    return 0;
  }

  const char *hl = archive_entry_hardlink(e);
  if (hl) {
    const char *why = "hardlink";
    r = hardlink(rootfd, pfd, base, hl, flags, &why);
    if (r < 0)
      return hutch_error_set(err, r, "%s \"%s\": %s \"%s\"", kind, raw, why, hl);
    return 0;
  }

  mode_t type = archive_entry_filetype(e);
  if (type == AE_IFSOCK) {
    hutch_debug("%s %s: socket, skipping", kind, raw);
    return 0;
  }
  r = clear_target(pfd, base, type == AE_IFDIR, flags);
  if (r < 0)
    return hutch_error_set(err, r, "%s \"%s\": replace existing entry", kind, raw);
  _cleanup_close_ int fd = -EBADF;
  r = create_entry(a, data_fd, e, pfd, base, r == 1, &fd, &what);
  if (r < 0)
    return hutch_error_set(err, r, "%s \"%s\": %s", kind, raw, what);
  if (r == 1)
    return 0; /* a device node a user namespace may not make */
  r = apply_meta(pfd, base, fd, e, type == AE_IFLNK, flags);
  if (r < 0)
    return hutch_error_set(err, r, "%s \"%s\": set metadata", kind, raw);
  return 0;
}

int hutch_layer_unpack(int fd, int destfd, struct hutch_unpack_result *res,
                       struct hutch_error **err) {
  struct decomp d = {0};
  int r = decomp_open(&d, fd, err);
  if (r < 0) {
    decomp_close(&d);
    return r;
  }
  _cleanup_archive_ struct archive *a = archive_read_new();
  if (a == NULL) {
    decomp_close(&d);
    return hutch_error_set(err, ENOMEM, "layer: allocate reader");
  }
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  if (archive_read_open(a, &d, NULL, decomp_read, NULL) != ARCHIVE_OK) {
    r = hutch_error_set(err, EINVAL, "layer: not a tar archive: %s", archive_error_string(a));
    decomp_close(&d);
    return r;
  }
  uint64_t n = 0;
  struct archive_entry *e;
  for (;;) {
    int ar = archive_read_next_header(a, &e);
    if (ar == ARCHIVE_EOF)
      break;
    if (ar < ARCHIVE_WARN) {
      r = hutch_error_set(err, EINVAL, "layer: read tar: %s", archive_error_string(a));
      goto out;
    }
    r = hutch_unpack_entry(a, -EBADF, e, destfd, HUTCH_UNPACK_WHITEOUTS | HUTCH_UNPACK_OWNER, err);
    if (r < 0)
      goto out;
    n++;
  }
  r = decomp_finish(&d, res->diff_id, err);
  if (r < 0)
    goto out;
  res->tar_size = d.size;
  res->entries = n;
  hutch_debug("unpacked layer %s: %llu entries", res->diff_id, (unsigned long long)n);
out:
  decomp_close(&d);
  return r;
}

int hutch_layer_decompress(int fd, int outfd, char diff_id[static HUTCH_DIGEST_LEN],
                           struct hutch_error **err) {
  struct decomp d = {0};
  int r = decomp_open(&d, fd, err);
  if (r < 0)
    goto out;
  const void *buf;
  la_ssize_t n;
  while ((n = decomp_read(d.raw, &d, &buf)) > 0) {
    const char *p = buf;
    size_t left = (size_t)n;
    while (left > 0) {
      ssize_t w = write(outfd, p, left);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0) {
        r = hutch_error_set(err, errno, "write layer tar");
        goto out;
      }
      p += w;
      left -= (size_t)w;
    }
  }
  if (n < 0) {
    r = hutch_error_set(err, EIO, "layer: %s", archive_error_string(d.raw));
    goto out;
  }
  hutch_sha256_final(&d.sha, diff_id);
out:
  decomp_close(&d);
  return r;
}

int hutch_archive_entry_at(int fd, const struct stat *st, const char *name,
                           struct archive_entry *ent, int *data, struct hutch_error **err) {
  archive_entry_copy_stat(ent, st);
  archive_entry_set_pathname(ent, name);
  if (S_ISLNK(st->st_mode)) {
    char target[4096];
    ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
    if (n < 0)
      return hutch_error_set(err, errno, "readlink %s", name);
    target[n] = '\0';
    archive_entry_set_symlink(ent, target);
  } else if (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode)) {
    char p[32];
    *data = open(hutch_fd_path(fd, p), O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (*data < 0)
      return hutch_error_set(err, errno, "open %s", name);
  }
  if (!S_ISREG(st->st_mode))
    archive_entry_set_size(ent, 0);
  return 0;
}

int hutch_archive_write_fd(struct archive *a, int fd, const char *name, struct hutch_sha256 *also,
                           struct hutch_error **err) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return hutch_error_set(err, errno, "read %s", name);
    if (n == 0 || archive_write_data(a, buf, (size_t)n) <= 0)
      return 0;
    if (also)
      hutch_sha256_update(also, buf, (size_t)n);
  }
}

ssize_t hutch_archive_write_hashed(struct archive *a, void *ud, const void *buf, size_t n) {
  struct hutch_hashed_fd *o = ud;
  hutch_sha256_update(&o->sha, buf, n);
  for (size_t done = 0; done < n;) {
    ssize_t r = write(o->fd, (const char *)buf + done, n - done);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      archive_set_error(a, errno, "write");
      return -1;
    }
    done += (size_t)r;
  }
  o->size += n;
  return (ssize_t)n;
}

int hutch_layer_gzip(int in_fd, int out_fd, char digest[static HUTCH_DIGEST_LEN], uint64_t *size,
                     struct hutch_error **err) {
  struct stat st;
  if (fstat(in_fd, &st) < 0)
    return hutch_error_set(err, errno, "gzip: stat");
  struct hutch_hashed_fd o = {.fd = out_fd};
  if (hutch_sha256_init(&o.sha) < 0)
    return hutch_error_set(err, ENOMEM, "gzip");
  struct archive *a = archive_write_new();
  struct archive_entry *e = archive_entry_new();
  int r = -1;
  if (!a || !e) {
    hutch_error_set(err, ENOMEM, "gzip");
    goto out;
  }
  archive_write_add_filter_gzip(a);
  archive_write_set_format_raw(a);
  archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_pathname(e, "layer");
  archive_entry_set_size(e, st.st_size);
  if (archive_write_open2(a, &o, NULL, hutch_archive_write_hashed, NULL, NULL) != ARCHIVE_OK ||
      archive_write_header(a, e) != ARCHIVE_OK) {
    hutch_error_set(err, EIO, "gzip: %s", archive_error_string(a));
    goto out;
  }
  char buf[65536];
  for (off_t off = 0;;) {
    ssize_t n = pread(in_fd, buf, sizeof(buf), off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      hutch_error_set(err, errno, "gzip: read");
      goto out;
    }
    if (n == 0)
      break;
    if (archive_write_data(a, buf, (size_t)n) < 0) {
      hutch_error_set(err, EIO, "gzip: %s", archive_error_string(a));
      goto out;
    }
    off += n;
  }
  if (archive_write_close(a) != ARCHIVE_OK) {
    hutch_error_set(err, EIO, "gzip: %s", archive_error_string(a));
    goto out;
  }
  hutch_sha256_final(&o.sha, digest);
  *size = o.size;
  r = 0;
out:
  if (r < 0)
    hutch_sha256_cleanup(&o.sha);
  if (e)
    archive_entry_free(e);
  if (a)
    archive_write_free(a);
  return r;
}
