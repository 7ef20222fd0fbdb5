/* Kernel feature probes for `hutch check` (see hostprobe.h). Each probe
 * asks the kernel the cheapest question that tells presence apart from
 * absence: a syscall with an argument it rejects after recognising the
 * call (ENOSYS means absent), an fs context closed before it is created,
 * a sysctl or /proc file read. None mounts, loads a module or installs a
 * filter. The text of each row says what hutch does with the feature, or
 * what it does instead, so the table reads as hutch's dependency list. */
#include "hostprobe.h"

#include "cgroup.h"
#include "lsm.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
/* the kernel's header: <linux/seccomp.h> would find ours (see seccomp_lib.h) */
#include <asm-generic/../linux/seccomp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

/* ---- the row list ---- */

const char *hutch_probe_status_name(enum hutch_probe_status s) {
  switch (s) {
  case HUTCH_PROBE_OK:
    return "ok";
  case HUTCH_PROBE_MISSING:
    return "missing";
  case HUTCH_PROBE_FALLBACK:
    return "fallback";
  case HUTCH_PROBE_FAIL:
    break;
  }
  return "FAIL";
}

void hutch_probe_add(struct hutch_probes *p, const char *name, enum hutch_probe_status st,
                     const char *enables, const char *fmt, ...) {
  va_list ap;
  char *detail = NULL;
  va_start(ap, fmt);
  if (vasprintf(&detail, fmt, ap) < 0)
    detail = NULL;
  va_end(ap);
  char *n = strdup(name), *en = strdup(enables ? enables : "");
  struct hutch_probe *v = realloc(p->v, (p->n + 1) * sizeof(*v));
  if (v)
    p->v = v;
  if (!detail || !n || !en || !v) {
    free(detail);
    free(n);
    free(en);
    p->oom = true;
    return;
  }
  p->v[p->n++] = (struct hutch_probe){.name = n, .status = st, .detail = detail, .enables = en};
}

bool hutch_probes_failed(const struct hutch_probes *p) {
  for (size_t i = 0; i < p->n; i++)
    if (p->v[i].status == HUTCH_PROBE_FAIL)
      return true;
  return p->oom;
}

void hutch_probes_free(struct hutch_probes *p) {
  for (size_t i = 0; i < p->n; i++) {
    free(p->v[i].name);
    free(p->v[i].detail);
    free(p->v[i].enables);
  }
  free(p->v);
  *p = (struct hutch_probes){0};
}

/* ---- pure helpers ---- */

const char *hutch_probe_cgroup_layout(long root_type, long unified_type) {
  if (root_type == CGROUP2_SUPER_MAGIC)
    return "v2";
  /* v1 and hybrid keep a tmpfs of hierarchies at /sys/fs/cgroup; hybrid
   * adds a cgroup2 mount at unified/ (systemd's layout). */
  if (root_type == TMPFS_MAGIC || root_type == CGROUP_SUPER_MAGIC)
    return unified_type == CGROUP2_SUPER_MAGIC ? "hybrid" : "v1";
  return NULL;
}

long hutch_probe_status_field(const char *status, const char *key) {
  size_t n = strlen(key);
  for (const char *l = status; l && *l;) {
    if (strncmp(l, key, n) == 0 && l[n] == ':') {
      char *end;
      long v = strtol(l + n + 1, &end, 10);
      return end == l + n + 1 ? -1 : v;
    }
    l = strchr(l, '\n');
    l = l ? l + 1 : NULL;
  }
  return -1;
}

bool hutch_probe_fs_listed(const char *filesystems, const char *fs) {
  size_t n = strlen(fs);
  for (const char *l = filesystems; l && *l;) {
    const char *eol = strchrnul(l, '\n');
    const char *tab = memrchr(l, '\t', (size_t)(eol - l));
    const char *name = tab ? tab + 1 : l;
    if ((size_t)(eol - name) == n && strncmp(name, fs, n) == 0)
      return true;
    l = *eol ? eol + 1 : NULL;
  }
  return false;
}

/* ---- small syscall helpers ---- */

static long fs_type(const char *path) {
  struct statfs s;
  return statfs(path, &s) == 0 ? (long)s.f_type : 0;
}

/* A non-negative number from a one-line file, or -1. */
static long read_long(const char *path) {
  _cleanup_free_ char *buf = NULL;
  if (hutch_read_file(path, &buf, NULL) < 0)
    return -1;
  char *end;
  long v = strtol(buf, &end, 10);
  return end == buf ? -1 : v;
}

/* 0 when fd >= 0 (closing it), else -errno. */
static int closed_result(int fd) {
  if (fd < 0)
    return -errno;
  close(fd);
  return 0;
}

/* ---- the probes ---- */

