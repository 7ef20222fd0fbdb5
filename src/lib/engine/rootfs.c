/* A container's rootfs: overlayfs with the image's layers as lower dirs
 * (top layer first) and a per-container upper and work dir.
 *
 * The mount is made through the new mount API: fsopen("overlay"), one
 * fsconfig "lowerdir+" per layer (Linux 6.8), upperdir, workdir,
 * FSCONFIG_CMD_CREATE, fsmount and move_mount onto merged. Each layer is
 * its own call, so the one-page limit of mount(2)'s option string does not
 * apply; what bounds an image is overlayfs' own stack limit (500 lower
 * layers, OVL_MAX_STACK), which the kernel reports by name.
 *
 * Without fsopen (ENOSYS) or "lowerdir+" (EINVAL on the first layer) the
 * mount falls back to mount(2) with lowerdir=a:b:c. That string must fit a
 * page, so when the layers share a parent directory (they do: the store's
 * layers/sha256/) it is made from inside it with short relative names, as
 * docker's overlay2 driver does with its l/ links: about 120 layers fit.
 *
 * Also here: the record's LowerDir (the layer dirs, top first, joined by
 * ':') both ways, and the mount of a container's rootfs from its record. */
#include "engine.h"

#include "linux/rootless.h"

#include "util/cleanup.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

bool hutch_is_mountpoint(const char *path) {
  struct stat a, b;
  char parent[4200];
  snprintf(parent, sizeof(parent), "%s/..", path);
  if (stat(path, &a) < 0 || stat(parent, &b) < 0)
    return false;
  if (a.st_dev != b.st_dev)
    return true;
  /* same device (a bind of the same fs): ask mountinfo */
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f)
    return false;
  char line[8192];
  bool found = false;
  size_t plen = strlen(path);
  while (fgets(line, sizeof(line), f)) {
    char *p = line;
    for (int i = 0; i < 4 && p; i++) {
      p = strchr(p, ' ');
      if (p)
        p++;
    }
    if (p && strncmp(p, path, plen) == 0 && p[plen] == ' ') {
      found = true;
      break;
    }
  }
  fclose(f);
  return found;
}

/* The fallback: one lowerdir= string, which mount(2) limits to a page. */
static int overlay_mount_data(char *const *layer_dirs, size_t n, const char *upper,
                              const char *work, const char *merged, struct hutch_error **err) {
  /* Common parent of all layers? */
  _cleanup_free_ char *first = strdup(layer_dirs[0]);
  const char *parent = dirname(first);
  size_t plen = strlen(parent);
  bool common = true;
  for (size_t i = 0; i < n; i++)
    if (strncmp(layer_dirs[i], parent, plen) != 0 || layer_dirs[i][plen] != '/')
      common = false;
  size_t cap = 256 + strlen(upper) + strlen(work);
  for (size_t i = 0; i < n; i++)
    cap += strlen(layer_dirs[i]) + 1;
  _cleanup_free_ char *data = malloc(cap);
  if (!data)
    return hutch_error_set(err, ENOMEM, "overlay options");
  size_t off = (size_t)snprintf(data, cap, "lowerdir=");
  for (size_t i = n; i-- > 0;) {
    const char *l = common ? layer_dirs[i] + plen + 1 : layer_dirs[i];
    off += (size_t)snprintf(data + off, cap - off, "%s%s", l, i ? ":" : "");
  }
  snprintf(data + off, cap - off, ",upperdir=%s,workdir=%s", upper, work);
  /* A single layer as the only lowerdir plus upper is the normal case;
   * overlayfs needs no special handling for it. */
  _cleanup_close_ int cwd = -EBADF;
  if (common) {
    cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cwd < 0 || chdir(parent) < 0)
      return hutch_error_set(err, errno, "overlay: chdir %s", parent);
  }
  hutch_debug("mount overlay on %s (%zu layers)", merged, n);
  int r = mount("overlay", merged, "overlay", 0, data);
  int e = errno;
  if (common && fchdir(cwd) < 0)
    hutch_debug("fchdir back: %s", strerror(errno));
  if (r < 0)
    return hutch_error_set(err, e, "mount overlay on %s (%zu bytes of options)", merged,
                           strlen(data));
  return 0;
}

