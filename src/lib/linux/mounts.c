/* Spec mounts inside the rootfs: bind mounts (idmapped ones arrive as
 * detached trees prepared by the parent, see idmap.c), other filesystems,
 * their remount flags and propagation, the recursive mount_setattr options
 * (rro, rnosuid, ...) and tmpcopyup. */
#include "mounts.h"

#include "cgroup.h"
#include "copyup.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#define MS_PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

unsigned long hutch_mount_locked_flags(const char *path) {
  struct statvfs sv;
  unsigned long f = 0;
  if (statvfs(path, &sv) < 0)
    return 0;
  if (sv.f_flag & ST_NOSUID)
    f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    f |= MS_NOEXEC;
  if (sv.f_flag & ST_RDONLY)
    f |= MS_RDONLY;
  if (sv.f_flag & ST_NOATIME)
    f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME)
    f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME)
    f |= MS_RELATIME;
  return f;
}

/* After a mount on /proc/self/fd/N, that fd still names the directory
 * *under* the new mount; anything done to "the mount" (remount flags,
 * propagation) must go through a fresh resolution of the destination. */
static int reopen_target(const struct mount_ctx *ctx, const char *dest, char buf[static 32],
                         int *fd, struct hutch_error **err) {
  int nfd = hutch_open_in_root(ctx->rootfd, dest, O_PATH, 0);
  if (nfd < 0)
    return hutch_error_set(err, nfd, "reopen mount target %s", dest);
  if (*fd >= 0)
    close(*fd);
  *fd = nfd;
  hutch_fd_path(nfd, buf);
  return 0;
}

/* Is NAME=... one of the comma-separated options in data? */
static bool data_has(const char *data, const char *name) {
  size_t n = strlen(name);
  for (const char *p = data; p && *p;) {
    if (strncmp(p, name, n) == 0 && p[n] == '=')
      return true;
    p = strchr(p, ',');
    p = p ? p + 1 : NULL;
  }
  return false;
}

/* DATA without its NAME=... options, in BUF. */
static const char *data_without(const char *data, const char *name, char *buf, size_t len) {
  size_t n = strlen(name), w = 0;
  buf[0] = '\0';
  for (const char *p = data; p && *p;) {
    const char *end = strchr(p, ',');
    size_t l = end ? (size_t)(end - p) : strlen(p);
    if (!(strncmp(p, name, n) == 0 && p[n] == '=') && w + l + 2 <= len) {
      w += (size_t)snprintf(buf + w, len - w, "%s%.*s", w ? "," : "", (int)l, p);
    }
    p = end ? end + 1 : NULL;
  }
  return buf;
}

/* tree_fd: a detached clone of the source made by the runtime's parent
 * (idmap.c: idmapped, or opened before entering a user namespace), moved
 * into place instead of a bind; -EBADF for a plain bind. */
static int do_bind(const struct mount_ctx *ctx, const struct spec_mount *m, int tree_fd,
                   char target[static 32], int *tfd, struct hutch_error **err) {
  if (tree_fd >= 0) {
    hutch_debug("move_mount detached tree of %s on %s", m->source, m->destination);
    /* Onto the resolved target fd itself: move_mount does not follow a
     * /proc/self/fd magic link as a to-path. */
    if (move_mount(tree_fd, "", *tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
      return hutch_error_set(err, errno, "move the mount of %s (opened by the runtime) on %s",
                             m->source, m->destination);
  } else {
    unsigned long flags = MS_BIND | (m->recursive_bind ? MS_REC : 0);
    hutch_debug("mount %s on %s (%s)", m->source, m->destination,
                m->recursive_bind ? "rbind" : "bind");
    if (mount(m->source, target, NULL, flags, NULL) < 0)
      return hutch_error_set(err, errno, "bind mount %s on %s", m->source, m->destination);
  }
  /* A bind mount takes its flags only from a remount; keep the flags the
   * kernel locks (inside a user namespace they cannot be cleared). */
  unsigned long want = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | MS_PROPAGATION);
  if (want) {
    if (reopen_target(ctx, m->destination, target, tfd, err) < 0)
      return -1;
    unsigned long keep = hutch_mount_locked_flags(target) & ~m->clear_flags;
    hutch_debug("remount %s bind flags=0x%lx", m->destination, want | keep);
    if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | want | keep, NULL) < 0) {
      int e = errno;
      /* EPERM: a flag of the source the kernel locks (fuse, sshfs, a mount
       * from a more privileged user namespace) was cleared. Retry keeping
       * every flag the source has, as runc does. */
      if (e != EPERM)
        return hutch_error_set(err, e, "remount %s with its options", m->destination);
      unsigned long src = hutch_mount_locked_flags(target);
      if (tree_fd < 0 && m->source)
        src |= hutch_mount_locked_flags(m->source);
      hutch_debug("remount %s: EPERM, retry keeping the source's flags 0x%lx", m->destination, src);
      if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | want | keep | src, NULL) < 0)
        return hutch_error_set(err, errno,
                               "remount %s with its options (also keeping the source's flags "
                               "0x%lx)",
                               m->destination, src);
    }
  }
  return 0;
}

