/* Files in and out of a container: docker cp (both directions, and tar
 * streams for "-"), export (a tar of the merged rootfs), diff (the
 * overlay upper dir read as A/C/D changes) and the copy of an image's
 * content into a new empty volume.
 *
 * cp works on the container as its processes see it, bind mounts and
 * volumes included: a running container through its init's
 * /proc/PID/root, a stopped one in a child process with a private mount
 * namespace where the binds of its config.json are mounted onto the
 * merged rootfs (docker mounts them the same way for cp).
 *
 * A running container may be hostile and swap paths while we copy
 * (CVE-2018-15664), so:
 *  - it is frozen for the copy, as docker does (when the freezer allows);
 *  - and, frozen or not, nothing is ever resolved twice by name: the
 *    top path is resolved once with hutch_open_in_root (RESOLVE_IN_ROOT),
 *    trees are walked through fds with O_NOFOLLOW on every name, and
 *    entries are created by hutch_unpack_entry (image/unpack.c), which
 *    resolves parents in root and creates O_NOFOLLOW|O_EXCL relative to
 *    the parent's fd. A path swapped for a symlink to "/" meanwhile is
 *    copied as a link or resolved to the container's own root. */
#include "engine/ctr_runtime.h"
#include "engine.h"

#include "image/unpack.h"
#include "spec/spec.h"
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
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
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

/* ---- where entries go: a tar stream or a directory ---- */

struct sink {
  struct archive *tar; /* a tar stream, or NULL: */
  int dirfd;           /* created below this directory by hutch_unpack_entry */
  unsigned flags;      /* HUTCH_UNPACK_* */
};

static int sink_put(struct sink *s, struct archive_entry *ent, int data_fd,
                    struct hutch_error **err) {
  if (!s->tar)
    return hutch_unpack_entry(NULL, data_fd, ent, s->dirfd, s->flags, err);
  const char *name = archive_entry_pathname(ent);
  if (archive_write_header(s->tar, ent) < ARCHIVE_WARN)
    return arch_err(err, s->tar, name);
  if (data_fd >= 0 && hutch_archive_write_fd(s->tar, data_fd, name, NULL, err) < 0)
    return -1;
  if (archive_write_finish_entry(s->tar) < ARCHIVE_WARN)
    return arch_err(err, s->tar, name);
  return 0;
}

/* ---- reading a tree through fds ---- */

/* Kernel views, not files: a running container's root holds its /proc
 * and /sys, which a copy of "/" must not descend into. */
static bool pseudo_fs(int fd) {
  struct statfs sf;
  if (fstatfs(fd, &sf) < 0)
    return true;
  switch ((unsigned long)sf.f_type) {
  case PROC_SUPER_MAGIC:
  case SYSFS_MAGIC:
  case CGROUP_SUPER_MAGIC:
  case CGROUP2_SUPER_MAGIC:
  case DEVPTS_SUPER_MAGIC:
  case DEBUGFS_MAGIC:
  case TRACEFS_MAGIC:
  case SECURITYFS_MAGIC:
  case BPF_FS_MAGIC:
    return true;
  default:
    return false;
  }
}

static void add_xattrs(int fd, struct archive_entry *ent) {
  char names[4096];
  ssize_t n = flistxattr(fd, names, sizeof(names));
  for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
    char val[4096];
    ssize_t vl = fgetxattr(fd, names + i, val, sizeof(val));
    if (vl >= 0)
      archive_entry_xattr_add_entry(ent, names + i, val, (size_t)vl);
  }
}

/* Deep enough for any real tree; a bound keeps a hostile one from taking
 * all our fds or stack. */
#define WALK_MAX_DEPTH 256

static int walk_fd(int fd, const char *name, struct sink *s, int depth, struct hutch_error **err);

/* A stream of the directory at fd (O_PATH will do); NULL and errno. */
static DIR *dir_stream(int fd) {
  int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
  if (!d && dfd >= 0) {
    int e = errno;
    close(dfd);
    errno = e;
  }
  return d;
}