static void probe_kernel(struct hutch_probes *p) {
  struct utsname u;
  if (uname(&u) < 0) {
    hutch_probe_add(p, "kernel", HUTCH_PROBE_MISSING, "", "uname: %s", strerror(errno));
    return;
  }
  hutch_probe_add(p, "kernel", HUTCH_PROBE_OK,
                  "the rows below are probed, not inferred from the version", "%s %s %s", u.sysname,
                  u.release, u.machine);
}

static const char *cgroup_use(enum hutch_cgroup_mode m) {
  switch (m) {
  case HUTCH_CGROUP_V2:
    return "the cgroup v2 backend: resources, eBPF device filter, clone3(CLONE_INTO_CGROUP)";
  case HUTCH_CGROUP_HYBRID:
    return "the v1 backend for the controllers; the cgroup2 mount places the container and "
           "holds the controllers only it has";
  case HUTCH_CGROUP_V1:
    break;
  }
  return "the v1 backend: one directory per hierarchy";
}

static void probe_cgroups(struct hutch_probes *p) {
  const char *seen =
      hutch_probe_cgroup_layout(fs_type("/sys/fs/cgroup"), fs_type("/sys/fs/cgroup/unified"));
  enum hutch_cgroup_mode mode;
  struct hutch_error *err = NULL;
  if (hutch_cgroup_detect(&mode, &err) < 0) {
    _cleanup_free_ char *why = hutch_error_text(err);
    hutch_error_free(err);
    hutch_probe_add(p, "cgroups", HUTCH_PROBE_FAIL, "no container can be created without cgroups",
                    "%s (statfs of /sys/fs/cgroup: %s)", why ? why : "cgroup layout",
                    seen ? seen : "no cgroup filesystem");
    return;
  }
  const char *used = hutch_cgroup_mode_name(mode);
  const char *where = mode == HUTCH_CGROUP_V2       ? "cgroup2 at /sys/fs/cgroup"
                      : mode == HUTCH_CGROUP_HYBRID ? "v1 hierarchies under /sys/fs/cgroup, "
                                                      "cgroup2 at /sys/fs/cgroup/unified"
                                                    : "v1 hierarchies under /sys/fs/cgroup";
  bool agree = seen && strcmp(seen, used) == 0;
  hutch_probe_add(p, "cgroups", HUTCH_PROBE_OK, cgroup_use(mode), "%s: %s%s%s%s", used, where,
                  agree ? "" : " (statfs suggests ",
                  agree  ? ""
                  : seen ? seen
                         : "none",
                  agree ? "" : "; hutch follows /proc/self/mountinfo)");
}

static void probe_userns(struct hutch_probes *p) {
  const char *use = "linux.uidMappings/gidMappings, user namespaces, idmapped mounts";
  long max = read_long("/proc/sys/user/max_user_namespaces");
  if (!hutch_path_exists("/proc/self/ns/user"))
    hutch_probe_add(p, "userns", HUTCH_PROBE_MISSING, use, "kernel without user namespaces");
  else if (max == 0)
    hutch_probe_add(p, "userns", HUTCH_PROBE_MISSING, use, "user.max_user_namespaces = 0");
  else
    hutch_probe_add(p, "userns", HUTCH_PROBE_OK, use, "user.max_user_namespaces = %ld", max);

  use = "rootless hutch: a user namespace made without privileges";
  long clone = read_long("/proc/sys/kernel/unprivileged_userns_clone");
  if (max == 0 || !hutch_path_exists("/proc/self/ns/user"))
    hutch_probe_add(p, "userns-unprivileged", HUTCH_PROBE_MISSING, use, "no user namespaces");
  else if (clone == 0)
    hutch_probe_add(p, "userns-unprivileged", HUTCH_PROBE_MISSING, use,
                    "kernel.unprivileged_userns_clone = 0");
  else
    hutch_probe_add(p, "userns-unprivileged", HUTCH_PROBE_OK, use, "%s",
                    clone < 0 ? "allowed (no kernel.unprivileged_userns_clone knob)"
                              : "kernel.unprivileged_userns_clone = 1");
}

/* overlay in /proc/filesystems, or as a module the first mount loads. */
static bool overlay_listed(void) {
  _cleanup_free_ char *fs = NULL;
  return hutch_read_file("/proc/filesystems", &fs, NULL) == 0 &&
         hutch_probe_fs_listed(fs, "overlay");
}

static bool overlay_module(void) {
  struct utsname u;
  char path[sizeof(u.release) + 64];
  if (uname(&u) < 0)
    return false;
  snprintf(path, sizeof(path), "/lib/modules/%s/kernel/fs/overlayfs", u.release);
  return hutch_path_exists(path);
}

