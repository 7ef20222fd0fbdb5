/* Unit tests for spec/: the default config round-trips, every kind of bad
 * input is rejected with an error naming the field, mount options become
 * the right flags, and resources, seccomp and hooks parse into the model. */
#include "tap.h"

#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
/* src/lib is on the include path, so libseccomp's own #include
 * <linux/seccomp.h> would find src/lib/linux/seccomp.h; pull in the
 * kernel's header first through a path that cannot match ours. */
#include <asm-generic/../linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

/* A minimal valid config; tests splice fragments into it with fmt(). */
#define BASE_HEAD "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"}"
#define PROC_OK "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}"

static struct spec *parse_ok(const char *json, const char *what) {
  struct hutch_error *e = NULL;
  struct spec *s = NULL;
  int r = hutch_spec_parse(json, strlen(json), &s, &e);
  ok(r == 0 && s != NULL, "parses: %s", what);
  if (r != 0)
    printf("#   error: %s\n", e && e->msg ? e->msg : "(none)");
  hutch_error_free(e);
  return s;
}

/* Parse must fail and the message must contain `want`. */
static void parse_bad(const char *json, const char *want) {
  struct hutch_error *e = NULL;
  struct spec *s = NULL;
  int r = hutch_spec_parse(json, strlen(json), &s, &e);
  const char *msg = e && e->msg ? e->msg : "";
  ok(r < 0 && s == NULL && strstr(msg, want) != NULL, "rejects with \"%s\"", want);
  if (!(r < 0 && strstr(msg, want)))
    printf("#   r=%d msg=\"%s\"\n", r, msg);
  hutch_spec_free(s);
  hutch_error_free(e);
}

/* A config with a process and an extra top-level fragment. */
static char *with(const char *frag) {
  char *out;
  if (asprintf(&out, BASE_HEAD "," PROC_OK "%s%s}", *frag ? "," : "", frag) < 0)
    abort();
  return out;
}

static void bad(const char *frag, const char *want) {
  _cleanup_free_ char *j = with(frag);
  parse_bad(j, want);
}

static struct spec *good(const char *frag, const char *what) {
  _cleanup_free_ char *j = with(frag);
  return parse_ok(j, what);
}

static bool strv_eq(char **v, const char *const *want) {
  size_t i = 0;
  for (; want[i]; i++)
    if (v == NULL || v[i] == NULL || strcmp(v[i], want[i]) != 0)
      return false;
  return v && v[i] == NULL;
}

static const struct spec_mount *find_mount(const struct spec *s, const char *dest) {
  for (size_t i = 0; i < s->n_mounts; i++)
    if (strcmp(s->mounts[i].destination, dest) == 0)
      return &s->mounts[i];
  return NULL;
}