bool hutch_mount_ro_later(const struct spec_mount *m) {
  return !m->bind && (m->flags & MS_RDONLY) && m->type && strcmp(m->type, "tmpfs") == 0 &&
         !m->tmpcopyup;
}

char *hutch_tmpfs_data_with_mode(const char *data, mode_t mode) {
  if (data_has(data, "mode"))
    return NULL;
  char *out = NULL;
  if (asprintf(&out, "mode=%04o%s%s", (unsigned)(mode & 07777), data && *data ? "," : "",
               data && *data ? data : "") < 0)
    return NULL;
  return out;
}

static int mount_at(const struct mount_ctx *ctx, const struct spec_mount *m, const char *type,
                    char target[static 32], int *tfd, struct hutch_error **err);

static int tmp_copyup(const struct mount_ctx *ctx, const struct spec_mount *m, int covered,
                      char target[static 32], int *tfd, struct hutch_error **err) {
  if (reopen_target(ctx, m->destination, target, tfd, err) < 0)
    return -1;
  _cleanup_close_ int dst = openat(*tfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dst < 0)
    return hutch_error_set(err, errno, "tmpcopyup: open the tmpfs on %s", m->destination);
  hutch_debug("tmpcopyup: copy %s into its tmpfs", m->destination);
  /* The tmpfs root takes the covered directory's mode and owner (a fresh
   * tmpfs is 1777 root), unless the options set them. */
  if (!data_has(m->data, "mode") && !data_has(m->data, "uid") && !data_has(m->data, "gid")) {
    int r = hutch_copy_dir_attrs(covered, dst);
    if (r < 0)
      return hutch_error_set(err, r, "tmpcopyup: mode and owner of %s", m->destination);
  }
  int r = hutch_copy_dir_contents(covered, dst);
  if (r < 0)
    return hutch_error_set(err, r, "tmpcopyup: copy the contents of %s into its tmpfs",
                           m->destination);
  if (m->flags & MS_RDONLY) {
    unsigned long f = m->flags & ~(MS_PROPAGATION | MS_REC | MS_REMOUNT | MS_BIND);
    hutch_debug("remount %s read-only after tmpcopyup", m->destination);
    if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | f, NULL) < 0)
      return hutch_error_set(err, errno, "remount %s read-only after tmpcopyup", m->destination);
  }
  return 0;
}

/* rro, rnosuid, ... : mount_setattr(AT_RECURSIVE) on the mount just made,
 * after its remount and propagation, so it also reaches the submounts an
 * rbind brought along. */
