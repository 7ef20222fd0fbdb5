/* --ipc shareable: the container's /dev/shm is a tmpfs the engine mounts
 * on the host (<container dir>/shm), bound into the container, so that a
 * container started with --ipc container:NAME can bind the same one; as
 * docker keeps it (containers/ID/mounts/shm). Mounted by create, again by
 * start when a reboot took it, unmounted by rm. */
#include "engine.h"

#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>

int hutch_ctr_shm_mount(const char *dir, int64_t size, struct hutch_error **err) {
  char p[4200], opts[64];
  snprintf(p, sizeof(p), "%s/shm", dir);
  if (hutch_is_mountpoint(p))
    return 0;
  if (mkdir(p, 0755) < 0 && errno != EEXIST)
    return hutch_error_set(err, errno, "create %s", p);
  snprintf(opts, sizeof(opts), "mode=1777,size=%lld", (long long)(size > 0 ? size : 64LL << 20));
  hutch_debug("mount tmpfs on %s (%s)", p, opts);
  if (mount("shm", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
    return hutch_error_set(err, errno, "mount the shareable /dev/shm on %s", p);
  return 0;
}

void hutch_ctr_shm_umount(const char *dir) {
  char p[4200];
  snprintf(p, sizeof(p), "%s/shm", dir);
  struct hutch_error *err = NULL;
  if (hutch_overlay_umount(p, &err) < 0)
    hutch_warn("%s, ignoring", err && err->msg ? err->msg : "umount shm");
  hutch_error_free(err);
}