static void test_default(void) {
  _cleanup_free_ char *j = hutch_spec_default_json(false, 0, 0);
  ok(j != NULL, "default json");
  ok(j && strstr(j, "\n  \"process\"") != NULL, "pretty-printed with 2-space indent");
  _cleanup_spec_ struct spec *s = parse_ok(j, "default spec");
  if (s == NULL)
    return;
  is_str(s->oci_version, "1.2.0", "ociVersion");
  is_str(s->root_path, "rootfs", "root.path");
  ok(s->root_readonly, "root.readonly");
  is_str(s->hostname, "hutch", "hostname");
  ok(s->has_process && s->process.terminal, "terminal");
  ok(strv_eq(s->process.args, (const char *const[]){"sh", NULL}), "args");
  ok(strv_eq(
         s->process.env,
         (const char *const[]){"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                               "TERM=xterm", NULL}),
     "env");
  is_str(s->process.cwd, "/", "cwd");
  const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
  ok(s->process.has_caps && strv_eq(s->process.caps.bounding, caps) &&
         strv_eq(s->process.caps.effective, caps) && strv_eq(s->process.caps.permitted, caps) &&
         strv_eq(s->process.caps.ambient, caps),
     "capabilities");
  ok(s->process.caps.inheritable == NULL, "no inheritable list");
  is_int(s->process.n_rlimits, 1, "one rlimit");
  is_int(s->process.rlimits[0].resource, RLIMIT_NOFILE, "RLIMIT_NOFILE");
  is_int(s->process.rlimits[0].hard, 1024, "hard 1024");
  ok(s->process.no_new_privileges, "noNewPrivileges");
  is_int(s->n_mounts, 7, "seven mounts");
  const char *dests[] = {"/proc",       "/dev", "/dev/pts",      "/dev/shm",
                         "/dev/mqueue", "/sys", "/sys/fs/cgroup"};
  for (size_t i = 0; i < 7 && i < s->n_mounts; i++)
    is_str(s->mounts[i].destination, dests[i], "mount %zu", i);
  const struct spec_mount *dev = find_mount(s, "/dev");
  ok(dev && (dev->flags & (MS_NOSUID | MS_STRICTATIME)) == (MS_NOSUID | MS_STRICTATIME),
     "/dev flags");
  is_str(dev ? dev->data : NULL, "mode=755,size=65536k", "/dev data");
  const struct spec_mount *pts = find_mount(s, "/dev/pts");
  is_str(pts ? pts->data : NULL, "newinstance,ptmxmode=0666,mode=0620,gid=5", "/dev/pts data");
  const struct spec_mount *sys = find_mount(s, "/sys");
  ok(sys && (sys->flags & MS_RDONLY) && !sys->bind, "/sys is a read-only sysfs");
  const struct spec_mount *cg = find_mount(s, "/sys/fs/cgroup");
  ok(cg && strcmp(cg->type, "cgroup") == 0 && (cg->flags & MS_RDONLY), "cgroup ro");
  const struct spec_linux *l = &s->linux_;
  ok(l->namespaces[SPEC_NS_PID].present && l->namespaces[SPEC_NS_NETWORK].present &&
         l->namespaces[SPEC_NS_IPC].present && l->namespaces[SPEC_NS_UTS].present &&
         l->namespaces[SPEC_NS_MOUNT].present && l->namespaces[SPEC_NS_CGROUP].present,
     "pid/network/ipc/uts/mount/cgroup namespaces");
  ok(!l->namespaces[SPEC_NS_USER].present && !l->namespaces[SPEC_NS_TIME].present,
     "no user or time namespace");
  is_int(hutch_strv_len(l->masked_paths), 10, "ten masked paths");
  is_str(l->masked_paths[0], "/proc/acpi", "first masked path");
  is_int(hutch_strv_len(l->readonly_paths), 5, "five readonly paths");
  ok(l->resources.present && l->resources.n_devices == 1 && !l->resources.devices[0].allow &&
         l->resources.devices[0].type == 'a' && l->resources.devices[0].major == -1 &&
         strcmp(l->resources.devices[0].access, "rwm") == 0,
     "deny-all device cgroup rule");
}

static void test_default_rootless(void) {
  _cleanup_free_ char *j = hutch_spec_default_json(true, 1000, 1001);
  _cleanup_spec_ struct spec *s = parse_ok(j, "rootless default spec");
  if (s == NULL)
    return;
  const struct spec_linux *l = &s->linux_;
  ok(l->namespaces[SPEC_NS_USER].present, "user namespace");
  ok(!l->namespaces[SPEC_NS_NETWORK].present, "no network namespace");
  ok(l->n_uid_mappings == 1 && l->uid_mappings[0].container_id == 0 &&
         l->uid_mappings[0].host_id == 1000 && l->uid_mappings[0].size == 1,
     "uid 1000 -> 0");
  ok(l->n_gid_mappings == 1 && l->gid_mappings[0].host_id == 1001, "gid 1001 -> 0");
  ok(!l->resources.present, "no resources");
  const struct spec_mount *sys = find_mount(s, "/sys");
  ok(sys && sys->bind && sys->recursive_bind && strcmp(sys->source, "/sys") == 0 &&
         (sys->flags & MS_RDONLY),
     "/sys is an rbind of the host's");
  const struct spec_mount *pts = find_mount(s, "/dev/pts");
  ok(pts && strstr(pts->data, "gid=") == NULL, "no gid= on devpts");
}

static void test_full(void) {
  const char *j =
      "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/abs/rootfs\",\"readonly\":false},"
      "\"futureField\":{\"x\":1},"
      "\"process\":{\"terminal\":false,\"consoleSize\":{\"height\":24,\"width\":80},"
      " \"user\":{\"uid\":1000,\"gid\":100,\"umask\":18,\"additionalGids\":[5,6],"
      "  \"username\":\"bob\"},"
      " \"args\":[\"/bin/echo\",\"hi\"],\"env\":[\"A=1\",\"B=\"],\"cwd\":\"/home\","
      " \"capabilities\":{\"bounding\":[],\"inheritable\":[\"CAP_CHOWN\"]},"
      " \"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":0,\"soft\":0},"
      "  {\"type\":\"RLIMIT_RTTIME\",\"hard\":10,\"soft\":5}],"
      " \"apparmorProfile\":\"p\",\"selinuxLabel\":\"l\",\"oomScoreAdj\":-500,"
      " \"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\",\"priority\":7},"
      " \"scheduler\":{\"policy\":\"SCHED_DEADLINE\",\"nice\":-5,\"priority\":1,"
      "  \"flags\":[\"SCHED_FLAG_RESET_ON_FORK\",\"SCHED_FLAG_RECLAIM\"],"
      "  \"runtime\":100,\"deadline\":200,\"period\":300}},"
      "\"hostname\":\"h\",\"domainname\":\"d\","
      "\"annotations\":{\"org.example.a\":\"1\",\"b\":\"two\"},"
      "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"time\"},"
      "  {\"type\":\"network\",\"path\":\"/run/netns/x\"},{\"type\":\"user\",\"path\":\"\"}],"
      " \"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
      " \"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},\"cgroupsPath\":\"/hutch/x\","
      " \"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,"
      "   \"fileMode\":438,\"uid\":0,\"gid\":0},{\"path\":\"/dev/pipe\",\"type\":\"p\"}],"
      " \"rootfsPropagation\":\"rslave\",\"mountLabel\":\"ml\","
      " \"personality\":{\"domain\":\"LINUX32\"},"
      " \"timeOffsets\":{\"monotonic\":{\"secs\":-10,\"nanosecs\":5},"
      "   \"boottime\":{\"secs\":86400}},"
      " \"intelRdt\":{\"closID\":\"x\"}}}";
  _cleanup_spec_ struct spec *s = parse_ok(j, "a full config");
  if (s == NULL)
    return;
  const struct spec_process *p = &s->process;
  ok(!s->root_readonly && strcmp(s->root_path, "/abs/rootfs") == 0, "root");
  ok(p->has_console_size && p->console_height == 24 && p->console_width == 80, "consoleSize");
  ok(p->user.uid == 1000 && p->user.gid == 100 && p->user.has_umask && p->user.umask == 022,
     "user and umask");
  ok(p->user.n_additional_gids == 2 && p->user.additional_gids[1] == 6, "additionalGids");
  is_str(p->user.username, "bob", "username");
  ok(strv_eq(p->env, (const char *const[]){"A=1", "B=", NULL}), "env");
  ok(p->caps.bounding && p->caps.bounding[0] == NULL, "empty bounding list is non-NULL");
  ok(p->caps.effective == NULL, "absent effective list is NULL");
  ok(strv_eq(p->caps.inheritable, (const char *const[]){"CAP_CHOWN", NULL}), "inheritable");
  ok(p->n_rlimits == 2 && p->rlimits[1].resource == RLIMIT_RTTIME && p->rlimits[1].soft == 5 &&
         strcmp(p->rlimits[1].type, "RLIMIT_RTTIME") == 0,
     "rlimits");
  ok(p->has_oom_score_adj && p->oom_score_adj == -500, "oomScoreAdj");
  ok(p->io_priority.present && p->io_priority.class_ == 3 && p->io_priority.priority == 7,
     "ioPriority");
  ok(p->scheduler.present && p->scheduler.policy == SCHED_DEADLINE && p->scheduler.nice == -5 &&
         p->scheduler.flags == 0x3 && p->scheduler.runtime == 100 && p->scheduler.period == 300,
     "scheduler");
  is_str(hutch_spec_annotation(s, "b"), "two", "annotation b");
  ok(hutch_spec_annotation(s, "nope") == NULL, "missing annotation");
  const struct spec_linux *l = &s->linux_;
  ok(l->namespaces[SPEC_NS_TIME].present && l->namespaces[SPEC_NS_TIME].path == NULL,
     "time namespace");
  is_str(l->namespaces[SPEC_NS_NETWORK].path, "/run/netns/x", "network ns path");
  ok(l->namespaces[SPEC_NS_USER].present && l->namespaces[SPEC_NS_USER].path == NULL,
     "empty path means a new namespace");
  ok(l->n_uid_mappings == 1 && l->uid_mappings[0].host_id == 100000 &&
         l->uid_mappings[0].size == 65536,
     "uidMappings");
  ok(l->n_sysctl == 1 && strcmp(l->sysctl[0].key, "net.ipv4.ip_forward") == 0, "sysctl");
  is_str(l->cgroups_path, "/hutch/x", "cgroupsPath");
  ok(l->n_devices == 2 && l->devices[0].type == 'c' && l->devices[0].major == 10 &&
         l->devices[0].minor == 229 && l->devices[0].has_file_mode &&
         l->devices[0].file_mode == 0666 && l->devices[0].has_uid,
     "char device");
  ok(l->devices[1].type == 'p' && !l->devices[1].has_file_mode, "fifo without numbers");
  ok(l->rootfs_propagation_flags == (MS_SLAVE | MS_REC), "rootfsPropagation rslave");
  is_str(l->mount_label, "ml", "mountLabel");
  ok(l->has_personality && l->personality == PER_LINUX32, "personality");
  ok(l->has_time_offsets && l->monotonic_secs == -10 && l->monotonic_nanosecs == 5 &&
         l->boottime_secs == 86400,
     "timeOffsets");
  ok(l->has_intel_rdt, "intelRdt");
  ok(!l->seccomp.present && !l->resources.present, "no seccomp or resources");
}

static void test_errors(void) {
  /* document level */
  parse_bad("{", "invalid JSON");
  parse_bad("[]", "config: must be a JSON object");
  parse_bad("{\"root\":{\"path\":\"r\"}}", "ociVersion: required");
  parse_bad("{\"ociVersion\":1,\"root\":{\"path\":\"r\"}}", "ociVersion: must be a string");
  parse_bad("{\"ociVersion\":\"1.0.0\"}", "root: required");
  parse_bad("{\"ociVersion\":\"1.0.0\",\"root\":{}}", "root.path: required");
  parse_bad("{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\",\"readonly\":\"yes\"}}",
            "root.readonly: must be a boolean");
  bad("\"hostname\":5", "hostname: must be a string");
  bad("\"mounts\":{}", "mounts: must be an array");
  bad("\"annotations\":{\"a\":1}", "annotations.a: must be a string");

  /* process */
  parse_bad(BASE_HEAD ",\"process\":{\"cwd\":\"/\"}}",
            "process.args: must be a non-empty array of strings");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[],\"cwd\":\"/\"}}",
            "process.args: must be a non-empty array of strings");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":\"sh\",\"cwd\":\"/\"}}",
            "process.args: must be a non-empty array of strings");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\",2],\"cwd\":\"/\"}}",
            "process.args[1]: must be a string");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"]}}", "process.cwd: required");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"],\"cwd\":\"rel\"}}",
            "process.cwd: must be an absolute path");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"env\":[\"A=1\",\"B\"]}}",
            "process.env[1]: must be KEY=VALUE");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"uid\":-1}}}",
            "process.user.uid: must be an unsigned integer");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"uid\":\"0\"}}}",
            "process.user.uid: must be an unsigned integer");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"gid\":1.5}}}",
            "process.user.gid: must be an unsigned integer");
  parse_bad(BASE_HEAD
            ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"uid\":4294967296}}}",
            "process.user.uid: 4294967296 out of range");
  parse_bad(BASE_HEAD
            ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"additionalGids\":[1,-2]}}}",
            "process.user.additionalGids[1]: must be an unsigned integer");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"umask\":512}}}",
            "process.user.umask: must be at most 0777");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"terminal\":1}}",
            "process.terminal: must be a boolean");
  parse_bad(BASE_HEAD
            ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"consoleSize\":{\"height\":1}}}",
            "process.consoleSize.width: required");
  parse_bad(BASE_HEAD
            ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"capabilities\":{\"bounding\":\"x\"}}}",
            "process.capabilities.bounding: must be an array");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":"
                      "\"RLIMIT_FOO\",\"hard\":1,\"soft\":1}]}}",
            "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"rlimits\":["
                      "{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,\"soft\":1},"
                      "{\"type\":\"RLIMIT_NOFILE\",\"hard\":2,\"soft\":2}]}}",
            "process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"rlimits\":["
                      "{\"type\":\"RLIMIT_NOFILE\",\"soft\":1}]}}",
            "process.rlimits[0].hard: required");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"oomScoreAdj\":1001}}",
            "process.oomScoreAdj: 1001 out of range");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"ioPriority\":"
                      "{\"class\":\"IOPRIO_CLASS_NONE\",\"priority\":0}}}",
            "process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\"");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"scheduler\":"
                      "{\"policy\":\"SCHED_FAST\"}}}",
            "process.scheduler.policy: unknown scheduler policy \"SCHED_FAST\"");
  parse_bad(BASE_HEAD ",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"scheduler\":"
                      "{\"policy\":\"SCHED_RR\",\"flags\":[\"SCHED_FLAG_NOPE\"]}}}",
            "process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_NOPE\"");

  /* mounts */
  bad("\"mounts\":[{\"type\":\"tmpfs\"}]", "mounts[0].destination: required");
  bad("\"mounts\":[{\"destination\":\"/a\"},{\"destination\":\"/b\",\"options\":[1]}]",
      "mounts[1].options[0]: must be a string");
  bad("\"mounts\":[{\"destination\":\"/a\",\"uidMappings\":[{\"containerID\":0,\"size\":1}]}]",
      "mounts[0].uidMappings[0].hostID: required");

  /* hooks */
  bad("\"hooks\":{\"prestart\":[{\"path\":\"rel/hook\"}]}",
      "hooks.prestart[0].path: must be an absolute path");
  bad("\"hooks\":{\"poststop\":[{\"path\":\"/h\",\"timeout\":0}]}",
      "hooks.poststop[0].timeout: must be greater than zero");
  bad("\"hooks\":{\"createRuntime\":[{\"path\":\"/h\",\"timeout\":-3}]}",
      "hooks.createRuntime[0].timeout: must be greater than zero");
  bad("\"hooks\":{\"startContainer\":[{\"args\":[\"x\"]}]}",
      "hooks.startContainer[0].path: required");
  bad("\"hooks\":{\"poststart\":[{\"path\":\"/h\",\"env\":[\"NOEQ\"]}]}",
      "hooks.poststart[0].env[0]: must be KEY=VALUE");
  bad("\"hooks\":{\"createContainer\":{}}", "hooks.createContainer: must be an array");

  /* linux */
  bad("\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"foo\"}]}",
      "linux.namespaces[2].type: unknown namespace type \"foo\"");
  bad("\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}",
      "linux.namespaces[1].type: duplicate namespace type \"pid\"");
  bad("\"linux\":{\"namespaces\":[{}]}", "linux.namespaces[0].type: required");
  bad("\"linux\":{\"namespaces\":[\"pid\"]}", "linux.namespaces[0]: must be an object");
  bad("\"linux\":{\"namespaces\":[{\"type\":\"net\"}]}", "unknown namespace type \"net\"");
  bad("\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"netns\"}]}",
      "linux.namespaces[0].path: must be an absolute path");
  bad("\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":-1,\"size\":1}]}",
      "linux.uidMappings[0].hostID: must be an unsigned integer");
  bad("\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"x\",\"major\":1,\"minor\":1}]}",
      "linux.devices[0].type: unknown device type \"x\"");
  bad("\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1}]}",
      "linux.devices[0].minor: required");
  bad("\"linux\":{\"devices\":[{\"path\":\"dev/x\",\"type\":\"b\",\"major\":1,\"minor\":1}]}",
      "linux.devices[0].path: must be an absolute path");
  bad("\"linux\":{\"rootfsPropagation\":\"sideways\"}",
      "linux.rootfsPropagation: unknown propagation \"sideways\"");
  bad("\"linux\":{\"maskedPaths\":[\"/ok\",\"proc/kcore\"]}",
      "linux.maskedPaths[1]: must be an absolute path");
  bad("\"linux\":{\"readonlyPaths\":[\"proc\"]}",
      "linux.readonlyPaths[0]: must be an absolute path");
  bad("\"linux\":{\"personality\":{\"domain\":\"BSD\"}}",
      "linux.personality.domain: unknown domain \"BSD\"");
  bad("\"linux\":{\"timeOffsets\":{\"realtime\":{\"secs\":1}}}",
      "linux.timeOffsets.realtime: unknown clock");
  bad("\"linux\":{\"timeOffsets\":{\"boottime\":{\"nanosecs\":1000000000}}}",
      "linux.timeOffsets.boottime.nanosecs: must be below 1000000000");
  bad("\"linux\":{\"sysctl\":{\"kernel.x\":1}}", "linux.sysctl.kernel.x: must be a string");
  bad("\"linux\":{\"cgroupsPath\":[]}", "linux.cgroupsPath: must be a string");
  bad("\"linux\":[]", "linux: must be an object");

  /* resources */
  bad("\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1g\"}}}",
      "linux.resources.memory.limit: must be an integer");
  bad("\"linux\":{\"resources\":{\"memory\":{\"swappiness\":101}}}",
      "linux.resources.memory.swappiness: must be at most 100");
  bad("\"linux\":{\"resources\":{\"memory\":{\"swappiness\":-2}}}",
      "linux.resources.memory.swappiness: must be an unsigned integer");
  bad("\"linux\":{\"resources\":{\"cpu\":{\"shares\":-2}}}",
      "linux.resources.cpu.shares: must be an unsigned integer");
  bad("\"linux\":{\"resources\":{\"devices\":[{\"access\":\"rwm\"}]}}",
      "linux.resources.devices[0].allow: required");
  bad("\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"p\"}]}}",
      "linux.resources.devices[0].type: unknown device type \"p\"");
  bad("\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"\"}]}}",
      "linux.resources.devices[0].access: must be letters with at least one of r, w and m, "
      "got \"\"");
  bad("\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"r w\"}]}}",
      "linux.resources.devices[0].access: must be letters");
  bad("\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"ax\"}]}}",
      "linux.resources.devices[0].access: must be letters with at least one of r, w and m");
  bad("\"linux\":{\"resources\":{\"blockIO\":{\"weight\":70000}}}",
      "linux.resources.blockIO.weight: 70000 out of range");
  bad("\"linux\":{\"resources\":{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,"
      "\"minor\":0}]}}}",
      "linux.resources.blockIO.throttleReadBpsDevice[0].rate: required");
  bad("\"linux\":{\"resources\":{\"hugepageLimits\":[{\"limit\":1}]}}",
      "linux.resources.hugepageLimits[0].pageSize: required");
  bad("\"linux\":{\"resources\":{\"network\":{\"priorities\":[{\"name\":\"eth0\"}]}}}",
      "linux.resources.network.priorities[0].priority: required");
  bad("\"linux\":{\"resources\":{\"unified\":{\"memory.max\":5}}}",
      "linux.resources.unified.memory.max: must be a string");
  bad("\"linux\":{\"resources\":{\"pids\":{\"limit\":\"10\"}}}",
      "linux.resources.pids.limit: must be an integer");

  /* seccomp */
  bad("\"linux\":{\"seccomp\":{}}", "linux.seccomp.defaultAction: required");
  bad("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOPE\"}}",
      "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_NOPE\"");
  bad("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}}",
      "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
  bad("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"BAD\"]}}",
      "linux.seccomp.flags[0]: unknown seccomp flag \"BAD\"");
  bad("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
      "[\"read\"],\"action\":\"SCMP_ACT_ERRNO\"},{\"names\":[\"write\"],\"action\":\"KILL\"}]}}",
      "linux.seccomp.syscalls[1].action: unknown seccomp action \"KILL\"");
  bad("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
      "[],\"action\":\"SCMP_ACT_ERRNO\"}]}}",
      "linux.seccomp.syscalls[0].names: must not be empty");
  bad("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
      "[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,"
      "\"op\":\"SCMP_CMP_ALMOST\"}]}]}}",
      "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_ALMOST\"");
  bad("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
      "[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,"
      "\"op\":\"SCMP_CMP_EQ\"}]}]}}",
      "linux.seccomp.syscalls[0].args[0].index: 6 out of range");
  bad("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
      "[\"kill\"],\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":1}]}}",
      "linux.seccomp.syscalls[0].errnoRet: only valid with");
  bad("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"x.sock\"}}",
      "linux.seccomp.listenerPath: must be an absolute path");
}

