/* The config.json that `hutch-runtime spec` writes: runc 1.2's example spec
 * (libcontainer/specconv/example.go), with hostname "hutch".
 *
 * It is built as a jansson tree rather than kept as a text template so that
 * the rootless variant is the same transformation runc's ToRootless applies
 * (drop the network namespace, add a user namespace mapping the caller to
 * 0, bind /sys from the host, drop uid=/gid= mount options and the cgroup
 * resources), not a second copy that could drift. */
#include "spec.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"

static json_t *strv_json(const char *const *v) {
  json_t *a = json_array();
  for (; a && *v; v++)
    json_array_append_new(a, json_string(*v));
  return a;
}

static json_t *mount_json(const char *dest, const char *type, const char *source,
                          const char *const *options) {
  json_t *m = json_pack("{s:s, s:s, s:s}", "destination", dest, "type", type, "source", source);
  if (m && options)
    json_object_set_new(m, "options", strv_json(options));
  return m;
}

static json_t *mounts_json(bool rootless) {
  static const char *const dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
  /* gid=5 is the tty group; a rootless user namespace has no mapping for it. */
  static const char *const pts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
                                    "mode=0620", "gid=5",  NULL};
  static const char *const shm[] = {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL};
  static const char *const mq[] = {"nosuid", "noexec", "nodev", NULL};
  static const char *const sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
  /* Without a network namespace of its own, a rootless container may not
   * mount a new sysfs, so it gets the host's. */
  static const char *const sys_rootless[] = {"rbind", "nosuid", "noexec", "nodev", "ro", NULL};
  static const char *const cg[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};

  json_t *a = json_array();
  if (a == NULL)
    return NULL;
  json_array_append_new(a, mount_json("/proc", "proc", "proc", NULL));
  json_array_append_new(a, mount_json("/dev", "tmpfs", "tmpfs", dev));
  json_t *devpts = mount_json("/dev/pts", "devpts", "devpts", pts);
  if (rootless && devpts) {
    json_t *opts = json_object_get(devpts, "options");
    json_array_remove(opts, json_array_size(opts) - 1); /* "gid=5" */
  }
  json_array_append_new(a, devpts);
  json_array_append_new(a, mount_json("/dev/shm", "tmpfs", "shm", shm));
  json_array_append_new(a, mount_json("/dev/mqueue", "mqueue", "mqueue", mq));
  if (rootless)
    json_array_append_new(a, mount_json("/sys", "none", "/sys", sys_rootless));
  else
    json_array_append_new(a, mount_json("/sys", "sysfs", "sysfs", sys));
  json_array_append_new(a, mount_json("/sys/fs/cgroup", "cgroup", "cgroup", cg));
  return a;
}

static json_t *linux_json(bool rootless, uid_t uid, gid_t gid) {
  static const char *const masked[] = {"/proc/acpi",
                                       "/proc/asound",
                                       "/proc/kcore",
                                       "/proc/keys",
                                       "/proc/latency_stats",
                                       "/proc/timer_list",
                                       "/proc/timer_stats",
                                       "/proc/sched_debug",
                                       "/sys/firmware",
                                       "/proc/scsi",
                                       NULL};
  static const char *const readonly[] = {
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};
  static const char *const ns[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", NULL};

  json_t *l = json_object();
  if (l == NULL)
    return NULL;
  if (rootless) {
    json_object_set_new(
        l, "uidMappings",
        json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID", (json_int_t)uid, "size", 1));
    json_object_set_new(
        l, "gidMappings",
        json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID", (json_int_t)gid, "size", 1));
  } else {
    json_object_set_new(l, "resources",
                        json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm"));
  }
  json_t *nsa = json_array();
  for (const char *const *n = ns; nsa && *n; n++) {
    if (rootless && strcmp(*n, "network") == 0)
      continue;
    json_array_append_new(nsa, json_pack("{s:s}", "type", *n));
  }
  if (rootless && nsa)
    json_array_append_new(nsa, json_pack("{s:s}", "type", "user"));
  json_object_set_new(l, "namespaces", nsa);
  json_object_set_new(l, "maskedPaths", strv_json(masked));
  json_object_set_new(l, "readonlyPaths", strv_json(readonly));
  return l;
}

char *hutch_spec_default_json(bool rootless, uid_t uid, gid_t gid) {
  static const char *const env[] = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL};
  static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
  static const char *const args[] = {"sh", NULL};

  json_t *capabilities = json_object();
  if (capabilities) {
    json_object_set_new(capabilities, "bounding", strv_json(caps));
    json_object_set_new(capabilities, "effective", strv_json(caps));
    json_object_set_new(capabilities, "permitted", strv_json(caps));
    json_object_set_new(capabilities, "ambient", strv_json(caps));
  }
  json_t *process =
      json_pack("{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:o, s:[{s:s, s:i, s:i}], s:b}", "terminal", 1,
                "user", "uid", 0, "gid", 0, "args", strv_json(args), "env", strv_json(env), "cwd",
                "/", "capabilities", capabilities, "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024,
                "soft", 1024, "noNewPrivileges", 1);
  _cleanup_json_ json_t *root =
      json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.2.0", "process",
                process, "root", "path", "rootfs", "readonly", 1, "hostname", "hutch", "mounts",
                mounts_json(rootless), "linux", linux_json(rootless, uid, gid));
  if (root == NULL)
    return NULL;
  char *text = json_dumps(root, JSON_INDENT(2));
  if (text == NULL)
    return NULL;
  /* End with a newline so the file is a well-formed text file. */
  size_t n = strlen(text);
  char *out = realloc(text, n + 2);
  if (out == NULL) {
    free(text);
    return NULL;
  }
  out[n] = '\n';
  out[n + 1] = '\0';
  return out;
}
