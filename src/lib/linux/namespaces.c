/* Namespaces: clone flags, joining by path, and the namespaces the child
 * creates late (cgroup, time). */
#include "namespaces.h"
#include "rootless.h"

#include "procfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/nsfs.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Joining a user namespace by path: the namespaces made with it must be
 * owned by it, or the container's root has no privilege over them (a
 * mount namespace it cannot mount in, a pid namespace whose /proc it
 * cannot mount). They are unshared in the child once it has joined
 * (hutch_ns_unshare_late); a new pid namespace then takes a fork, which
 * the child makes (hutch_ns_pid_made_late). */
static bool made_after_userns(const struct spec_linux *l, int t) {
  return l->namespaces[SPEC_NS_USER].present && l->namespaces[SPEC_NS_USER].path &&
         (t == SPEC_NS_MOUNT || t == SPEC_NS_UTS || t == SPEC_NS_IPC || t == SPEC_NS_NETWORK ||
          t == SPEC_NS_PID);
}

bool hutch_ns_pid_made_late(const struct spec_linux *l) {
  const struct spec_namespace *p = &l->namespaces[SPEC_NS_PID];
  return p->present && p->path == NULL && made_after_userns(l, SPEC_NS_PID);
}

unsigned long hutch_ns_clone_flags(const struct spec_linux *l) {
  unsigned long flags = 0;
  for (int t = 0; t < SPEC_NS__MAX; t++) {
    if (!l->namespaces[t].present || l->namespaces[t].path)
      continue;
    if (t == SPEC_NS_CGROUP || t == SPEC_NS_TIME || made_after_userns(l, t))
      continue;
    flags |= (unsigned long)hutch_spec_ns_clone_flag((enum spec_ns_type)t);
  }
  return flags;
}

void hutch_ns_close_fds(int fds[SPEC_NS__MAX]) {
  for (int t = 0; t < SPEC_NS__MAX; t++)
    if (fds[t] >= 0) {
      close(fds[t]);
      fds[t] = -EBADF;
    }
}

int hutch_ns_open_paths(const struct spec_linux *l, int fds[SPEC_NS__MAX],
                        struct hutch_error **err) {
  for (int t = 0; t < SPEC_NS__MAX; t++)
    fds[t] = -EBADF;
  for (int t = 0; t < SPEC_NS__MAX; t++) {
    const char *path = l->namespaces[t].path;
    if (!l->namespaces[t].present || path == NULL)
      continue;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      hutch_ns_close_fds(fds);
      return hutch_error_set(err, e, "open %s namespace %s", hutch_spec_ns_name(t), path);
    }
    /* NS_GET_NSTYPE tells whether this really is a namespace of that type;
     * joining the wrong one would silently give the container the wrong
     * isolation. */
    int type = ioctl(fd, NS_GET_NSTYPE);
    if (type >= 0 && type != hutch_spec_ns_clone_flag(t)) {
      close(fd);
      hutch_ns_close_fds(fds);
      return hutch_error_set(err, EINVAL, "linux.namespaces: %s is not a %s namespace", path,
                             hutch_spec_ns_name(t));
    }
    fds[t] = fd;
  }
  return 0;
}

int hutch_ns_join(enum spec_ns_type t, int fd, struct hutch_error **err) {
  /* Once in a container's user or mount namespace, the only /proc to be
   * found may be one the container made: take our procfs handle before
   * (see procfs.h). Failing here is not final; the first write retries. */
  if (t == SPEC_NS_USER || t == SPEC_NS_MOUNT) {
    int r = hutch_procfs_root();
    if (r < 0)
      hutch_debug("procfs handle before setns: %s, ignoring", strerror(-r));
  }
  hutch_debug("setns %s", hutch_spec_ns_name(t));
  if (setns(fd, hutch_spec_ns_clone_flag(t)) < 0)
    return hutch_error_set(err, errno, "join %s namespace", hutch_spec_ns_name(t));
  return 0;
}

int hutch_ns_pid_enter_for_children(int fd, struct hutch_error **err) {
  int own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
  if (own < 0)
    return hutch_error_set(err, errno, "open /proc/self/ns/pid");
  if (hutch_ns_join(SPEC_NS_PID, fd, err) < 0) {
    close(own);
    return -1;
  }
  return own;
}

void hutch_ns_pid_restore(int *saved) {
  if (*saved < 0)
    return;
  /* Allowed, it is the namespace we are in, unless that one belongs to an
   * ancestor user namespace (rootless): our later children then start in
   * the container's pid namespace, which they may as well. */
  if (setns(*saved, CLONE_NEWPID) < 0 && !(errno == EPERM && hutch_rootless()))
    hutch_warn("switch back to our own pid namespace: %s, ignoring", strerror(errno));
  close(*saved);
  *saved = -EBADF;
}

static int write_time_offsets(const struct spec_linux *l, struct hutch_error **err) {
  char buf[128];
  int n = snprintf(buf, sizeof(buf), "monotonic %lld %u\nboottime %lld %u\n",
                   (long long)l->monotonic_secs, l->monotonic_nanosecs, (long long)l->boottime_secs,
                   l->boottime_nanosecs);
  /* One write per clock: the kernel parses a single line per write. */
  _cleanup_close_ int fd = hutch_procfs_open("self/timens_offsets", O_WRONLY);
  if (fd < 0)
    return hutch_error_set(err, fd, "open /proc/self/timens_offsets");
  char *nl = strchr(buf, '\n');
  size_t first = (size_t)(nl - buf) + 1;
  if (write(fd, buf, first) < 0 || write(fd, buf + first, (size_t)n - first) < 0)
    return hutch_error_set(err, errno, "write time namespace offsets");
  return 0;
}

int hutch_ns_unshare_late(const struct spec_linux *l, struct hutch_error **err) {
  unsigned long owned = 0;
  for (int t = 0; t < SPEC_NS__MAX; t++)
    if (l->namespaces[t].present && !l->namespaces[t].path && made_after_userns(l, t))
      owned |= (unsigned long)hutch_spec_ns_clone_flag((enum spec_ns_type)t);
  if (owned) {
    hutch_debug("unshare 0x%lx in the joined user namespace", owned);
    if (unshare((int)owned) < 0)
      return hutch_error_set(err, errno,
                             "create the mount, uts, ipc, network and pid namespaces in the "
                             "joined user namespace");
  }
  const struct spec_namespace *cg = &l->namespaces[SPEC_NS_CGROUP];
  if (cg->present && cg->path == NULL) {
    hutch_debug("unshare CLONE_NEWCGROUP");
    if (unshare(CLONE_NEWCGROUP) < 0)
      return hutch_error_set(err, errno, "create cgroup namespace");
  }
  const struct spec_namespace *tm = &l->namespaces[SPEC_NS_TIME];
  if (tm->present && tm->path == NULL) {
    hutch_debug("unshare CLONE_NEWTIME");
    if (unshare(CLONE_NEWTIME) < 0)
      return hutch_error_set(err, errno, "create time namespace");
    if (l->has_time_offsets && write_time_offsets(l, err) < 0)
      return -1;
    _cleanup_close_ int fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWTIME) < 0)
      return hutch_error_set(err, errno, "enter time namespace");
  } else if (l->has_time_offsets && !tm->present) {
    return hutch_error_set(err, EINVAL, "linux.timeOffsets: needs a new time namespace");
  }
  return 0;
}
