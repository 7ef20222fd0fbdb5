/* Self-protection probes for `hutch check` (see selfcheck.h). A FAIL here
 * means a defence would refuse to run or would not hold: hutch would
 * refuse to start containers (no sealed copy), or a CVE's fix would have
 * nothing to stand on (no verified procfs, a /dev/null that is not the
 * null device). */
#include "selfcheck.h"

#include "engine.h"
#include "linux/procfs.h"
#include "linux/rootfs.h"
#include "runtime/sealed.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SEAL_USE "re-exec from a sealed copy before starting or joining a container (CVE-2019-5736)"

/* Why path cannot be executed at all, or NULL. */
static const char *not_executable(const char *path, char *buf, size_t n) {
  struct stat st;
  struct statvfs sv;
  if (stat(path, &st) < 0)
    snprintf(buf, n, "%s", strerror(errno));
  else if (!S_ISREG(st.st_mode))
    snprintf(buf, n, "not a regular file");
  else if (!(st.st_mode & 0111))
    snprintf(buf, n, "not executable (mode %04o)", (unsigned)(st.st_mode & 07777));
  else if (statvfs(path, &sv) == 0 && (sv.f_flag & ST_NOEXEC))
    snprintf(buf, n, "on a noexec mount: it cannot be executed");
  else if (access(path, X_OK) < 0)
    snprintf(buf, n, "not executable: %s", strerror(errno));
  else
    return NULL;
  return buf;
}

/* Why the sealed fd could not be executed as hutch_sealed_exec would, or
 * NULL. */
static const char *sealed_fd_problem(int fd) {
  struct statvfs sv;
  if (!hutch_sealed_fd(fd))
    return "the copy is writable";
  if (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_NOEXEC))
    return "its mount is noexec: execveat from it would fail";
  return NULL;
}

void hutch_probe_sealed_binary(struct hutch_probes *p, const char *name, const char *path,
                               const char *enables) {
  char why[256];
  if (not_executable(path, why, sizeof(why))) {
    hutch_probe_add(p, name, HUTCH_PROBE_FAIL, enables, "%s: %s", path, why);
    return;
  }
  int mount_err = 0;
  _cleanup_error_ struct hutch_error *err = NULL;
  _cleanup_close_ int fd = hutch_sealed_open(path, &mount_err, &err);
  if (fd < 0) {
    _cleanup_free_ char *t = hutch_error_text(err);
    hutch_probe_add(p, name, HUTCH_PROBE_FAIL, enables, "%s: open_tree: %s; %s", path,
                    strerror(-mount_err), t ? t : "no sealed copy");
    return;
  }
  const char *problem = sealed_fd_problem(fd);
  if (problem)
    hutch_probe_add(p, name, HUTCH_PROBE_FAIL, enables, "%s: %s", path, problem);
  else if (mount_err == 0)
    hutch_probe_add(p, name, HUTCH_PROBE_OK, enables,
                    "%s: runs from a detached read-only mount (open_tree+mount_setattr)", path);
  else
    hutch_probe_add(p, name, HUTCH_PROBE_FALLBACK, enables,
                    "%s: runs from a sealed memfd copy (open_tree: %s)", path,
                    strerror(-mount_err));
}

static void probe_self_binary(struct hutch_probes *p) {
  const char *self = hutch_self_exe();
  if (self[0] != '/')
    hutch_probe_add(p, "seal-hutch", HUTCH_PROBE_FAIL, SEAL_USE,
                    "cannot name its own binary (/proc/self/exe: \"%s\")", self);
  else
    hutch_probe_sealed_binary(p, "seal-hutch", self, SEAL_USE);
}

/* hutch-runtime: hutch runs containers in process and never execs it;
 * podman, containerd and docker do, and it seals itself as hutch does. */
static void probe_runtime_binary(struct hutch_probes *p) {
  const char *use = SEAL_USE "; hutch-runtime is what podman, containerd and docker run";
  _cleanup_free_ char *path = hutch_engine_helper_path("HUTCH_RUNTIME", "hutch-runtime");
  if (path)
    hutch_probe_sealed_binary(p, "seal-hutch-runtime", path, use);
  else
    hutch_probe_add(p, "seal-hutch-runtime", HUTCH_PROBE_MISSING, use,
                    "not found next to hutch ($HUTCH_RUNTIME unset); hutch itself does not "
                    "need it");
}

static void probe_monitor_binary(struct hutch_probes *p) {
  _cleanup_free_ char *path = hutch_engine_helper_path("HUTCH_MONITOR", "hutch-monitor");
  if (path)
    hutch_probe_sealed_binary(p, "seal-hutch-monitor", path,
                              SEAL_USE "; hutch-monitor holds a detached container's stdio");
  else
    hutch_probe_add(p, "seal-hutch-monitor", HUTCH_PROBE_FALLBACK,
                    "fallback: the hutch process that started a detached container stays as "
                    "its monitor",
                    "not found next to hutch ($HUTCH_MONITOR unset)");
}

/* hutch-init is never executed from the host: --init copies it into the
 * container's directory. It only has to be there and executable. */
static void probe_init_binary(struct hutch_probes *p) {
  const char *use = "--init: a private copy in each container's directory, never a bind of "
                    "the host's file";
  _cleanup_free_ char *path = hutch_engine_helper_path("HUTCH_INIT", "hutch-init");
  char why[256];
  if (!path)
    hutch_probe_add(p, "hutch-init", HUTCH_PROBE_MISSING, use,
                    "not found next to hutch ($HUTCH_INIT unset): --init is refused");
  else if (not_executable(path, why, sizeof(why)))
    hutch_probe_add(p, "hutch-init", HUTCH_PROBE_FAIL, use, "%s: %s", path, why);
  else
    hutch_probe_add(p, "hutch-init", HUTCH_PROBE_OK, use, "%s", path);
}

