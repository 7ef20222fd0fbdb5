/* Persistent network namespaces; see netns.h.
 *
 * Unlike `ip netns`, we do not turn the directory into a shared mount:
 * the only other mount namespaces that copy these bind mounts are our own
 * containers', and those drop the copies with the old root after
 * pivot_root, so nothing pins a deleted namespace. */
#include "netns.h"

#include "netlink.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs in the forked child: a new namespace, loopback up, then pin it.
 * Returns a positive errno for the exit status. */
static int child_make_netns(const char *path) {
  if (unshare(CLONE_NEWNET) < 0)
    return errno;
  struct hutch_nl *nl = NULL;
  int r = hutch_nl_open(&nl);
  if (r < 0)
    return -r;
  int lo = hutch_nl_link_index(nl, "lo");
  r = lo < 0 ? lo : hutch_nl_link_set_up(nl, lo);
  hutch_nl_close(nl);
  if (r < 0)
    return -r;
  if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
    return errno;
  return 0;
}

int hutch_netns_create(const char *dir, const char *name, char **out_path,
                       struct hutch_error **err) {
  if (strchr(name, '/') || name[0] == '.' || name[0] == '\0')
    return hutch_error_set(err, EINVAL, "netns name \"%s\" is not a plain name", name);
  int r = hutch_mkdir_p(dir, 0755);
  if (r < 0)
    return hutch_error_set(err, r, "create %s", dir);
  _cleanup_free_ char *path = NULL;
  if (asprintf(&path, "%s/%s", dir, name) < 0)
    return hutch_error_set(err, ENOMEM, "netns path");
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0)
    return hutch_error_set(err, errno, "create netns file %s", path);
  hutch_debug("unshare(CLONE_NEWNET) in a child, bind /proc/self/ns/net on %s", path);
  /* A child does the unshare so this process (possibly threaded) never
   * changes namespace; it shares our mount namespace, so its bind mount is
   * ours too. */
  pid_t pid = fork();
  if (pid < 0) {
    r = -errno;
    unlink(path);
    return hutch_error_set(err, r, "fork for netns %s", path);
  }
  if (pid == 0)
    _exit(child_make_netns(path));
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      r = -errno;
      unlink(path);
      return hutch_error_set(err, r, "wait for netns child");
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    int e = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
    umount2(path, MNT_DETACH);
    unlink(path);
    return hutch_error_set(err, e, "create network namespace %s", path);
  }
  *out_path = TAKE_PTR(path);
  return 0;
}

int hutch_netns_delete(const char *path, struct hutch_error **err) {
  hutch_debug("umount and unlink netns %s", path);
  if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
    return hutch_error_set(err, errno, "unmount netns %s", path);
  if (unlink(path) < 0 && errno != ENOENT)
    return hutch_error_set(err, errno, "remove netns %s", path);
  return 0;
}

int hutch_netns_open(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  /* An unmounted file (namespace gone) is a plain empty file: refuse it
   * rather than configure the wrong namespace. */
  int type = ioctl(fd, NS_GET_NSTYPE);
  if (type != CLONE_NEWNET) {
    close(fd);
    return -EINVAL;
  }
  return fd;
}