/* One mount with the given options; returns the parsed spec. */
static struct spec *mount_with(const char *type, const char *opts) {
  _cleanup_free_ char *frag = NULL;
  if (asprintf(&frag,
               "\"mounts\":[{\"destination\":\"/m\",\"type\":\"%s\",\"source\":\"s\","
               "\"options\":[%s]}]",
               type, opts) < 0)
    abort();
  return good(frag, opts);
}

static void test_mount_options(void) {
  static const struct {
    const char *opt;
    unsigned long set, clear;
  } table[] = {
      {"ro", MS_RDONLY, 0},
      {"rw", 0, MS_RDONLY},
      {"suid", 0, MS_NOSUID},
      {"nosuid", MS_NOSUID, 0},
      {"dev", 0, MS_NODEV},
      {"nodev", MS_NODEV, 0},
      {"exec", 0, MS_NOEXEC},
      {"noexec", MS_NOEXEC, 0},
      {"sync", MS_SYNCHRONOUS, 0},
      {"async", 0, MS_SYNCHRONOUS},
      {"dirsync", MS_DIRSYNC, 0},
      {"remount", MS_REMOUNT, 0},
      {"mand", MS_MANDLOCK, 0},
      {"nomand", 0, MS_MANDLOCK},
      {"atime", 0, MS_NOATIME},
      {"noatime", MS_NOATIME, 0},
      {"diratime", 0, MS_NODIRATIME},
      {"nodiratime", MS_NODIRATIME, 0},
      {"relatime", MS_RELATIME, 0},
      {"norelatime", 0, MS_RELATIME},
      {"strictatime", MS_STRICTATIME, 0},
      {"nostrictatime", 0, MS_STRICTATIME},
      {"nosymfollow", MS_NOSYMFOLLOW, 0},
      {"bind", MS_BIND, 0},
      {"rbind", MS_BIND | MS_REC, 0},
  };
  for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
    char q[64];
    snprintf(q, sizeof(q), "\"%s\"", table[i].opt);
    _cleanup_spec_ struct spec *s = mount_with("tmpfs", q);
    if (s == NULL)
      continue;
    const struct spec_mount *m = &s->mounts[0];
    ok(m->flags == table[i].set && m->clear_flags == table[i].clear && m->data == NULL,
       "option %s -> flags %#lx clear %#lx", table[i].opt, table[i].set, table[i].clear);
  }

  static const struct {
    const char *opt;
    unsigned long prop;
  } props[] = {
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
      {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  for (size_t i = 0; i < ARRAY_SIZE(props); i++) {
    char q[64];
    snprintf(q, sizeof(q), "\"%s\"", props[i].opt);
    _cleanup_spec_ struct spec *s = mount_with("bind", q);
    if (s)
      ok(s->mounts[0].propagation == props[i].prop && s->mounts[0].data == NULL, "propagation %s",
         props[i].opt);
  }

  static const struct {
    const char *opt;
    uint64_t set, clr;
  } rec[] = {
      {"rro", MOUNT_ATTR_RDONLY, 0},
      {"rrw", 0, MOUNT_ATTR_RDONLY},
      {"rnosuid", MOUNT_ATTR_NOSUID, 0},
      {"rnodev", MOUNT_ATTR_NODEV, 0},
      {"rnoexec", MOUNT_ATTR_NOEXEC, 0},
      {"rexec", 0, MOUNT_ATTR_NOEXEC},
      {"rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
      {"rrelatime", 0, MOUNT_ATTR__ATIME},
      {"rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
      {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0},
  };
  for (size_t i = 0; i < ARRAY_SIZE(rec); i++) {
    char q[64];
    snprintf(q, sizeof(q), "\"%s\"", rec[i].opt);
    _cleanup_spec_ struct spec *s = mount_with("bind", q);
    if (s)
      ok(s->mounts[0].rec_attr_set == rec[i].set && s->mounts[0].rec_attr_clr == rec[i].clr &&
             s->mounts[0].flags == MS_BIND && s->mounts[0].data == NULL,
         "recursive option %s", rec[i].opt);
  }

  _cleanup_spec_ struct spec *s =
      mount_with("tmpfs", "\"nosuid\",\"mode=755\",\"ro\",\"size=65536k\",\"rw\",\"tmpcopyup\","
                          "\"custom\"");
  if (s) {
    const struct spec_mount *m = &s->mounts[0];
    is_str(m->data, "mode=755,size=65536k,custom", "data keeps fs options in order");
    ok(m->flags == MS_NOSUID && m->clear_flags == MS_RDONLY, "ro then rw ends read-write");
    ok(m->tmpcopyup && !m->bind, "tmpcopyup accepted");
    ok(strv_eq(m->options, (const char *const[]){"nosuid", "mode=755", "ro", "size=65536k", "rw",
                                                 "tmpcopyup", "custom", NULL}),
       "options kept as written");
  }
  _cleanup_spec_ struct spec *b = mount_with("bind", "");
  if (b)
    ok(b->mounts[0].bind && !b->mounts[0].recursive_bind && b->mounts[0].flags == MS_BIND,
       "type bind without options is a bind mount");
  _cleanup_spec_ struct spec *rb = mount_with("none", "\"rbind\",\"ro\"");
  if (rb)
    ok(rb->mounts[0].bind && rb->mounts[0].recursive_bind &&
           rb->mounts[0].flags == (MS_BIND | MS_REC | MS_RDONLY),
       "rbind option");
  _cleanup_spec_ struct spec *id = mount_with("bind", "\"idmap\"");
  if (id)
    ok(id->mounts[0].idmap && !id->mounts[0].ridmap, "idmap");
  _cleanup_spec_ struct spec *rid = mount_with("bind", "\"ridmap\"");
  if (rid)
    ok(rid->mounts[0].ridmap && !rid->mounts[0].idmap, "ridmap");

  /* relative destination: runc 1.1 compatibility */
  _cleanup_spec_ struct spec *rel =
      good("\"mounts\":[{\"destination\":\"data\",\"type\":\"tmpfs\"}]", "relative destination");
  if (rel)
    is_str(rel->mounts[0].destination, "/data", "relative destination made absolute");

  _cleanup_spec_ struct spec *mm =
      good("\"mounts\":[{\"destination\":\"/m\",\"type\":\"bind\",\"source\":\"/s\","
           "\"options\":[\"idmap\"],"
           "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10}],"
           "\"gidMappings\":[{\"containerID\":1,\"hostID\":2000,\"size\":20}]}]",
           "mount id mappings");
  if (mm) {
    const struct spec_mount *m = &mm->mounts[0];
    ok(m->n_uid_mappings == 1 && m->uid_mappings[0].host_id == 1000 &&
           m->uid_mappings[0].size == 10,
       "mount uidMappings");
    ok(m->n_gid_mappings == 1 && m->gid_mappings[0].container_id == 1 &&
           m->gid_mappings[0].host_id == 2000,
       "mount gidMappings");
  }
}

static void test_resources(void) {
  const char *r =
      "\"linux\":{\"resources\":{"
      "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
      " {\"allow\":true,\"type\":\"c\",\"major\":1,\"access\":\"rw\"},"
      " {\"allow\":true,\"type\":\"b\",\"major\":8,\"minor\":0,\"access\":\"r\"},"
      " {\"allow\":true,\"type\":\"c\",\"major\":5,\"access\":\"mwra\"}],"
      "\"memory\":{\"limit\":1073741824,\"reservation\":536870912,\"swap\":-1,\"kernel\":1,"
      " \"kernelTCP\":2,\"swappiness\":60,\"disableOOMKiller\":true,\"useHierarchy\":false,"
      " \"checkBeforeUpdate\":true},"
      "\"cpu\":{\"shares\":1024,\"quota\":50000,\"burst\":10,\"period\":100000,"
      " \"realtimeRuntime\":950000,\"realtimePeriod\":1000000,\"cpus\":\"0-1\",\"mems\":\"0\","
      " \"idle\":1},"
      "\"pids\":{\"limit\":100},"
      "\"blockIO\":{\"weight\":500,\"leafWeight\":300,"
      " \"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":600}],"
      " \"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
      " \"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,\"rate\":100}]},"
      "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":209715200}],"
      "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]},"
      "\"unified\":{\"memory.high\":\"max\",\"io.weight\":\"default 100\"},"
      "\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3}}}}";
  _cleanup_spec_ struct spec *s = good(r, "resources");
  if (s == NULL)
    return;
  const struct spec_resources *res = &s->linux_.resources;
  ok(res->present && res->n_devices == 4, "four device rules");
  ok(strcmp(res->devices[3].access, "rwm") == 0,
     "access \"mwra\": r, w, m in order, unknown letters ignored (runc)");
  ok(!res->devices[0].allow && res->devices[0].type == 'a' && res->devices[0].major == -1 &&
         res->devices[0].minor == -1,
     "deny all: type a, wildcard numbers");
  ok(res->devices[1].type == 'c' && res->devices[1].major == 1 && res->devices[1].minor == -1 &&
         strcmp(res->devices[1].access, "rw") == 0,
     "missing minor is a wildcard");
  ok(res->devices[2].type == 'b' && res->devices[2].major == 8 && res->devices[2].minor == 0,
     "block device rule");
  const struct spec_memory *m = &res->memory;
  ok(res->has_memory && m->has_limit && m->limit == 1073741824 && m->has_swap && m->swap == -1 &&
         m->has_swappiness && m->swappiness == 60 && m->has_disable_oom_killer &&
         m->disable_oom_killer && m->has_use_hierarchy && !m->use_hierarchy &&
         m->has_check_before_update && m->has_kernel_tcp && m->kernel_tcp == 2,
     "memory");
  const struct spec_cpu *c = &res->cpu;
  ok(res->has_cpu && c->has_shares && c->shares == 1024 && c->has_quota && c->quota == 50000 &&
         c->has_burst && c->has_period && c->period == 100000 && c->has_realtime_runtime &&
         c->has_realtime_period && c->has_idle && c->idle == 1 && strcmp(c->cpus, "0-1") == 0 &&
         strcmp(c->mems, "0") == 0,
     "cpu");
  ok(res->has_pids && res->pids_limit == 100, "pids");
  const struct spec_blkio *b = &res->blkio;
  ok(res->has_blkio && b->has_weight && b->weight == 500 && b->has_leaf_weight &&
         b->leaf_weight == 300,
     "blkio weights");
  ok(b->n_weight_device == 1 && b->weight_device[0].major == 8 && b->weight_device[0].has_weight &&
         b->weight_device[0].weight == 600 && !b->weight_device[0].has_leaf_weight,
     "weightDevice");
  ok(b->n_throttle_read_bps == 1 && b->throttle_read_bps[0].rate == 1048576 &&
         b->n_throttle_write_iops == 1 && b->throttle_write_iops[0].minor == 16 &&
         b->n_throttle_write_bps == 0 && b->n_throttle_read_iops == 0,
     "throttle lists");
  ok(res->n_hugepage_limits == 1 && strcmp(res->hugepage_limits[0].page_size, "2MB") == 0 &&
         res->hugepage_limits[0].limit == 209715200,
     "hugepageLimits");
  ok(res->has_network && res->has_class_id && res->class_id == 1048577 &&
         res->n_net_priorities == 1 && strcmp(res->net_priorities[0].name, "eth0") == 0 &&
         res->net_priorities[0].priority == 5,
     "network");
  ok(res->n_unified == 2 && strcmp(res->unified[1].key, "io.weight") == 0 &&
         strcmp(res->unified[1].value, "default 100") == 0,
     "unified");

  /* update --resources: a bare object */
  struct spec_resources upd;
  struct hutch_error *e = NULL;
  const char *u = "{\"memory\":{\"limit\":2048},\"pids\":{\"limit\":-1}}";
  is_int(hutch_spec_parse_resources(u, strlen(u), &upd, &e), 0, "bare resources parse");
  ok(upd.present && upd.has_memory && upd.memory.limit == 2048 && !upd.memory.has_swap &&
         upd.has_pids && upd.pids_limit == -1 && !upd.has_cpu,
     "bare resources values");
  hutch_spec_resources_clear(&upd);
  const char *sw = "{\"memory\":{\"swappiness\":-1,\"limit\":1}}";
  is_int(hutch_spec_parse_resources(sw, strlen(sw), &upd, &e), 0, "swappiness -1 accepted");
  ok(upd.has_memory && !upd.memory.has_swappiness, "swappiness -1 means unset");
  hutch_spec_resources_clear(&upd);
  ok(!upd.present && upd.devices == NULL, "clear resets");
  hutch_spec_resources_clear(&upd); /* twice is fine */
  const char *bu = "{\"cpu\":{\"quota\":\"x\"}}";
  ok(hutch_spec_parse_resources(bu, strlen(bu), &upd, &e) < 0 && e &&
         strstr(e->msg, "resources.cpu.quota: must be an integer"),
     "bare resources error names the field");
  hutch_error_free(e);
  e = NULL;
  const char *bd = "{\"devices\":[{\"allow\":true},{\"allow\":1}]}";
  ok(hutch_spec_parse_resources(bd, strlen(bd), &upd, &e) < 0 && e &&
         strstr(e->msg, "resources.devices[1].allow: must be a boolean") && upd.devices == NULL,
     "failed bare parse frees what it built");
  hutch_error_free(e);
  e = NULL;
  ok(hutch_spec_parse_resources("[1]", 3, &upd, &e) < 0 && e &&
         strstr(e->msg, "resources: must be a JSON object"),
     "bare resources must be an object");
  hutch_error_free(e);
}