static int set_recursive_attrs(const struct mount_ctx *ctx, const struct spec_mount *m,
                               char target[static 32], int *tfd, struct hutch_error **err) {
  if (m->rec_attr_set == 0 && m->rec_attr_clr == 0)
    return 0;
  if (reopen_target(ctx, m->destination, target, tfd, err) < 0)
    return -1;
  struct mount_attr a = {.attr_set = m->rec_attr_set, .attr_clr = m->rec_attr_clr};
  hutch_debug("mount_setattr %s AT_RECURSIVE set=0x%llx clr=0x%llx", m->destination,
              (unsigned long long)a.attr_set, (unsigned long long)a.attr_clr);
  if (mount_setattr(*tfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0) {
    int e = errno;
    if (e == ENOSYS)
      return hutch_error_set(err, e,
                             "mount %s: recursive options (rro, rnosuid, ...) need mount_setattr "
                             "(Linux 5.12)",
                             m->destination);
    return hutch_error_set(err, e, "apply the recursive options of %s", m->destination);
  }
  return 0;
}

/* The bind source: through the tree the runtime opened for us when there
 * is one (its path may be out of our reach in a user namespace). */
static int stat_source(const struct mount_ctx *ctx, const struct spec_mount *m, struct stat *st) {
  if (ctx->idmap_fd >= 0)
    return fstat(ctx->idmap_fd, st);
  return m->source ? stat(m->source, st) : (errno = EINVAL, -1);
}

static bool needs_plain_dir(const char *type) {
  return type && (strcmp(type, "proc") == 0 || strcmp(type, "sysfs") == 0);
}

/* proc and sysfs go on an ordinary directory of the rootfs, never through
 * a symlink there (runc refuses them the same way): a hostile rootfs's
 * /proc -> /somewhere would otherwise get the container a procfs where it
 * chose, or reach outside. */
static int check_plain_dir(const struct mount_ctx *ctx, const struct spec_mount *m,
                           const char *type, struct hutch_error **err) {
  _cleanup_close_ int fd = hutch_open_in_root(ctx->rootfd, m->destination, O_PATH | O_NOFOLLOW, 0);
  if (fd == -ENOENT)
    return 0;
  struct stat st;
  if (fd == -ELOOP || (fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)))
    return hutch_error_set(err, ELOOP,
                           "mount %s: %s in the rootfs is a symlink; filesystem %s must be "
                           "mounted on an ordinary directory, refusing",
                           type, m->destination, type);
  if (fd < 0)
    return hutch_error_set(err, fd, "mount %s: open %s in the rootfs", type, m->destination);
  if (fstat(fd, &st) < 0)
    return hutch_error_set(err, errno, "mount %s: stat %s in the rootfs", type, m->destination);
  if (!S_ISDIR(st.st_mode))
    return hutch_error_set(err, ENOTDIR,
                           "mount %s: %s in the rootfs is not a directory (mode 0%o); filesystem "
                           "%s must be mounted on an ordinary directory, refusing",
                           type, m->destination, (unsigned)st.st_mode, type);
  return 0;
}

/* A tmpfs takes the mode of the directory it covers (its sticky, setgid
 * bits too), as runc does, unless its options set one: *out gets the
 * data with mode= in front, or stays NULL. */
static int tmpfs_mode_data(const struct mount_ctx *ctx, const struct spec_mount *m,
                           const char *type, char **out, struct hutch_error **err) {
  *out = NULL;
  if (!type || strcmp(type, "tmpfs") != 0 || m->tmpcopyup || data_has(m->data, "mode"))
    return 0;
  _cleanup_close_ int fd = hutch_open_in_root(ctx->rootfd, m->destination, O_PATH, 0);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
    return 0; /* created below with the default mode */
  *out = hutch_tmpfs_data_with_mode(m->data, st.st_mode);
  if (*out == NULL)
    return hutch_error_set(err, ENOMEM, "mount tmpfs on %s: options", m->destination);
  return 0;
}

int hutch_mount_one(const struct mount_ctx *ctx, const struct spec_mount *m,
                    struct hutch_error **err) {
  const char *type = m->type ? m->type : (m->bind ? "bind" : NULL);
  bool is_dir = true;
  if (m->bind) {
    struct stat st;
    if (m->source == NULL || stat_source(ctx, m, &st) < 0)
      return hutch_error_set(err, m->source ? errno : EINVAL, "mount %s: source %s", m->destination,
                             m->source ? m->source : "(none)");
    is_dir = S_ISDIR(st.st_mode);
  }
  if (needs_plain_dir(type) && check_plain_dir(ctx, m, type, err) < 0)
    return -1;
  _cleanup_free_ char *data = NULL;
  if (tmpfs_mode_data(ctx, m, type, &data, err) < 0)
    return -1;
  struct spec_mount with_mode;
  if (data) {
    with_mode = *m;
    with_mode.data = data;
    m = &with_mode;
  }
  int tfd = hutch_mkmount_target_in_root(ctx->rootfd, m->destination, is_dir);
  if (tfd < 0)
    return hutch_error_set(err, tfd, "create mount target %s in the rootfs", m->destination);
  char target[32];
  hutch_fd_path(tfd, target);
  int r = mount_at(ctx, m, type, target, &tfd, err);
  if (tfd >= 0)
    close(tfd);
  return r;
}

