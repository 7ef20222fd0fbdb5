/* Layer tars; see tarwrite.h. The tree walks go through fds, each name
 * opened O_NOFOLLOW relative to its directory: the upper dir of a
 * container that ran build commands is the container's, and the build
 * context may hold symlinks pointing anywhere; both are copied as links,
 * never followed. */
#include "tarwrite.h"

#include "image/digest.h"
#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

struct hutch_tar_writer {
  struct archive *a;
  struct archive_entry_linkresolver *links;
  struct hutch_hashed_fd out;  /* the tar's digest: its diff-id */
  struct hutch_sha256 content; /* names, modes, owners, data; no times */
};

static int arch_err(struct hutch_error **err, struct archive *a, const char *what) {
  int e = archive_errno(a);
  const char *s = archive_error_string(a);
  return hutch_error_set(err, e > 0 ? e : EIO, "%s: %s", what, s ? s : "archive error");
}

int hutch_tar_writer_open(int fd, struct hutch_tar_writer **out, struct hutch_error **err) {
  struct hutch_tar_writer *w = calloc(1, sizeof(*w));
  if (!w || hutch_sha256_init(&w->out.sha) < 0) {
    free(w);
    return hutch_error_set(err, ENOMEM, "layer tar");
  }
  if (hutch_sha256_init(&w->content) < 0) {
    hutch_sha256_cleanup(&w->out.sha);
    free(w);
    return hutch_error_set(err, ENOMEM, "layer tar");
  }
  w->out.fd = fd;
  w->a = archive_write_new();
  w->links = archive_entry_linkresolver_new();
  if (!w->a || !w->links) {
    hutch_tar_writer_abort(w);
    return hutch_error_set(err, ENOMEM, "layer tar");
  }
  archive_write_set_format_pax_restricted(w->a);
  archive_entry_linkresolver_set_strategy(w->links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
  archive_write_set_bytes_in_last_block(w->a, 1);
  if (archive_write_open2(w->a, &w->out, NULL, hutch_archive_write_hashed, NULL, NULL) !=
      ARCHIVE_OK) {
    arch_err(err, w->a, "layer tar");
    hutch_tar_writer_abort(w);
    return -1;
  }
  *out = w;
  return 0;
}

void hutch_tar_writer_abort(struct hutch_tar_writer *w) {
  if (!w)
    return;
  if (w->a)
    archive_write_free(w->a);
  if (w->links)
    archive_entry_linkresolver_free(w->links);
  hutch_sha256_cleanup(&w->out.sha);
  hutch_sha256_cleanup(&w->content);
  free(w);
}

int hutch_tar_writer_close(struct hutch_tar_writer *w, char diff_id[72], char content_id[72],
                           struct hutch_error **err) {
  int r = 0;
  if (archive_write_close(w->a) != ARCHIVE_OK) {
    r = arch_err(err, w->a, "layer tar");
  } else {
    hutch_sha256_final(&w->out.sha, diff_id);
    hutch_sha256_final(&w->content, content_id);
  }
  hutch_tar_writer_abort(w);
  return r;
}

/* What the build cache keys COPY and ADD on: the entry without its times. */
static void hash_entry(struct hutch_tar_writer *w, struct archive_entry *e) {
  char meta[128];
  const char *name = archive_entry_pathname(e);
  const char *link = archive_entry_symlink(e);
  const char *hard = archive_entry_hardlink(e);
  int n = snprintf(meta, sizeof(meta), "%o %lld %lld %lld", (unsigned)archive_entry_mode(e),
                   (long long)archive_entry_uid(e), (long long)archive_entry_gid(e),
                   (long long)archive_entry_size(e));
  hutch_sha256_update(&w->content, name, strlen(name) + 1);
  hutch_sha256_update(&w->content, meta, (size_t)n + 1);
  if (link)
    hutch_sha256_update(&w->content, link, strlen(link) + 1);
  if (hard)
    hutch_sha256_update(&w->content, hard, strlen(hard) + 1);
}

/* Write ent (with fd's data when a regular file), hardlinks resolved. */
static int put(struct hutch_tar_writer *w, struct archive_entry *ent, int data_fd,
               struct hutch_error **err) {
  struct archive_entry *spare = NULL;
  archive_entry_linkify(w->links, &ent, &spare);
  /* pax: a hardlink comes back at once with its target set and no data */
  const char *name = archive_entry_pathname(ent);
  hash_entry(w, ent);
  if (archive_write_header(w->a, ent) < ARCHIVE_WARN)
    return arch_err(err, w->a, name);
  if (data_fd >= 0 && archive_entry_size(ent) > 0 &&
      hutch_archive_write_fd(w->a, data_fd, name, &w->content, err) < 0)
    return -1;
  if (archive_write_finish_entry(w->a) < ARCHIVE_WARN)
    return arch_err(err, w->a, name);
  return 0;
}

static void free_entry(struct archive_entry **e) {
  if (*e)
    archive_entry_free(*e);
}
#define _cleanup_entry_ _cleanup_(free_entry)

/* Through /proc/self/fd, followed: the O_PATH fd's inode (never a
 * symlink here). Extended attributes, without overlayfs' own (trusted.overlay.*). */
static void add_xattrs(int fd, struct archive_entry *ent) {
  char names[4096];
  char p[32];
  ssize_t n = listxattr(hutch_fd_path(fd, p), names, sizeof(names));
  for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
    if (strncmp(names + i, "trusted.overlay.", 16) == 0)
      continue;
    char val[4096];
    ssize_t vl = getxattr(p, names + i, val, sizeof(val));
    if (vl >= 0)
      archive_entry_xattr_add_entry(ent, names + i, val, (size_t)vl);
  }
}

