/* A container's rootfs: overlayfs with the image's layers as lowerdirs
 * (top layer first in the option string) and a per-container upper and
 * work dir. The mount data is limited to a page, so when the layers share
 * a parent directory (they do: the store's layers/sha256/) the mount is
 * made from inside it with short relative names, as docker's overlay2
 * driver does with its l/ links. */
#include "engine.h"

#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
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

int hutch_overlay_mount(char *const *layer_dirs, size_t n, const char *upper, const char *work,
                        const char *merged, struct hutch_error **err) {
  if (n == 0)
    return hutch_error_set(err, EINVAL, "image has no layers");
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

int hutch_overlay_umount(const char *merged, struct hutch_error **err) {
  if (!hutch_is_mountpoint(merged))
    return 0;
  hutch_debug("umount %s", merged);
  if (umount2(merged, 0) < 0 && umount2(merged, MNT_DETACH) < 0 && errno != EINVAL &&
      errno != ENOENT)
    return hutch_error_set(err, errno, "umount %s", merged);
  return 0;
}