/* Which of procfs.c's candidates the root handle is: its own superblock
 * (a fresh instance), /proc's superblock on another mount (a clone), or
 * /proc itself. */
static int procfs_kind(int root) {
  struct statx a, b;
  if (statx(root, "", AT_EMPTY_PATH, STATX_MNT_ID, &a) < 0 ||
      statx(AT_FDCWD, "/proc", 0, STATX_MNT_ID, &b) < 0)
    return -errno;
  if (a.stx_dev_major != b.stx_dev_major || a.stx_dev_minor != b.stx_dev_minor)
    return 0;
  return (a.stx_mask & STATX_MNT_ID) && a.stx_mnt_id != b.stx_mnt_id ? 1 : 2;
}

static void probe_procfs(struct hutch_probes *p) {
  const char *use = "the runtime's writes to /proc (sysctls, attr/exec, oom_score_adj, id maps) "
                    "through a handle the container cannot redirect (CVE-2025-52881)";
  _cleanup_close_ int fd = hutch_procfs_open("self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    hutch_probe_add(p, "procfs", HUTCH_PROBE_FAIL, use, "hutch_procfs_open self/status: %s",
                    strerror(-fd));
    return;
  }
  switch (procfs_kind(hutch_procfs_root())) {
  case 0:
    hutch_probe_add(p, "procfs", HUTCH_PROBE_OK, use,
                    "a private procfs instance (fsopen+fsmount), verified");
    break;
  case 1:
    hutch_probe_add(p, "procfs", HUTCH_PROBE_OK, use,
                    "a detached clone of /proc without its submounts (open_tree), verified");
    break;
  default:
    hutch_probe_add(p, "procfs", HUTCH_PROBE_FALLBACK, use,
                    "/proc itself, verified to be a procfs root (fsopen and open_tree refused)");
  }
}

static void probe_dev_null(struct hutch_probes *p) {
  const char *use = "masked files are bound from /dev/null opened once and checked, never by "
                    "name (CVE-2025-31133)";
  _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_error_ struct hutch_error *err = NULL;
  _cleanup_close_ int fd = root < 0 ? -errno : hutch_rootfs_open_dev_null(root, &err);
  if (fd >= 0) {
    hutch_probe_add(p, "dev-null", HUTCH_PROBE_OK, use, "/dev/null is the 1:3 character device");
    return;
  }
  _cleanup_free_ char *t = hutch_error_text(err);
  hutch_probe_add(p, "dev-null", HUTCH_PROBE_FAIL, use, "%s", t ? t : strerror(-fd));
}

/* 0 if fd is the directory root itself (".." was kept inside). */
static int same_dir(int root, int fd) {
  struct stat a, b;
  if (fd < 0)
    return fd;
  int r = fstat(root, &a) < 0 || fstat(fd, &b) < 0 ? -errno : 0;
  close(fd);
  if (r < 0)
    return r;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino ? 0 : -EXDEV;
}

static int resolve_dotdot(int root) {
  struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
  int fd = (int)syscall(SYS_openat2, root, "..", &how, sizeof(how));
  return same_dir(root, fd < 0 ? -errno : fd);
}

static const char *resolve_text(int r) {
  return r == 0        ? "\"..\" stays inside the root"
         : r == -EXDEV ? "\"..\" resolved outside the root"
                       : strerror(-r);
}

/* ".." from /etc taken as a root must stay /etc: by the kernel
 * (RESOLVE_IN_ROOT) or, where hutch_open_in_root falls back (ENOSYS,
 * EPERM), by its walk. */
static void probe_resolve_in_root(struct hutch_probes *p) {
  const char *use = "paths inside a container's rootfs never leave it (hutch_open_in_root)";
  _cleanup_close_ int root = open("/etc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int r = root < 0 ? -errno : resolve_dotdot(root);
  if (r == 0) {
    hutch_probe_add(p, "resolve-in-root", HUTCH_PROBE_OK, use, "openat2(RESOLVE_IN_ROOT): %s",
                    resolve_text(0));
    return;
  }
  if (root >= 0 && (r == -ENOSYS || r == -EPERM)) {
    int w = same_dir(root, hutch_open_in_root_walk(root, "..", O_PATH | O_DIRECTORY, 0));
    hutch_probe_add(p, "resolve-in-root", w == 0 ? HUTCH_PROBE_FALLBACK : HUTCH_PROBE_FAIL,
                    "fallback: hutch_open_in_root's component-by-component walk",
                    "openat2(RESOLVE_IN_ROOT): %s; the walk: %s", strerror(-r), resolve_text(w));
    return;
  }
  hutch_probe_add(p, "resolve-in-root", HUTCH_PROBE_FAIL, use,
                  "openat2(RESOLVE_IN_ROOT) on /etc: %s (hutch_open_in_root would fail too)",
                  resolve_text(r));
}

void hutch_probe_self(struct hutch_probes *p) {
  probe_self_binary(p);
  probe_runtime_binary(p);
  probe_monitor_binary(p);
  probe_init_binary(p);
  probe_procfs(p);
  probe_dev_null(p);
  probe_resolve_in_root(p);
}
