/* Device nodes and /dev symlinks inside the rootfs. */
#include "devices.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const struct spec_device default_devices[] = {
    {.path = (char *)"/dev/null",
     .type = 'c',
     .major = 1,
     .minor = 3,
     .has_file_mode = true,
     .file_mode = 0666},
    {.path = (char *)"/dev/zero",
     .type = 'c',
     .major = 1,
     .minor = 5,
     .has_file_mode = true,
     .file_mode = 0666},
    {.path = (char *)"/dev/full",
     .type = 'c',
     .major = 1,
     .minor = 7,
     .has_file_mode = true,
     .file_mode = 0666},
    {.path = (char *)"/dev/random",
     .type = 'c',
     .major = 1,
     .minor = 8,
     .has_file_mode = true,
     .file_mode = 0666},
    {.path = (char *)"/dev/urandom",
     .type = 'c',
     .major = 1,
     .minor = 9,
     .has_file_mode = true,
     .file_mode = 0666},
    {.path = (char *)"/dev/tty",
     .type = 'c',
     .major = 5,
     .minor = 0,
     .has_file_mode = true,
     .file_mode = 0666},
};

/* runc's default allow-list: mknod of anything; null, zero, full, random,
 * urandom, tty, console, ptmx and the ptys, tun. */
static const struct spec_device_cgroup default_rules[] = {
    {true, 'c', -1, -1, (char *)"m"},    {true, 'b', -1, -1, (char *)"m"},
    {true, 'c', 1, 3, (char *)"rwm"},    {true, 'c', 1, 5, (char *)"rwm"},
    {true, 'c', 1, 7, (char *)"rwm"},    {true, 'c', 1, 8, (char *)"rwm"},
    {true, 'c', 1, 9, (char *)"rwm"},    {true, 'c', 5, 0, (char *)"rwm"},
    {true, 'c', 5, 1, (char *)"rwm"},    {true, 'c', 5, 2, (char *)"rwm"},
    {true, 'c', 136, -1, (char *)"rwm"}, {true, 'c', 10, 200, (char *)"rwm"},
};

struct spec_device_cgroup *hutch_device_rules(const struct spec_resources *r, size_t *n) {
  size_t nd = sizeof(default_rules) / sizeof(default_rules[0]);
  struct spec_device_cgroup *out = calloc(r->n_devices + nd, sizeof(*out));
  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < r->n_devices; i++)
    out[i] = r->devices[i];
  memcpy(out + r->n_devices, default_rules, sizeof(default_rules));
  *n = r->n_devices + nd;
  return out;
}

static int make_device(int rootfd, const struct spec_device *d, bool userns,
                       struct hutch_error **err) {
  /* Parent directory resolved inside the rootfs, node created relative to it. */
  _cleanup_free_ char *parent = strdup(d->path);
  if (parent == NULL)
    return hutch_error_set(err, ENOMEM, "device %s", d->path);
  char *slash = strrchr(parent, '/');
  const char *base = d->path + (slash - parent) + 1;
  *slash = '\0';
  _cleanup_close_ int pfd = hutch_mkdir_in_root(rootfd, parent[0] ? parent : "/", 0755);
  if (pfd < 0)
    return hutch_error_set(err, pfd, "create directory for device %s", d->path);
  _cleanup_close_ int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return hutch_error_set(err, errno, "open directory for device %s", d->path);
  mode_t mode = d->has_file_mode ? d->file_mode : 0666;

  if (userns) {
    /* mknod is refused in a user namespace: bind the host's node. */
    int fd = openat(dfd, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0000);
    if (fd < 0 && errno != EEXIST)
      return hutch_error_set(err, errno, "create %s", d->path);
    if (fd >= 0)
      close(fd);
    _cleanup_close_ int tfd = openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (tfd < 0)
      return hutch_error_set(err, errno, "open %s", d->path);
    char tp[32];
    hutch_debug("bind host %s on %s", d->path, d->path);
    if (mount(d->path, hutch_fd_path(tfd, tp), NULL, MS_BIND, NULL) < 0)
      return hutch_error_set(err, errno, "bind device %s", d->path);
    return 0;
  }

  mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
  dev_t dev = d->type == 'p' ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
  unlinkat(dfd, base, 0);
  hutch_debug("mknod %s %c %lld:%lld mode %o", d->path, d->type, (long long)d->major,
              (long long)d->minor, (unsigned)mode);
  if (mknodat(dfd, base, type | (mode & 07777), dev) < 0)
    return hutch_error_set(err, errno, "mknod %s", d->path);
  /* mknod applies the umask; set the mode the spec asked for exactly. */
  if (fchmodat(dfd, base, mode & 07777, 0) < 0)
    return hutch_error_set(err, errno, "chmod %s", d->path);
  uid_t uid = d->has_uid ? d->uid : 0;
  gid_t gid = d->has_gid ? d->gid : 0;
  if (fchownat(dfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    return hutch_error_set(err, errno, "chown %s", d->path);
  return 0;
}

int hutch_devices_create(int rootfd, const struct spec_linux *l, bool userns,
                         struct hutch_error **err) {
  for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
    bool overridden = false;
    for (size_t j = 0; j < l->n_devices; j++)
      if (strcmp(l->devices[j].path, default_devices[i].path) == 0)
        overridden = true;
    if (!overridden && make_device(rootfd, &default_devices[i], userns, err) < 0)
      return -1;
  }
  for (size_t j = 0; j < l->n_devices; j++)
    if (make_device(rootfd, &l->devices[j], userns, err) < 0)
      return -1;
  return 0;
}

int hutch_devices_symlinks(int rootfd, bool has_pts, struct hutch_error **err) {
  static const char *links[][2] = {
      {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
      {"/proc/self/fd/2", "stderr"}, {"/proc/kcore", "core"},
  };
  _cleanup_close_ int dev = hutch_mkdir_in_root(rootfd, "/dev", 0755);
  if (dev < 0)
    return hutch_error_set(err, dev, "open /dev in the rootfs");
  _cleanup_close_ int dfd = openat(dev, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return hutch_error_set(err, errno, "open /dev in the rootfs");
  for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
    if (symlinkat(links[i][0], dfd, links[i][1]) < 0 && errno != EEXIST)
      return hutch_error_set(err, errno, "symlink /dev/%s", links[i][1]);
  if (has_pts) {
    /* /dev/ptmx must be the container's devpts instance, not the host's. */
    unlinkat(dfd, "ptmx", 0);
    if (symlinkat("pts/ptmx", dfd, "ptmx") < 0)
      return hutch_error_set(err, errno, "symlink /dev/ptmx");
  }
  return 0;
}