static void probe_overlay(struct hutch_probes *p) {
  const char *use = "container rootfs: the image's layers as one overlay mount";
  if (overlay_listed())
    hutch_probe_add(p, "overlayfs", HUTCH_PROBE_OK, use, "overlay in /proc/filesystems");
  else if (overlay_module())
    hutch_probe_add(p, "overlayfs", HUTCH_PROBE_OK, use,
                    "overlay module not loaded yet (the first mount loads it)");
  else
    hutch_probe_add(p, "overlayfs", HUTCH_PROBE_FAIL, use,
                    "not in /proc/filesystems and no overlay module");
}

/* Does the kernel take "lowerdir+" (6.8)? Only probed when overlay is
 * loaded: fsopen would load the module. The context is closed before
 * FSCONFIG_CMD_CREATE, so no superblock is made. Without it the rootfs is
 * mounted with one lowerdir= string (engine/rootfs.c). */
static void probe_overlay_lowerdir_plus(struct hutch_probes *p) {
  const char *use = "images of up to 500 layers (overlayfs' limit): the rootfs mount adds each "
                    "layer with its own fsconfig call";
  if (!overlay_listed()) {
    hutch_probe_add(p, "overlay-lowerdir+", HUTCH_PROBE_MISSING, use,
                    "overlay not loaded: not probed (probing would load it)");
    return;
  }
  _cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
  int r = fs < 0 ? -errno : fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", "/", 0) < 0 ? -errno : 0;
  if (r == 0)
    hutch_probe_add(p, "overlay-lowerdir+", HUTCH_PROBE_OK, use, "the kernel accepts lowerdir+");
  else
    hutch_probe_add(p, "overlay-lowerdir+", HUTCH_PROBE_FALLBACK,
                    "fallback: mount(2) with one lowerdir= string, which must fit a page "
                    "(about 120 layers)",
                    "%s: %s", fs < 0 ? "fsopen overlay" : "fsconfig lowerdir+", strerror(-r));
}

static bool seccomp_action(uint32_t action) {
  return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

/* A known filter flag with a NULL program fails with EFAULT, an unknown
 * one with EINVAL; no filter is installed either way (libseccomp's
 * probe). */
static bool seccomp_flag(unsigned long flag) {
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

static void probe_seccomp(struct hutch_probes *p) {
  const char *use = "linux.seccomp, hutch run's default profile";
  _cleanup_free_ char *st = NULL;
  long mode = hutch_read_file("/proc/self/status", &st, NULL) < 0
                  ? -1
                  : hutch_probe_status_field(st, "Seccomp");
  if (prctl(PR_GET_SECCOMP) < 0 || mode < 0 || !seccomp_action(SECCOMP_RET_ERRNO))
    hutch_probe_add(p, "seccomp", HUTCH_PROBE_FAIL, use, "no seccomp filters in this kernel");
  else
    hutch_probe_add(p, "seccomp", HUTCH_PROBE_OK, use, "filters available; this process: %s",
                    mode == 0   ? "unconfined (Seccomp: 0)"
                    : mode == 2 ? "under a filter (Seccomp: 2): containers' filters stack on it"
                                : "strict mode");

  use = "SCMP_ACT_NOTIFY, linux.seccomp.listenerPath";
  bool action = seccomp_action(SECCOMP_RET_USER_NOTIF);
  bool flag = seccomp_flag(SECCOMP_FILTER_FLAG_NEW_LISTENER);
  hutch_probe_add(p, "seccomp-notify", action && flag ? HUTCH_PROBE_OK : HUTCH_PROBE_MISSING, use,
                  "SECCOMP_RET_USER_NOTIF %s, SECCOMP_FILTER_FLAG_NEW_LISTENER %s",
                  action ? "available" : "unavailable", flag ? "accepted" : "rejected");
}

static void probe_openat2(struct hutch_probes *p) {
  struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC};
  int r = closed_result((int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how)));
  if (r == 0)
    hutch_probe_add(p, "openat2", HUTCH_PROBE_OK,
                    "paths inside a rootfs and procfs resolved by the kernel (RESOLVE_IN_ROOT, "
                    "RESOLVE_NO_MAGICLINKS, RESOLVE_NO_XDEV)",
                    "present");
  else
    hutch_probe_add(p, "openat2", HUTCH_PROBE_FALLBACK,
                    "fallback: a component-by-component walk with O_NOFOLLOW", "openat2: %s",
                    strerror(-r));
}

static void probe_pidfd(struct hutch_probes *p) {
  int r = closed_result((int)syscall(SYS_pidfd_open, getpid(), 0));
  if (r == 0)
    hutch_probe_add(p, "pidfd_open", HUTCH_PROBE_OK,
                    "signals and waits on container processes by pidfd (no pid reuse race)",
                    "present");
  else
    hutch_probe_add(p, "pidfd_open", HUTCH_PROBE_FALLBACK,
                    "fallback: signals and waits by pid number", "pidfd_open: %s", strerror(-r));
}