static bool opaque_dir(int fd) {
  char p[32], v[4];
  ssize_t n = getxattr(hutch_fd_path(fd, p), "trusted.overlay.opaque", v, sizeof(v));
  return n == 1 && v[0] == 'y';
}

/* An empty regular file named name: a whiteout marker. */
static int put_marker(struct hutch_tar_writer *w, const char *name, struct hutch_error **err) {
  _cleanup_entry_ struct archive_entry *e = archive_entry_new();
  if (!e)
    return hutch_error_set(err, ENOMEM, "layer tar");
  archive_entry_set_pathname(e, name);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, 0);
  archive_entry_set_nlink(e, 1); /* no inode: never a hard link of another marker */
  return put(w, e, -EBADF, err);
}

struct walk {
  struct hutch_tar_writer *w;
  bool upper; /* overlay conventions: whiteouts, opaque dirs, mount stubs */
  const struct hutch_tar_attr *attr;
  hutch_tar_skip_fn skip;
  void *ud;
};

/* The empty files the runtime makes as mount targets for the engine's
 * /etc files are not the build's changes (docker's "init" layer). */
static bool mount_stub(const char *name, const struct stat *st) {
  return S_ISREG(st->st_mode) && st->st_size == 0 &&
         (strcmp(name, "etc/hostname") == 0 || strcmp(name, "etc/hosts") == 0 ||
          strcmp(name, "etc/resolv.conf") == 0);
}

static int walk_fd(struct walk *k, int fd, const char *name, const char *rel, int depth,
                   struct hutch_error **err);