/* A store layer dir (.../sha256/<hex>) as sha256:<hex>, else its path. */
static const char *layer_name(const char *dir, char *buf, size_t len) {
  const char *base = strrchr(dir, '/');
  if (base && base - dir >= 7 && strncmp(base - 7, "/sha256", 7) == 0) {
    snprintf(buf, len, "sha256:%s", base + 1);
    return buf;
  }
  return dir;
}

/* The kernel's last error message in the fs context's log ("e overlay:
 * too many lower directories, limit is 500"), without the "e ", or "". */
static const char *fs_context_error(int fs, char *buf, size_t len) {
  char msg[512];
  ssize_t r;
  buf[0] = 0;
  while ((r = read(fs, msg, sizeof(msg) - 1)) > 0) {
    msg[r] = 0;
    msg[strcspn(msg, "\n")] = 0;
    if (r > 2 && msg[0] == 'e' && msg[1] == ' ')
      snprintf(buf, len, " (%s)", msg + 2);
  }
  return buf;
}

/* fsconfig(key, value); on failure a structured error naming the step. */
static int fs_set(int fs, const char *key, const char *value, struct hutch_error **err) {
  if (fsconfig(fs, FSCONFIG_SET_STRING, key, value, 0) == 0)
    return 0;
  int e = errno;
  char why[600];
  return hutch_error_set(err, e, "overlay: set %s %s%s", key, value,
                         fs_context_error(fs, why, sizeof(why)));
}

/* One "lowerdir+" per layer, top first. 1: the kernel does not know the
 * key (EINVAL on the first layer): use the lowerdir= string instead. */
static int overlay_add_lowers(int fs, char *const *layer_dirs, size_t n, struct hutch_error **err) {
  for (size_t i = n; i-- > 0;) {
    if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", layer_dirs[i], 0) == 0)
      continue;
    int e = errno;
    char name[128], why[600];
    fs_context_error(fs, why, sizeof(why));
    if (i == n - 1 && e == EINVAL) {
      hutch_debug("overlay: kernel refuses lowerdir+%s; mount(2) with lowerdir=", why);
      return 1;
    }
    return hutch_error_set(err, e, "overlay: add lower layer %s (%zu of %zu)%s",
                           layer_name(layer_dirs[i], name, sizeof(name)), n - i, n, why);
  }
  return 0;
}