/* fsopen(tmpfs) closed before FSCONFIG_CMD_CREATE; open_tree without
 * OPEN_TREE_CLONE (an O_PATH fd, no mount); move_mount with flags it
 * rejects before looking at anything. */
static void probe_mount_api(struct hutch_probes *p) {
  int fs = closed_result(fsopen("tmpfs", FSOPEN_CLOEXEC));
  int tree = closed_result(open_tree(AT_FDCWD, "/", OPEN_TREE_CLOEXEC));
  int move = move_mount(-1, "", -1, "", ~0u) < 0 && errno == ENOSYS ? -ENOSYS : 0;
  const char *missing = fs ? "fsopen" : tree ? "open_tree" : move ? "move_mount" : NULL;
  int r = fs ? fs : tree ? tree : move;
  if (!missing)
    hutch_probe_add(p, "mount-api", HUTCH_PROBE_OK,
                    "detached mounts: masked paths, a private procfs instance, read-only "
                    "mounts of hutch's binaries",
                    "fsopen, open_tree, move_mount present");
  else
    hutch_probe_add(p, "mount-api", HUTCH_PROBE_FALLBACK,
                    "fallback: mount(2) through /proc/self/fd paths, /proc for procfs writes, "
                    "sealed memfd copies of hutch's binaries",
                    "%s: %s", missing, strerror(-r));
}

/* MOUNT_ATTR_IDMAP with a userns fd no process can have: a kernel that
 * knows the attribute looks the fd up and says EBADF before it looks at
 * the (absent) mount; one that does not says EINVAL, or ENOSYS. */
static void probe_idmapped(struct hutch_probes *p) {
  const char *use = "idmap/ridmap mount options; read-only mounts of hutch's binaries "
                    "(mount_setattr MOUNT_ATTR_RDONLY)";
  struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = INT_MAX};
  int r = mount_setattr(-1, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0 ? -errno : 0;
  if (r == -EBADF)
    hutch_probe_add(p, "idmapped-mounts", HUTCH_PROBE_OK, use,
                    "mount_setattr takes MOUNT_ATTR_IDMAP (each filesystem is checked when "
                    "mounted)");
  else
    hutch_probe_add(p, "idmapped-mounts", HUTCH_PROBE_MISSING, use, "mount_setattr: %s",
                    r == -EINVAL ? "MOUNT_ATTR_IDMAP unknown" : strerror(-r));
}

static void probe_memfd(struct hutch_probes *p) {
  const char *use = "sealed memfd copies of hutch's binaries where open_tree is refused "
                    "(rootless)";
  _cleanup_close_ int fd = memfd_create("hutch-check", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  const int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  int r = fd < 0 ? -errno : fcntl(fd, F_ADD_SEALS, seals) < 0 ? -errno : 0;
  if (r == 0 && (fcntl(fd, F_GET_SEALS) & F_SEAL_WRITE))
    hutch_probe_add(p, "memfd-seal", HUTCH_PROBE_OK, use,
                    "memfd_create(MFD_ALLOW_SEALING) and F_SEAL_WRITE work");
  else
    hutch_probe_add(p, "memfd-seal", HUTCH_PROBE_MISSING, use, "%s: %s",
                    fd < 0 ? "memfd_create" : "F_ADD_SEALS", strerror(r ? -r : EINVAL));
}

static void probe_lsm(struct hutch_probes *p) {
  bool aa = hutch_apparmor_enabled(), se = hutch_selinux_enabled();
  char use[256];
  snprintf(use, sizeof(use), "process.apparmorProfile %s; process.selinuxLabel %s",
           aa ? "applied" : "refused (AppArmor not enabled)",
           se ? "applied" : "refused (SELinux not enabled)");
  _cleanup_free_ char *lsm = NULL;
  if (hutch_read_file("/sys/kernel/security/lsm", &lsm, NULL) < 0 || !*lsm) {
    hutch_probe_add(p, "lsm", HUTCH_PROBE_MISSING, use,
                    "/sys/kernel/security/lsm unreadable (securityfs not mounted?)");
    return;
  }
  lsm[strcspn(lsm, "\n")] = '\0';
  hutch_probe_add(p, "lsm", HUTCH_PROBE_OK, use, "%s", lsm);
}

void hutch_probe_host(struct hutch_probes *p) {
  probe_kernel(p);
  probe_cgroups(p);
  probe_userns(p);
  probe_overlay(p);
  probe_overlay_lowerdir_plus(p);
  probe_seccomp(p);
  probe_openat2(p);
  probe_pidfd(p);
  probe_mount_api(p);
  probe_idmapped(p);
  probe_memfd(p);
  probe_lsm(p);
}