/* What is below the directory at fd, named under prefix. Each name is
 * opened O_NOFOLLOW relative to the directory's fd: a name swapped for a
 * symlink since readdir is copied as that link, never followed. */
static int walk_dir(int fd, const char *prefix, struct sink *s, int depth,
                    struct hutch_error **err) {
  _cleanup_closedir_ DIR *d = dir_stream(fd);
  if (!d)
    return hutch_error_set(err, errno, "open %s", *prefix ? prefix : "/");
  struct dirent *de;
  while ((errno = 0, de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    _cleanup_free_ char *child = NULL;
    if (asprintf(&child, "%s%s%s", prefix, *prefix ? "/" : "", de->d_name) < 0)
      return hutch_error_set(err, ENOMEM, "copy");
    _cleanup_close_ int cfd = openat(dirfd(d), de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (cfd < 0 && errno == ENOENT)
      continue; /* removed since readdir */
    if (cfd < 0)
      return hutch_error_set(err, errno, "open %s", child);
    if (walk_fd(cfd, child, s, depth + 1, err) < 0)
      return -1;
  }
  if (errno != 0)
    return hutch_error_set(err, errno, "read %s", prefix);
  return 0;
}

/* The object at fd (an O_PATH fd, not followed if a symlink) as entry
 * name, and what is below it; name "" copies a directory's content. */
static int walk_fd(int fd, const char *name, struct sink *s, int depth, struct hutch_error **err) {
  if (depth > WALK_MAX_DEPTH)
    return hutch_error_set(err, ELOOP, "%s: directories nested too deep", name);
  struct stat st;
  if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
    return hutch_error_set(err, errno, "stat %s", name);
  if (S_ISSOCK(st.st_mode) || (S_ISDIR(st.st_mode) && depth > 0 && pseudo_fs(fd)))
    return 0;
  _cleanup_entry_ struct archive_entry *ent = archive_entry_new();
  _cleanup_close_ int data = -EBADF;
  if (!ent)
    return hutch_error_set(err, ENOMEM, "copy");
  if (hutch_archive_entry_at(fd, &st, name, ent, &data, err) < 0)
    return -1;
  if (data >= 0)
    add_xattrs(data, ent);
  if (*name && sink_put(s, ent, S_ISREG(st.st_mode) ? data : -EBADF, err) < 0)
    return -1;
  return S_ISDIR(st.st_mode) ? walk_dir(fd, name, s, depth, err) : 0;
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

/* The tree at fd as a tar stream on out_fd. */
static int tar_tree(int fd, const char *name, int out_fd, struct hutch_error **err) {
  _cleanup_archive_ struct archive *out = tar_writer(out_fd, err);
  struct sink s = {.tar = out};
  if (!out || walk_fd(fd, name, &s, 0, err) < 0)
    return -1;
  if (archive_write_close(out) != ARCHIVE_OK)
    return arch_err(err, out, "write tar");
  return 0;
}

/* A tar stream from in_fd extracted below dirfd: only the decompressors
 * hutch supports (never an external program), entries contained. */
static int untar(int in_fd, int dirfd, unsigned flags, struct hutch_error **err) {
  _cleanup_archive_ struct archive *in = archive_read_new();
  if (!in)
    return hutch_error_set(err, ENOMEM, "archive");
  archive_read_support_format_tar(in);
  archive_read_support_format_gnutar(in);
  if (hutch_archive_read_open_fd(in, in_fd, err) < 0)
    return hutch_error_wrap(err, "read tar");
  for (;;) {
    struct archive_entry *ent;
    int r = archive_read_next_header(in, &ent);
    if (r == ARCHIVE_EOF)
      return 0;
    if (r < ARCHIVE_WARN)
      return arch_err(err, in, "read tar");
    if (hutch_unpack_entry(in, -EBADF, ent, dirfd, flags, err) < 0)
      return -1;
  }
}

/* ---- the container as its processes see it ---- */

typedef int (*view_fn)(int rootfd, void *ud, struct hutch_error **err);

/* A running container's root: its init's /proc/PID/root, every bind mount
 * and volume in place. The pidfd, taken before the record's start time
 * is checked and probed after the open, proves that the root we hold is
 * that init's and not a reused pid's. -ESRCH: not running (any more). */
static int running_root(struct hutch_ctr *c) {
  pid_t pid = c->st.pid;
  _cleanup_close_ int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -EBADF;
  if (pidfd < 0 || !hutch_ctr_running(c))
    return -ESRCH;
  char p[64];
  snprintf(p, sizeof(p), "/proc/%d/root", (int)pid);
  int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -ESRCH;
  if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) {
    close(fd);
    return -ESRCH;
  }
  hutch_debug("cp: the container's view is /proc/%d/root", (int)pid);
  return fd;
}

/* docker pauses the container for a copy: a process that cannot run
 * cannot swap paths under the walk. Without a freezer the fd-based
 * resolution still holds, so a failed pause is a warning. The signals
 * that would end us while it is frozen wait until it runs again. */
static int run_frozen(struct hutch_engine *e, struct hutch_ctr *c, int rootfd, view_fn fn, void *ud,
                      struct hutch_error **err) {
  bool froze = false;
  if (strcmp(hutch_ctr_status(e, c), "running") == 0) {
    _cleanup_error_ struct hutch_error *perr = NULL;
    if (hutch_rt_pause(e, c->cfg.runtime_path, c->id, &perr) == 0)
      froze = true;
    else
      hutch_warn("cp: pause %.12s: %s, ignoring (paths are still resolved inside the container)",
                 c->id, perr && perr->msg ? perr->msg : "failed");
  }
  static const int ending[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,
                               SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2};
  sigset_t block, old;
  sigemptyset(&block);
  sigemptyset(&old);
  for (size_t i = 0; i < ARRAY_SIZE(ending); i++)
    sigaddset(&block, ending[i]);
  if (froze)
    sigprocmask(SIG_BLOCK, &block, &old);
  hutch_debug("cp: %s", froze ? "container frozen for the copy" : "container not frozen");
  int r = fn(rootfd, ud, err);
  if (froze) {
    _cleanup_error_ struct hutch_error *rerr = NULL;
    if (hutch_rt_resume(e, c->cfg.runtime_path, c->id, &rerr) < 0 && r == 0)
      r = hutch_error_set(err, rerr ? rerr->errnum : 0, "cp: resume the container: %s",
                          rerr && rerr->msg ? rerr->msg : "failed");
    sigprocmask(SIG_SETMASK, &old, NULL);
  }
  return r;
}

/* The binds the runtime makes under /dev, /proc and /sys land on
 * filesystems a stopped container does not have. */
static bool view_skips(const char *dest) {
  static const char *const pseudo[] = {"/dev", "/proc", "/sys"};
  while (dest[0] == '/' && dest[1] == '/')
    dest++;
  for (size_t i = 0; i < ARRAY_SIZE(pseudo); i++) {
    size_t n = strlen(pseudo[i]);
    if (strncmp(dest, pseudo[i], n) == 0 && (dest[n] == '\0' || dest[n] == '/'))
      return true;
  }
  return false;
}

/* One bind of the container's spec onto the rootfs, as the runtime does
 * at start: the target resolved in root, both ends by fd. */
static int bind_into(int rootfd, const struct spec_mount *m, struct hutch_error **err) {
  _cleanup_close_ int src = open(m->source, O_PATH | O_CLOEXEC);
  struct stat st;
  if (src < 0 || fstat(src, &st) < 0)
    return hutch_error_set(err, errno, "bind source %s", m->source);
  _cleanup_close_ int dst =
      hutch_mkmount_target_in_root(rootfd, m->destination, S_ISDIR(st.st_mode));
  if (dst < 0)
    return hutch_error_set(err, dst, "mount target %s", m->destination);
  char sp[32], dp[32];
  if (mount(hutch_fd_path(src, sp), hutch_fd_path(dst, dp), NULL, MS_BIND | MS_REC, NULL) < 0)
    return hutch_error_set(err, errno, "bind %s on %s", m->source, m->destination);
  hutch_debug("cp: mount --rbind %s on %s", m->source, m->destination);
  if (!(m->flags & MS_RDONLY))
    return 0;
  _cleanup_close_ int top = hutch_open_in_root(rootfd, m->destination, O_PATH, 0);
  if (top < 0 ||
      mount(NULL, hutch_fd_path(top, dp), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
    return hutch_error_set(err, top < 0 ? top : errno, "read-only %s", m->destination);
  return 0;
}

/* In the child: a private mount namespace, the rootfs with its binds. */
static int stopped_view_child(const char *merged, const struct spec *sp, view_fn fn, void *ud,
                              struct hutch_error **err) {
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return hutch_error_set(err, errno, "a private mount namespace for the copy");
  /* opened after unshare: mounts go on this namespace's copy */
  _cleanup_close_ int rootfd = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return hutch_error_set(err, errno, "open %s", merged);
  for (size_t i = 0; i < sp->n_mounts; i++)
    if (sp->mounts[i].bind && !view_skips(sp->mounts[i].destination) &&
        bind_into(rootfd, &sp->mounts[i], err) < 0)
      return hutch_error_wrap(err, "the container's mounts");
  return fn(rootfd, ud, err);
}

/* The child's error, as "errno message", back through fd. */
static int child_result(pid_t pid, int fd, struct hutch_error **err) {
  char buf[4096];
  size_t n = 0;
  ssize_t r;
  while (n < sizeof(buf) - 1 &&
         ((r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0 || (r < 0 && errno == EINTR)))
    n += r > 0 ? (size_t)r : 0;
  buf[n] = '\0';
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  int errnum = 0, off = 0;
  if (n > 0 && sscanf(buf, "%d %n", &errnum, &off) >= 1 && off > 0)
    return hutch_error_set(err, errnum, "%s", buf + off);
  return hutch_error_set(err, 0, "copy process %s %d",
                         WIFSIGNALED(status) ? "killed by signal" : "exited with",
                         WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

/* A stopped container: in a child with its own mount namespace (so no
 * mount is ever left behind, whatever happens to us), the merged rootfs
 * with the binds and volumes of its config.json. */
static int stopped_view(struct hutch_engine *e, struct hutch_ctr *c, view_fn fn, void *ud,
                        struct hutch_error **err) {
  _cleanup_free_ char *merged = NULL, *cfg = NULL;
  if (hutch_ctr_mount_rootfs(e, c, &merged, err) < 0)
    return -1;
  _cleanup_spec_ struct spec *sp = NULL;
  if (asprintf(&cfg, "%s/config.json", c->dir) < 0)
    return hutch_error_set(err, ENOMEM, "copy");
  if (hutch_spec_load(cfg, &sp, err) < 0)
    return hutch_error_wrap(err, "the container's mounts");
  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC) < 0)
    return hutch_error_set(err, errno, "pipe");
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(pfd[0]);
    close(pfd[1]);
    return hutch_error_set(err, errno, "fork");
  }
  if (pid == 0) {
    close(pfd[0]);
    struct hutch_error *cerr = NULL;
    if (stopped_view_child(merged, sp, fn, ud, &cerr) == 0)
      _exit(0);
    dprintf(pfd[1], "%d %s", cerr ? cerr->errnum : 0,
            cerr && cerr->msg ? cerr->msg : "copy failed");
    _exit(1);
  }
  close(pfd[1]);
  _cleanup_close_ int rfd = pfd[0];
  return child_result(pid, rfd, err);
}

static int with_view(struct hutch_engine *e, struct hutch_ctr *c, view_fn fn, void *ud,
                     struct hutch_error **err) {
  _cleanup_close_ int rootfd = running_root(c);
  if (rootfd >= 0)
    return run_frozen(e, c, rootfd, fn, ud, err);
  return stopped_view(e, c, fn, ud, err);
}

/* ---- cp ---- */

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
 * on the destination side to an O_PATH fd (following symlinks, inside
 * the container on its side: "/link/" to a directory is that directory). */
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
  size_t dl = strlen(dst);
  if (fd == -ENOENT && dl > 0 && dst[dl - 1] == '/')
    return hutch_error_set(err, ENOENT, "destination directory %s does not exist", dst);
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
  (void)ud;
  int fd = open(p, O_PATH | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

static int open_ctr(void *ud, const char *p) {
  return hutch_open_in_root(*(int *)ud, p, O_PATH, 0);
}

/* The source: the final component is not followed (docker cp copies a
 * link as a link) unless -L, or "SRC/." which names the directory. */
static int open_source(int rootfd, const char *src, bool follow, struct hutch_error **err) {
  int flags = O_PATH | (follow || wants_content(src) ? 0 : O_NOFOLLOW);
  int fd = rootfd >= 0 ? hutch_open_in_root(rootfd, src, flags, 0) : open(src, flags | O_CLOEXEC);
  if (rootfd < 0 && fd < 0)
    fd = -errno;
  if (fd < 0)
    return hutch_error_set(err, fd, "copy: %s", src);
  return fd;
}

/* Never into /proc, /sys and the like of a running container. */
static int check_writable(int dfd, const char *dst, struct hutch_error **err) {
  if (pseudo_fs(dfd))
    return hutch_error_set(err, EPERM, "copy: %s is not a regular filesystem", dst);
  return 0;
}

struct cp_job {
  const char *src, *dst; /* NULL: a tar stream on fd */
  int fd;
  const struct hutch_cp_opts *o;
};

static unsigned cp_flags(const struct cp_job *j, bool tar) {
  /* docker keeps owners with -a, and for a tar stream */
  return HUTCH_UNPACK_KEEP_DIRS | ((tar || (j->o && j->o->archive)) ? HUTCH_UNPACK_OWNER : 0);
}

static int copy_out_at(int rootfd, void *ud, struct hutch_error **err) {
  struct cp_job *j = ud;
  _cleanup_close_ int sfd = open_source(rootfd, j->src, j->o && j->o->follow, err);
  if (sfd < 0)
    return -1;
  if (!j->dst) {
    _cleanup_free_ char *name = wants_content(j->src) ? strdup("") : base_name(j->src);
    return name ? tar_tree(sfd, name, j->fd, err) : hutch_error_set(err, ENOMEM, "copy");
  }
  _cleanup_free_ char *name = NULL;
  _cleanup_close_ int dfd = pick_destination(open_host, NULL, j->src, j->dst, &name, err);
  if (dfd < 0)
    return -1;
  struct sink s = {.dirfd = dfd, .flags = cp_flags(j, false)};
  return walk_fd(sfd, name, &s, 0, err);
}

static int copy_in_at(int rootfd, void *ud, struct hutch_error **err) {
  struct cp_job *j = ud;
  if (!j->src) {
    _cleanup_close_ int dfd = hutch_open_in_root(rootfd, j->dst, O_PATH | O_DIRECTORY, 0);
    if (dfd < 0)
      return hutch_error_set(err, dfd, "copy: destination directory %s", j->dst);
    if (check_writable(dfd, j->dst, err) < 0)
      return -1;
    return untar(j->fd, dfd, cp_flags(j, true), err);
  }
  _cleanup_close_ int sfd = open_source(-EBADF, j->src, j->o && j->o->follow, err);
  if (sfd < 0)
    return -1;
  _cleanup_free_ char *name = NULL;
  _cleanup_close_ int dfd = pick_destination(open_ctr, &rootfd, j->src, j->dst, &name, err);
  if (dfd < 0 || check_writable(dfd, j->dst, err) < 0)
    return -1;
  struct sink s = {.dirfd = dfd, .flags = cp_flags(j, false)};
  return walk_fd(sfd, name, &s, 0, err);
}

int hutch_ctr_copy_out(struct hutch_engine *e, struct hutch_ctr *c, const char *src,
                       const char *dst, int out_fd, const struct hutch_cp_opts *o,
                       struct hutch_error **err) {
  struct cp_job j = {.src = src, .dst = dst, .fd = out_fd, .o = o};
  hutch_debug("cp %s:%s to %s", c->id, src, dst ? dst : "a tar stream");
  if (with_view(e, c, copy_out_at, &j, err) < 0)
    return hutch_error_wrap(err, "copy from %s", c->name);
  return 0;
}

struct stat_job {
  const char *path;
  struct hutch_path_stat *out;
};

static int stat_at(int rootfd, void *ud, struct hutch_error **err) {
  struct stat_job *j = ud;
  _cleanup_close_ int fd = open_source(rootfd, j->path, false, err);
  struct stat st;
  if (fd < 0)
    return -1;
  if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0)
    return hutch_error_set(err, errno, "stat %s", j->path);
  _cleanup_free_ char *name = base_name(j->path);
  snprintf(j->out->name, sizeof(j->out->name), "%s", name ? name : "");
  j->out->size = st.st_size;
  j->out->mode = st.st_mode;
  j->out->mtime = st.st_mtim.tv_sec;
  j->out->link_target[0] = '\0';
  if (S_ISLNK(st.st_mode)) {
    ssize_t n = readlinkat(fd, "", j->out->link_target, sizeof(j->out->link_target) - 1);
    j->out->link_target[n > 0 ? n : 0] = '\0';
  }
  return 0;
}

int hutch_ctr_path_stat(struct hutch_engine *e, struct hutch_ctr *c, const char *path,
                        struct hutch_path_stat *out, struct hutch_error **err) {
  struct stat_job j = {.path = path, .out = out};
  if (with_view(e, c, stat_at, &j, err) < 0)
    return hutch_error_wrap(err, "stat in %s", c->name);
  return 0;
}

int hutch_ctr_copy_in(struct hutch_engine *e, struct hutch_ctr *c, const char *src, int in_fd,
                      const char *dst, const struct hutch_cp_opts *o, struct hutch_error **err) {
  struct cp_job j = {.src = src, .dst = dst, .fd = in_fd, .o = o};
  hutch_debug("cp %s to %s:%s", src ? src : "a tar stream", c->id, dst);
  if (with_view(e, c, copy_in_at, &j, err) < 0)
    return hutch_error_wrap(err, "copy into %s", c->name);
  return 0;
}

/* ---- export, volume copy-up ---- */

int hutch_ctr_export(struct hutch_engine *e, struct hutch_ctr *c, int fd,
                     struct hutch_error **err) {
  _cleanup_free_ char *merged = NULL;
  if (hutch_ctr_mount_rootfs(e, c, &merged, err) < 0)
    return -1;
  _cleanup_close_ int rootfd = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return hutch_error_set(err, errno, "open %s", merged);
  if (tar_tree(rootfd, "", fd, err) < 0)
    return hutch_error_wrap(err, "export %s", c->name);
  return 0;
}

int hutch_volume_copy_up(const char *rootfs, const char *path, const char *data_dir,
                         struct hutch_error **err) {
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
  struct sink s = {.dirfd = dfd, .flags = HUTCH_UNPACK_OWNER};
  if (walk_fd(sfd, "", &s, 0, err) < 0)
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
  _cleanup_closedir_ DIR *d = dir_stream(dirfd);
  if (!d)
    return hutch_error_set(err, errno, "open upper dir %s", *rel ? rel : "/");
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
    char kind = S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0) ? 'D'
                : in_image(w, path)                                ? 'C'
                                                                   : 'A';
    if (asprintf(&line, "%c %s", kind, path) < 0 || hutch_strv_push(&w->out, line) < 0)
      return hutch_error_set(err, ENOMEM, "diff");
    if (S_ISDIR(st.st_mode)) {
      _cleanup_close_ int sub =
          openat(dirfd, de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
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

int hutch_ctr_diff(struct hutch_engine *e, struct hutch_ctr *c, char ***changes,
                   struct hutch_error **err) {
  struct diff_walk w = {0};
  _cleanup_strv_ char **layers = hutch_ctr_layer_dirs(c, false);
  if (!layers)
    return hutch_error_set(err, ENOMEM, "diff");
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