/* The new mount API. 1: not available here, use overlay_mount_data(). */
static int overlay_mount_fs(char *const *layer_dirs, size_t n, const char *upper, const char *work,
                            const char *merged, struct hutch_error **err) {
  _cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
  if (fs < 0 && errno == ENOSYS) {
    hutch_debug("overlay: no fsopen (%s); mount(2) with lowerdir=", strerror(errno));
    return 1;
  }
  if (fs < 0)
    return hutch_error_set(err, errno, "overlay: fsopen");
  hutch_debug("mount overlay on %s (%zu layers, lowerdir+)", merged, n);
  int r = overlay_add_lowers(fs, layer_dirs, n, err);
  if (r != 0)
    return r;
  if (fs_set(fs, "upperdir", upper, err) < 0 || fs_set(fs, "workdir", work, err) < 0 ||
      fs_set(fs, "source", "overlay", err) < 0)
    return -1;
  char why[600];
  if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
    int e = errno;
    return hutch_error_set(err, e, "overlay: create (%zu layers)%s", n,
                           fs_context_error(fs, why, sizeof(why)));
  }
  _cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
  if (mnt < 0)
    return hutch_error_set(err, errno, "overlay: fsmount");
  if (move_mount(mnt, "", AT_FDCWD, merged, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return hutch_error_set(err, errno, "overlay: move mount onto %s", merged);
  return 0;
}

/* Rootless, a kernel that refuses overlay in a user namespace (before
 * 5.11: EPERM; without the module: ENODEV) leaves fuse-overlayfs. */
static bool fuse_fallback(const struct hutch_error *e) {
  return hutch_rootless() && e &&
         (e->errnum == EPERM || e->errnum == ENODEV || e->errnum == EINVAL);
}

int hutch_overlay_mount(char *const *layer_dirs, size_t n, const char *upper, const char *work,
                        const char *merged, struct hutch_error **err) {
  if (n == 0)
    return hutch_error_set(err, EINVAL, "image has no layers");
  const char *prog = getenv("HUTCH_MOUNT_PROGRAM");
  if (prog && *prog)
    return hutch_fuse_overlay_mount(prog, layer_dirs, n, upper, work, merged, err);
  struct hutch_error *local = NULL;
  int r = overlay_mount_fs(layer_dirs, n, upper, work, merged, &local);
  if (r == 1)
    r = overlay_mount_data(layer_dirs, n, upper, work, merged, &local);
  if (r < 0 && fuse_fallback(local)) {
    hutch_debug("overlay refused in the user namespace (%s): fuse-overlayfs", local->msg);
    hutch_error_free(local);
    local = NULL;
    r = hutch_fuse_overlay_mount("fuse-overlayfs", layer_dirs, n, upper, work, merged, &local);
    if (r < 0)
      hutch_error_wrap(&local, "overlay refused in the user namespace; fallback");
  }
  if (r < 0) {
    if (err && !*err)
      *err = local;
    else
      hutch_error_free(local);
  }
  return r;
}

int hutch_overlay_umount(const char *merged, struct hutch_error **err) {
  if (!hutch_is_mountpoint(merged))
    return 0;
  hutch_debug("umount %s", merged);
  if (umount2(merged, 0) < 0 && umount2(merged, MNT_DETACH) < 0 && errno != EINVAL &&
      errno != ENOENT)
    return hutch_error_set(err, errno, "umount %s", merged);
  return 0;
}

/* ---- a container's rootfs ---- */

char *hutch_lower_dir_join(char *const *layer_dirs, size_t n) {
  size_t cap = 1;
  for (size_t i = 0; i < n; i++)
    cap += strlen(layer_dirs[i]) + 1;
  char *lower = calloc(1, cap);
  for (size_t i = n; lower && i-- > 0;) {
    strcat(lower, layer_dirs[i]);
    if (i)
      strcat(lower, ":");
  }
  return lower;
}

char **hutch_ctr_layer_dirs(const struct hutch_ctr *c, bool lowest_first) {
  _cleanup_strv_ char **dirs = calloc(1, sizeof(char *));
  _cleanup_free_ char *copy = strdup(c->cfg.lower_dir);
  if (!dirs || !copy)
    return NULL;
  char *save = NULL;
  for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
    if (hutch_strv_push(&dirs, d) < 0)
      return NULL;
  size_t n = hutch_strv_len(dirs);
  for (size_t i = 0; lowest_first && i < n / 2; i++) {
    char *t = dirs[i];
    dirs[i] = dirs[n - 1 - i];
    dirs[n - 1 - i] = t;
  }
  return TAKE_PTR(dirs);
}

int hutch_ctr_mount_rootfs(struct hutch_engine *e, struct hutch_ctr *c, char **merged_out,
                           struct hutch_error **err) {
  _cleanup_free_ char *merged = hutch_ctr_path(c, "merged"), *upper = hutch_ctr_path(c, "upper"),
                      *work = hutch_ctr_path(c, "work");
  if (!merged || !upper || !work)
    return hutch_error_set(err, ENOMEM, "container %.12s: rootfs", c->id);
  if (!hutch_is_mountpoint(merged)) {
    _cleanup_strv_ char **dirs = hutch_ctr_layer_dirs(c, true);
    if (!dirs)
      return hutch_error_set(err, ENOMEM, "container %.12s: rootfs", c->id);
    if (hutch_overlay_mount(dirs, hutch_strv_len(dirs), upper, work, merged, err) < 0)
      return -1;
  }
  if (merged_out)
    *merged_out = TAKE_PTR(merged);
  return 0;
}

/* nftw has no user pointer: the sum of one walk (one thread walks). */
static int64_t rw_total;

static int add_size(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)path, (void)ftw;
  /* docker's directory.Size: the files, a hard-linked one once (its
   * links share its size) */
  if (type != FTW_D && type != FTW_DP)
    rw_total += S_ISREG(st->st_mode) && st->st_nlink > 1 ? st->st_size / (int64_t)st->st_nlink
                                                         : st->st_size;
  return 0;
}

int64_t hutch_ctr_rw_size(const struct hutch_ctr *c) {
  _cleanup_free_ char *upper = hutch_ctr_path(c, "upper");
  rw_total = 0;
  if (!upper || nftw(upper, add_size, 16, FTW_PHYS) < 0)
    return 0;
  return rw_total;
}