static int mount_at(const struct mount_ctx *ctx, const struct spec_mount *m, const char *type,
                    char target[static 32], int *tfd, struct hutch_error **err) {

  int r = 0;
  if (m->bind) {
    r = do_bind(ctx, m, ctx->idmap_fd, target, tfd, err);
  } else if (type && strcmp(type, "cgroup") == 0) {
    if (ctx->cgroup == NULL)
      return 0;
    r = hutch_cgroup_mount_in_container(ctx->cgroup, ctx->rootfd, !(m->flags & MS_RDONLY),
                                        ctx->cgroupns, err);
  } else {
    unsigned long flags = m->flags & ~(MS_PROPAGATION | MS_REC);
    const char *src = m->source ? m->source : type;
    bool copyup = m->tmpcopyup && type && strcmp(type, "tmpfs") == 0;
    /* A read-only tmpfs (/dev with "ro") is made read-only at the end
     * (hutch_rootfs_finish), as runc does: the mounts and nodes under it
     * need it writable until then. */
    if (hutch_mount_ro_later(m))
      flags &= ~MS_RDONLY;
    _cleanup_close_ int covered = -EBADF;
    if (m->tmpcopyup && !copyup)
      hutch_warn("mount %s: tmpcopyup applies to tmpfs mounts only, ignoring", m->destination);
    if (copyup) {
      /* The directory the tmpfs is about to cover: once mounted, only this
       * fd still reaches it. The copy needs a writable tmpfs; a read-only
       * one is made read-only after it. */
      covered = openat(*tfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (covered < 0)
        return hutch_error_set(err, errno, "tmpcopyup: open %s", m->destination);
      flags &= ~MS_RDONLY;
    }
    hutch_debug("mount %s (%s) on %s flags=0x%lx data=%s", src, type ? type : "?", m->destination,
                flags, m->data ? m->data : "");
    if (mount(src, target, type, flags, m->data) < 0) {
      int e = errno;
      /* Without its own network namespace (or inside a user namespace) the
       * kernel refuses a fresh sysfs: bind the host's instead, read-only as
       * asked. */
      if (type && strcmp(type, "sysfs") == 0 && (e == EPERM || e == EBUSY)) {
        hutch_debug("sysfs refused (%s), binding /sys instead", strerror(e));
        struct spec_mount b = *m;
        b.source = (char *)"/sys";
        b.bind = true;
        b.recursive_bind = true;
        b.flags |= MS_NOSUID | MS_NODEV | MS_NOEXEC;
        r = do_bind(ctx, &b, -EBADF, target, tfd, err);
      } else if (type && strcmp(type, "devpts") == 0 && e == EINVAL && data_has(m->data, "gid")) {
        /* gid=5 (tty) unmapped in a user namespace with a single id, as
         * runc does: the pty group then is the container's root group */
        char data[256];
        data_without(m->data, "gid", data, sizeof(data));
        hutch_debug("devpts refused gid= (EINVAL): mount with data=%s", data);
        if (mount(src, target, type, flags, data) < 0)
          return hutch_error_set(err, errno, "mount devpts on %s", m->destination);
      } else if (type && strcmp(type, "mqueue") == 0 && (e == EPERM || e == EINVAL) &&
                 ctx->userns) {
        struct spec_mount b = *m;
        b.source = (char *)"/dev/mqueue";
        b.bind = true;
        b.recursive_bind = true;
        r = do_bind(ctx, &b, -EBADF, target, tfd, err);
      } else {
        return hutch_error_set(err, e, "mount %s on %s", type ? type : src, m->destination);
      }
    }
    if (r == 0 && copyup && tmp_copyup(ctx, m, covered, target, tfd, err) < 0)
      return -1;
  }
  if (r < 0)
    return r;
  if (m->propagation) {
    if (reopen_target(ctx, m->destination, target, tfd, err) < 0)
      return -1;
    hutch_debug("mount propagation 0x%lx on %s", m->propagation, m->destination);
    if (mount(NULL, target, NULL, m->propagation, NULL) < 0)
      return hutch_error_set(err, errno, "set propagation of %s", m->destination);
  }
  return set_recursive_attrs(ctx, m, target, tfd, err);
}