static void test_seccomp(void) {
  const char *sc =
      "\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
      "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],"
      "\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
      "\"listenerPath\":\"/run/seccomp.sock\",\"listenerMetadata\":\"meta\","
      "\"syscalls\":["
      " {\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
      " {\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":["
      "   {\"index\":0,\"value\":4294967295,\"op\":\"SCMP_CMP_EQ\"},"
      "   {\"index\":1,\"value\":255,\"valueTwo\":8,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
      " {\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1},"
      " {\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":7},"
      " {\"names\":[\"kill\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"},"
      " {\"names\":[\"a\"],\"action\":\"SCMP_ACT_KILL\"},"
      " {\"names\":[\"b\"],\"action\":\"SCMP_ACT_KILL_THREAD\"},"
      " {\"names\":[\"c\"],\"action\":\"SCMP_ACT_TRAP\"},"
      " {\"names\":[\"d\"],\"action\":\"SCMP_ACT_LOG\"},"
      " {\"names\":[\"e\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}}";
  _cleanup_spec_ struct spec *s = good(sc, "seccomp");
  if (s == NULL)
    return;
  const struct spec_seccomp *p = &s->linux_.seccomp;
  ok(p->present, "seccomp present");
  is_str(p->default_action, "SCMP_ACT_ERRNO", "defaultAction name");
  is_int(p->default_action_value, SCMP_ACT_ERRNO(0), "defaultAction value");
  ok(p->has_default_errno_ret && p->default_errno_ret == 38, "defaultErrnoRet");
  ok(strv_eq(p->architectures, (const char *const[]){"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", NULL}),
     "architectures");
  ok(hutch_strv_len(p->flags) == 2, "flags");
  is_str(p->listener_path, "/run/seccomp.sock", "listenerPath");
  is_str(p->listener_metadata, "meta", "listenerMetadata");
  is_int(p->n_syscalls, 10, "ten syscall rules");
  ok(strv_eq(p->syscalls[0].names, (const char *const[]){"read", "write", NULL}) &&
         p->syscalls[0].action == SCMP_ACT_ALLOW && p->syscalls[0].n_args == 0,
     "allow read/write");
  const struct spec_seccomp_syscall *pers = &p->syscalls[1];
  ok(pers->n_args == 2 && pers->args[0].index == 0 && pers->args[0].value == 4294967295u &&
         pers->args[0].op == SCMP_CMP_EQ,
     "arg EQ");
  ok(pers->args[1].index == 1 && pers->args[1].value == 255 && pers->args[1].value_two == 8 &&
         pers->args[1].op == SCMP_CMP_MASKED_EQ,
     "arg MASKED_EQ with valueTwo");
  ok(p->syscalls[2].action == SCMP_ACT_ERRNO(0) && p->syscalls[2].has_errno_ret &&
         p->syscalls[2].errno_ret == 1 && strcmp(p->syscalls[2].action_name, "SCMP_ACT_ERRNO") == 0,
     "errno action with errnoRet");
  ok(p->syscalls[3].action == SCMP_ACT_TRACE(0) && p->syscalls[3].errno_ret == 7, "trace");
  is_int(p->syscalls[4].action, SCMP_ACT_KILL_PROCESS, "kill process");
  is_int(p->syscalls[5].action, SCMP_ACT_KILL, "kill");
  is_int(p->syscalls[6].action, SCMP_ACT_KILL_THREAD, "kill thread");
  is_int(p->syscalls[7].action, SCMP_ACT_TRAP, "trap");
  is_int(p->syscalls[8].action, SCMP_ACT_LOG, "log");
  is_int(p->syscalls[9].action, SCMP_ACT_NOTIFY, "notify");

  static const struct {
    const char *name;
    int op;
  } ops[] = {{"SCMP_CMP_NE", SCMP_CMP_NE},
             {"SCMP_CMP_LT", SCMP_CMP_LT},
             {"SCMP_CMP_LE", SCMP_CMP_LE},
             {"SCMP_CMP_EQ", SCMP_CMP_EQ},
             {"SCMP_CMP_GE", SCMP_CMP_GE},
             {"SCMP_CMP_GT", SCMP_CMP_GT},
             {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
  for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
    _cleanup_free_ char *frag = NULL;
    if (asprintf(&frag,
                 "\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                 "{\"names\":[\"x\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":5,"
                 "\"value\":1,\"op\":\"%s\"}]}]}}",
                 ops[i].name) < 0)
      abort();
    _cleanup_spec_ struct spec *o = good(frag, ops[i].name);
    if (o)
      ok(o->linux_.seccomp.syscalls[0].args[0].op == ops[i].op &&
             o->linux_.seccomp.syscalls[0].args[0].index == 5,
         "op %s", ops[i].name);
  }
}

static void test_hooks(void) {
  const char *h = "\"hooks\":{"
                  "\"prestart\":[{\"path\":\"/bin/a\",\"args\":[\"a\",\"1\"],\"env\":[\"X=1\"],"
                  " \"timeout\":5},{\"path\":\"/bin/b\"}],"
                  "\"createRuntime\":[{\"path\":\"/bin/cr\"}],"
                  "\"createContainer\":[{\"path\":\"/bin/cc\"}],"
                  "\"startContainer\":[{\"path\":\"/bin/sc\"}],"
                  "\"poststart\":[{\"path\":\"/bin/ps\"}],"
                  "\"poststop\":[{\"path\":\"/bin/pst\",\"timeout\":1}],"
                  "\"unknownHook\":[{\"path\":\"rel\"}]}";
  _cleanup_spec_ struct spec *s = good(h, "hooks");
  if (s == NULL)
    return;
  const struct spec_hooks *k = &s->hooks;
  ok(k->n[SPEC_HOOK_PRESTART] == 2, "two prestart hooks");
  const struct spec_hook *a = &k->list[SPEC_HOOK_PRESTART][0];
  ok(strcmp(a->path, "/bin/a") == 0 && strv_eq(a->args, (const char *const[]){"a", "1", NULL}) &&
         strv_eq(a->env, (const char *const[]){"X=1", NULL}) && a->has_timeout && a->timeout == 5,
     "prestart[0]");
  ok(!k->list[SPEC_HOOK_PRESTART][1].has_timeout && k->list[SPEC_HOOK_PRESTART][1].args == NULL,
     "prestart[1] without timeout or args");
  const char *want[] = {NULL, "/bin/cr", "/bin/cc", "/bin/sc", "/bin/ps", "/bin/pst"};
  for (int i = 1; i < SPEC_HOOK__MAX; i++)
    ok(k->n[i] == 1 && strcmp(k->list[i][0].path, want[i]) == 0, "%s hook",
       hutch_spec_hook_name(i));
  ok(k->list[SPEC_HOOK_POSTSTOP][0].timeout == 1, "poststop timeout");
}

static void test_names(void) {
  is_str(hutch_spec_ns_name(SPEC_NS_MOUNT), "mount", "mount name");
  is_str(hutch_spec_ns_name(SPEC_NS_NETWORK), "network", "network name");
  is_str(hutch_spec_ns_name(SPEC_NS_TIME), "time", "time name");
  ok(hutch_spec_ns_name(SPEC_NS__MAX) == NULL, "out of range name");
  is_int(hutch_spec_ns_clone_flag(SPEC_NS_MOUNT), CLONE_NEWNS, "CLONE_NEWNS");
  is_int(hutch_spec_ns_clone_flag(SPEC_NS_USER), CLONE_NEWUSER, "CLONE_NEWUSER");
  is_int(hutch_spec_ns_clone_flag(SPEC_NS_CGROUP), CLONE_NEWCGROUP, "CLONE_NEWCGROUP");
  is_int(hutch_spec_ns_clone_flag(SPEC_NS_TIME), 0x80, "CLONE_NEWTIME");
  is_str(hutch_spec_hook_name(SPEC_HOOK_PRESTART), "prestart", "prestart name");
  is_str(hutch_spec_hook_name(SPEC_HOOK_POSTSTOP), "poststop", "poststop name");
  hutch_spec_free(NULL);
  struct spec *n = NULL;
  hutch_spec_freep(&n);
  ok(1, "free accepts NULL");
}

static void test_load(void) {
  char dir[] = "/tmp/hutch-spec-XXXXXX";
  ok(mkdtemp(dir) != NULL, "mkdtemp");
  char path[64];
  snprintf(path, sizeof(path), "%s/config.json", dir);
  struct spec *s = NULL;
  struct hutch_error *e = NULL;
  ok(hutch_spec_load(path, &s, &e) == -ENOENT && e && strstr(e->msg, "open ") &&
         strstr(e->msg, "config.json") && e->errnum == ENOENT,
     "missing file: open <path> with ENOENT");
  hutch_error_free(e);
  e = NULL;
  _cleanup_free_ char *j = hutch_spec_default_json(false, 0, 0);
  FILE *f = fopen(path, "w");
  fputs(j, f);
  fclose(f);
  is_int(hutch_spec_load(path, &s, &e), 0, "load default spec from file");
  ok(s && s->n_mounts == 7, "loaded");
  hutch_spec_free(s);
  s = NULL;
  f = fopen(path, "w");
  fputs("{\"ociVersion\":\"1\",\"root\":{\"path\":5}}", f);
  fclose(f);
  ok(hutch_spec_load(path, &s, &e) < 0 && e && strstr(e->msg, path) &&
         strstr(e->msg, "root.path: must be a string"),
     "load error carries path and field");
  hutch_error_free(e);
  unlink(path);
  rmdir(dir);
}

/* Every prefix of a big valid config is either valid or cleanly rejected;
 * under ASan this checks the error paths free what they built. */
static void test_truncations(void) {
  _cleanup_free_ char *j = NULL;
  if (asprintf(&j, "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},"
                   "\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"env\":[\"A=1\"],"
                   "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,\"soft\":1}],"
                   "\"capabilities\":{\"bounding\":[\"CAP_KILL\"]}},"
                   "\"mounts\":[{\"destination\":\"/a\",\"options\":[\"ro\",\"size=1\"]}],"
                   "\"hooks\":{\"prestart\":[{\"path\":\"/h\",\"args\":[\"h\"]}]},"
                   "\"annotations\":{\"k\":\"v\"},"
                   "\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"path\":\"/p\"}],"
                   "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                   "[\"x\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,"
                   "\"op\":\"SCMP_CMP_EQ\"}]}]},"
                   "\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"r\"}],"
                   "\"unified\":{\"a\":\"b\"}}}}") < 0)
    abort();
  size_t n = strlen(j), fails = 0;
  for (size_t i = 0; i < n; i++) {
    struct spec *s = NULL;
    struct hutch_error *e = NULL;
    if (hutch_spec_parse(j, i, &s, &e) < 0 && e != NULL && s == NULL)
      fails++;
    hutch_spec_free(s);
    hutch_error_free(e);
  }
  is_int(fails, n, "every truncated config is rejected with an error");

  /* Now break each value in turn: replace the k-th JSON value token with
   * a value of a wrong type. */
  size_t rejected = 0, tried = 0;
  for (size_t i = 0; i < n; i++) {
    if (j[i] != ':')
      continue;
    _cleanup_free_ char *b = strdup(j);
    size_t k = i + 1;
    char c = b[k];
    if (c == '"') {
      b[k] = '7'; /* "..." -> 7..." : invalid JSON unless we also fix the end */
      char *end = strchr(b + k + 1, '"');
      if (end == NULL)
        continue;
      memset(b + k + 1, ' ', (size_t)(end - (b + k + 1)) + 1);
    } else if (c == '[' || c == '{') {
      continue;
    } else {
      b[k] = '"'; /* number -> broken string: invalid JSON, still rejected */
    }
    tried++;
    struct spec *s = NULL;
    struct hutch_error *e = NULL;
    if (hutch_spec_parse(b, n, &s, &e) < 0 && e)
      rejected++;
    hutch_spec_free(s);
    hutch_error_free(e);
  }
  ok(tried >= 15 && rejected == tried, "wrong-typed values: %zu of %zu rejected", rejected, tried);
}

/* exec --process FILE: a bare process object, parsed like config.json's. */
static void test_process_only(void) {
  struct spec_process p;
  struct hutch_error *e = NULL;
  const char *j = "{\"args\":[\"sh\",\"-c\",\"true\"],\"cwd\":\"/tmp\",\"env\":[\"A=1\"],"
                  "\"user\":{\"uid\":1000,\"gid\":100},\"noNewPrivileges\":true,"
                  "\"capabilities\":{\"bounding\":[\"CAP_KILL\"]},"
                  "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":64,\"soft\":32}]}";
  is_int(hutch_spec_parse_process(j, strlen(j), &p, &e), 0, "process object parses");
  static const char *const args[] = {"sh", "-c", "true", NULL};
  static const char *const env[] = {"A=1", NULL};
  static const char *const bnd[] = {"CAP_KILL", NULL};
  ok(strv_eq(p.args, args) && strv_eq(p.env, env), "process args and env");
  is_str(p.cwd, "/tmp", "process cwd");
  ok(p.user.uid == 1000 && p.user.gid == 100 && p.no_new_privileges, "process user and nnp");
  ok(p.has_caps && strv_eq(p.caps.bounding, bnd) && p.caps.effective == NULL, "process caps");
  ok(p.n_rlimits == 1 && p.rlimits[0].resource == RLIMIT_NOFILE && p.rlimits[0].soft == 32,
     "process rlimits");
  hutch_spec_process_clear(&p);
  ok(p.args == NULL && p.n_rlimits == 0, "clear resets");

  const char *noargs = "{\"cwd\":\"/\"}";
  ok(hutch_spec_parse_process(noargs, strlen(noargs), &p, &e) < 0 && e &&
         strstr(e->msg, "process.args: must be a non-empty array of strings") && p.args == NULL,
     "process without args is rejected, naming the field");
  hutch_error_free(e);
  e = NULL;
  const char *relcwd = "{\"args\":[\"sh\"],\"cwd\":\"tmp\"}";
  ok(hutch_spec_parse_process(relcwd, strlen(relcwd), &p, &e) < 0 && e &&
         strstr(e->msg, "process.cwd"),
     "relative cwd is rejected");
  hutch_error_free(e);
  e = NULL;
  ok(hutch_spec_parse_process("[]", 2, &p, &e) < 0 && e &&
         strstr(e->msg, "process: must be a JSON object"),
     "process must be an object");
  hutch_error_free(e);
}

int main(void) {
  test_default();
  test_default_rootless();
  test_full();
  test_errors();
  test_mount_options();
  test_resources();
  test_process_only();
  test_seccomp();
  test_hooks();
  test_names();
  test_load();
  test_truncations();
  return done_testing();
}