static int walk_dir(struct walk *k, int fd, const char *name, const char *rel, int depth,
                    struct hutch_error **err) {
  int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_closedir_ DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
  if (!d) {
    if (dfd >= 0)
      close(dfd);
    return hutch_error_set(err, errno, "open %s", *name ? name : "/");
  }
  struct dirent *de;
  while ((errno = 0, de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    _cleanup_free_ char *cn = NULL, *cr = NULL;
    if (asprintf(&cn, "%s%s%s", name, *name ? "/" : "", de->d_name) < 0 ||
        (rel && asprintf(&cr, "%s%s%s", rel, *rel && strcmp(rel, ".") ? "/" : "", de->d_name) < 0))
      return hutch_error_set(err, ENOMEM, "layer tar");
    if (cr && strncmp(rel, ".", 2) == 0) {
      free(cr);
      cr = strdup(de->d_name);
    }
    if (k->skip && cr && k->skip(k->ud, cr))
      continue;
    _cleanup_close_ int cfd = openat(dirfd(d), de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (cfd < 0)
      return hutch_error_set(err, errno, "open %s", cn);
    if (walk_fd(k, cfd, cn, cr, depth + 1, err) < 0)
      return -1;
  }
  if (errno != 0)
    return hutch_error_set(err, errno, "read %s", name);
  return 0;
}

static void apply_attr(struct archive_entry *e, const struct hutch_tar_attr *a) {
  if (!a)
    return;
  if (a->uid >= 0)
    archive_entry_set_uid(e, a->uid), archive_entry_set_uname(e, NULL);
  if (a->gid >= 0)
    archive_entry_set_gid(e, a->gid), archive_entry_set_gname(e, NULL);
  if (a->mode >= 0 && archive_entry_filetype(e) != AE_IFLNK)
    archive_entry_set_perm(e, (mode_t)a->mode);
}

static int walk_fd(struct walk *k, int fd, const char *name, const char *rel, int depth,
                   struct hutch_error **err) {
  if (depth > 256)
    return hutch_error_set(err, ELOOP, "%s: directories nested too deep", name);
  struct stat st;
  if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
    return hutch_error_set(err, errno, "stat %s", name);
  if (S_ISSOCK(st.st_mode) || (k->upper && mount_stub(name, &st)))
    return 0;
  if (k->upper && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
    /* a deletion: ".wh." + the name, in the same directory */
    const char *slash = strrchr(name, '/');
    _cleanup_free_ char *wh = NULL;
    if (asprintf(&wh, "%.*s.wh.%s", slash ? (int)(slash - name + 1) : 0, name,
                 slash ? slash + 1 : name) < 0)
      return hutch_error_set(err, ENOMEM, "layer tar");
    return put_marker(k->w, wh, err);
  }
  _cleanup_entry_ struct archive_entry *ent = archive_entry_new();
  _cleanup_close_ int data = -EBADF;
  if (!ent)
    return hutch_error_set(err, ENOMEM, "layer tar");
  if (hutch_archive_entry_at(fd, &st, name, ent, &data, err) < 0)
    return -1;
  if (!S_ISLNK(st.st_mode))
    add_xattrs(fd, ent);
  apply_attr(ent, k->attr);
  bool top = depth == 0 && k->attr && k->attr->skip_top;
  if (*name && !top && put(k->w, ent, S_ISREG(st.st_mode) ? data : -EBADF, err) < 0)
    return -1;
  if (!S_ISDIR(st.st_mode))
    return 0;
  if (k->upper && *name && opaque_dir(fd)) {
    _cleanup_free_ char *opq = NULL;
    if (asprintf(&opq, "%s/.wh..wh..opq", name) < 0)
      return hutch_error_set(err, ENOMEM, "layer tar");
    if (put_marker(k->w, opq, err) < 0)
      return -1;
  }
  return walk_dir(k, fd, name, rel, depth, err);
}

int hutch_tar_add_upper(struct hutch_tar_writer *w, int upperfd, struct hutch_error **err) {
  struct walk k = {.w = w, .upper = true};
  return walk_fd(&k, upperfd, "", NULL, 0, err);
}

int hutch_tar_add_dir(struct hutch_tar_writer *w, const char *name, const struct hutch_tar_attr *a,
                      struct hutch_error **err) {
  _cleanup_entry_ struct archive_entry *e = archive_entry_new();
  if (!e)
    return hutch_error_set(err, ENOMEM, "layer tar");
  archive_entry_set_pathname(e, name);
  archive_entry_set_filetype(e, AE_IFDIR);
  archive_entry_set_perm(e, 0755);
  archive_entry_set_mtime(e, time(NULL), 0);
  apply_attr(e, a);
  if (a && a->mode >= 0)
    archive_entry_set_perm(e, 0755); /* --chmod is for what is copied, not its parents */
  return put(w, e, -EBADF, err);
}

int hutch_tar_add_data(struct hutch_tar_writer *w, const char *name, const char *data, size_t len,
                       const struct hutch_tar_attr *a, struct hutch_error **err) {
  _cleanup_entry_ struct archive_entry *e = archive_entry_new();
  _cleanup_close_ int fd = memfd_create("heredoc", MFD_CLOEXEC);
  if (!e || fd < 0)
    return hutch_error_set(err, e ? errno : ENOMEM, "layer tar: %s", name);
  for (size_t off = 0; off < len;) {
    ssize_t n = write(fd, data + off, len - off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return hutch_error_set(err, n < 0 ? errno : EIO, "layer tar: %s", name);
    off += (size_t)n;
  }
  if (lseek(fd, 0, SEEK_SET) < 0)
    return hutch_error_set(err, errno, "layer tar: %s", name);
  archive_entry_set_pathname(e, name);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, (la_int64_t)len);
  archive_entry_set_nlink(e, 1); /* not a hard link of another entry */
  archive_entry_set_mtime(e, time(NULL), 0);
  apply_attr(e, a);
  return put(w, e, fd, err);
}

int hutch_tar_add_tree(struct hutch_tar_writer *w, int srcfd, const char *name, const char *rel,
                       const struct hutch_tar_attr *a, hutch_tar_skip_fn skip, void *ud,
                       struct hutch_error **err) {
  struct walk k = {.w = w, .attr = a, .skip = skip, .ud = ud};
  return walk_fd(&k, srcfd, name, rel, 0, err);
}

static void read_freep(struct archive **a) {
  if (*a)
    archive_read_free(*a);
}

static struct archive *tar_reader(int fd, struct hutch_error **err) {
  struct archive *in = archive_read_new();
  if (!in) {
    hutch_error_set(err, ENOMEM, "archive");
    return NULL;
  }
  archive_read_support_format_tar(in);
  archive_read_support_format_gnutar(in);
  if (hutch_archive_read_open_fd(in, fd, err) < 0) {
    archive_read_free(in);
    return NULL;
  }
  return in;
}

bool hutch_tar_is_archive(int fd) {
  _cleanup_(read_freep) struct archive *in = tar_reader(fd, NULL);
  struct archive_entry *e;
  bool ok = in && archive_read_next_header(in, &e) == ARCHIVE_OK;
  lseek(fd, 0, SEEK_SET);
  return ok;
}

int hutch_tar_add_archive(struct hutch_tar_writer *w, int fd, const char *dest,
                          const struct hutch_tar_attr *a, struct hutch_error **err) {
  _cleanup_(read_freep) struct archive *in = tar_reader(fd, err);
  if (!in)
    return -1;
  struct archive_entry *e;
  int r;
  while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
    const char *n = archive_entry_pathname(e);
    while (n[0] == '.' && n[1] == '/')
      n += 2;
    while (*n == '/')
      n++;
    if (!*n || strcmp(n, ".") == 0)
      continue;
    /* nothing may climb out of dest */
    if (strcmp(n, "..") == 0 || strncmp(n, "../", 3) == 0 || strstr(n, "/../"))
      return hutch_error_set(err, EINVAL, "ADD: archive entry %s leaves the destination", n);
    _cleanup_free_ char *nn = NULL;
    if (asprintf(&nn, "%s%s%s", dest, *dest ? "/" : "", n) < 0)
      return hutch_error_set(err, ENOMEM, "ADD");
    archive_entry_copy_pathname(e, nn);
    const char *hl = archive_entry_hardlink(e);
    if (hl) {
      _cleanup_free_ char *nh = NULL;
      if (asprintf(&nh, "%s%s%s", dest, *dest ? "/" : "", hl) < 0)
        return hutch_error_set(err, ENOMEM, "ADD");
      archive_entry_copy_hardlink(e, nh);
    }
    apply_attr(e, a);
    hash_entry(w, e);
    if (archive_write_header(w->a, e) < ARCHIVE_WARN)
      return arch_err(err, w->a, nn);
    const void *buf;
    size_t len;
    la_int64_t off;
    while ((r = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK) {
      if (archive_write_data(w->a, buf, len) < 0)
        return arch_err(err, w->a, nn);
      hutch_sha256_update(&w->content, buf, len);
    }
    if (r != ARCHIVE_EOF)
      return arch_err(err, in, "ADD: read archive");
    if (archive_write_finish_entry(w->a) < ARCHIVE_WARN)
      return arch_err(err, w->a, nn);
  }
  if (r != ARCHIVE_EOF)
    return arch_err(err, in, "ADD: read archive");
  return 0;
}
