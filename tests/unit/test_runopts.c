/* The run/create checks of issue 15 (engine/runopts.c) with docker's
 * messages, and what the spec makes of those options (spec_ns.c,
 * spec_devices.c, spec_user.c): namespaces, /dev/shm, sysctls, device
 * cgroup rules, --group-add, the cgroup path. */
#include "tap.h"

#include "engine/runopts.h"
#include "engine/spec_gen.h"
#include "engine/spec_internal.h"
#include "util/cleanup.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

/* the message of a failed check, "" when it passed */
static char msgbuf[512];
static const char *msg(int r, struct hutch_error **err) {
  snprintf(msgbuf, sizeof(msgbuf), "%s", r < 0 && *err && (*err)->msg ? (*err)->msg : "");
  hutch_error_free(*err);
  *err = NULL;
  return msgbuf;
}

static void test_ns_modes(void) {
  struct hutch_error *e = NULL;
  is_str(msg(hutch_ns_mode_check(HUTCH_NS_PID, "host", &e), &e), "", "--pid host");
  e = NULL;
  is_str(msg(hutch_ns_mode_check(HUTCH_NS_PID, "container:web", &e), &e), "",
         "--pid container:web");
  e = NULL;
  is_str(msg(hutch_ns_mode_check(HUTCH_NS_PID, "container:", &e), &e), "--pid: invalid PID mode",
         "--pid container: without a name");
  e = NULL;
  is_str(msg(hutch_ns_mode_check(HUTCH_NS_PID, "100", &e), &e), "--pid: invalid PID mode",
         "--pid 100 (not --pids-limit)");
  const char *ipc_ok[] = {"host", "private", "shareable", "none", "container:x", ""};
  for (size_t i = 0; i < 6; i++) {
    e = NULL;
    is_str(msg(hutch_ns_mode_check(HUTCH_NS_IPC, ipc_ok[i], &e), &e), "", "--ipc %s", ipc_ok[i]);
  }
  e = NULL;
  is_str(msg(hutch_ns_mode_check(HUTCH_NS_IPC, "shared", &e), &e), "--ipc: invalid IPC mode",
         "--ipc shared");
  e = NULL;
  is_str(msg(hutch_ns_mode_check(HUTCH_NS_UTS, "container:x", &e), &e), "--uts: invalid UTS mode",
         "--uts container:x is not docker's");
  e = NULL;
  is_str(msg(hutch_ns_mode_check(HUTCH_NS_USERNS, "private", &e), &e),
         "--userns: invalid USER mode", "--userns private");
  is_str(hutch_ns_mode_container("container:abc"), "abc", "container:NAME → NAME");
  ok(hutch_ns_mode_container("host") == NULL, "host is no container");
}

static void test_sysctl(void) {
  const char *allowed[] = {"kernel.shmmax=1",       "kernel.msgmnb=2",
                           "kernel.sem=1 2 3 4",    "fs.mqueue.msg_max=20",
                           "net.ipv4.ip_forward=1", "kernel.shm_rmid_forced=1"};
  for (size_t i = 0; i < 6; i++) {
    struct hutch_error *e = NULL;
    is_str(msg(hutch_sysctl_check(allowed[i], false, false, &e), &e), "", "%s", allowed[i]);
  }
  const char *refused[] = {"kernel.hostname=x", "vm.swappiness=1",    "kernel.shmmax", "=1",
                           "fs.file-max=1",     "kernel.domainname=x"};
  for (size_t i = 0; i < 6; i++) {
    struct hutch_error *e = NULL;
    char want[128];
    snprintf(want, sizeof(want), "sysctl '%s' is not allowed", refused[i]);
    is_str(msg(hutch_sysctl_check(refused[i], false, false, &e), &e), want, "%s refused",
           refused[i]);
  }
  struct hutch_error *e = NULL;
  is_str(msg(hutch_sysctl_check("net.core.somaxconn=1", true, false, &e), &e),
         "sysctl \"net.core.somaxconn\" not allowed in host network namespace",
         "net.* with --network host");
  e = NULL;
  is_str(msg(hutch_sysctl_check("kernel.shmmax=1", false, true, &e), &e),
         "sysctl \"kernel.shmmax\" not allowed with host ipc", "IPC sysctl with --ipc host");
  e = NULL;
  is_str(msg(hutch_sysctl_check("net.core.somaxconn=1", false, true, &e), &e), "",
         "net.* with --ipc host is fine");
}

static void test_cpus_cpusets(void) {
  struct hutch_error *e = NULL;
  is_str(msg(hutch_cpus_check(99000000000LL, 2, &e), &e),
         "range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available", "--cpus 99");
  e = NULL;
  is_str(msg(hutch_cpus_check(2000000000LL, 2, &e), &e), "", "--cpus 2 on 2");
  e = NULL;
  is_str(msg(hutch_cpus_check(1000000LL, 2, &e), &e),
         "range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available", "--cpus 0.001");
  uint64_t m[16];
  ok(hutch_cpuset_parse("0-2,5", m) == 0 && m[0] == 0x27, "0-2,5");
  ok(hutch_cpuset_parse("1023", m) == 0 && m[15] == 1ULL << 63, "1023");
  const char *bad[] = {"", "1-", "-1", "3-1", "a", "1,,2", "1024", "1 2"};
  for (size_t i = 0; i < 8; i++)
    ok(hutch_cpuset_parse(bad[i], m) < 0, "cpuset '%s' refused", bad[i]);
  e = NULL;
  is_str(msg(hutch_cpuset_check("cpus", "0-7", "0-1", &e), &e),
         "Requested CPUs are not available - requested 0-7, available: 0-1", "cpus not online");
  e = NULL;
  is_str(msg(hutch_cpuset_check("mems", "1", "0", &e), &e),
         "Requested memory nodes are not available - requested 1, available: 0", "mems");
  e = NULL;
  is_str(msg(hutch_cpuset_check("cpus", "x", "0-1", &e), &e), "Invalid value x for cpuset cpus",
         "a bad list");
  e = NULL;
  is_str(msg(hutch_cpuset_check("cpus", "1", "0-1", &e), &e), "", "cpu 1 of 0-1");
  e = NULL;
  is_str(msg(hutch_blkio_weight_check(5, &e), &e), "Range of blkio weight is from 10 to 1000",
         "blkio 5");
  e = NULL;
  is_str(msg(hutch_blkio_weight_check(10, &e), &e), "", "blkio 10");
}

static void test_log_opts(void) {
  int64_t size, files;
  struct hutch_error *e = NULL;
  char *o1[] = {"max-size=10m", "max-file=3", NULL};
  is_str(msg(hutch_log_opts_parse(NULL, o1, &size, &files, &e), &e), "", "max-size, max-file");
  is_int(size, 10 << 20, "10m");
  is_int(files, 3, "3 files");
  char *o2[] = {"max-file=3", NULL};
  e = NULL;
  is_str(msg(hutch_log_opts_parse("json-file", o2, &size, &files, &e), &e),
         "max-file can only be set if max-size is set", "max-file alone");
  char *o3[] = {"max-file=0", "max-size=1k", NULL};
  e = NULL;
  is_str(msg(hutch_log_opts_parse(NULL, o3, &size, &files, &e), &e),
         "max-file cannot be less than 1", "max-file 0");
  char *o4[] = {"color=red", NULL};
  e = NULL;
  is_str(msg(hutch_log_opts_parse(NULL, o4, &size, &files, &e), &e),
         "unknown log opt 'color' for json-file log driver", "unknown option");
  e = NULL;
  is_str(msg(hutch_log_opts_parse("none", o1, &size, &files, &e), &e),
         "configured logging driver does not support config options", "none takes none");
  e = NULL;
  is_str(msg(hutch_log_opts_parse("syslog", NULL, &size, &files, &e), &e),
         "logger: no log driver named 'syslog' is registered", "an unknown driver");
  char *o5[] = {"max-size=big", NULL};
  e = NULL;
  is_str(msg(hutch_log_opts_parse(NULL, o5, &size, &files, &e), &e), "invalid size: 'big'",
         "a bad size");
  e = NULL;
  is_str(msg(hutch_log_opts_parse("none", NULL, &size, &files, &e), &e), "", "none");
}

static json_t *gen(struct hutch_run_opts *o) {
  char *cmd[] = {"sh", NULL};
  struct hutch_image_config img = {.cmd = cmd};
  struct hutch_spec_input in = {.id = "abc",
                                .o = o,
                                .img = &img,
                                .rootfs = "/r",
                                .group = "root:x:0:\nwheel:x:10:\naudio:x:29:\n",
                                .host_hostname = "thehost",
                                .netns_path = "/run/netns/x",
                                .cap_last = 40};
  json_t *j = NULL;
  struct hutch_error *err = NULL;
  if (hutch_spec_generate(&in, &j, &err) < 0) {
    printf("# %s\n", err && err->msg ? err->msg : "?");
    hutch_error_free(err);
  }
  return j;
}

static bool has_ns(json_t *spec, const char *type, const char **path) {
  size_t i;
  json_t *n;
  json_array_foreach(json_object_get(json_object_get(spec, "linux"), "namespaces"), i, n) {
    if (strcmp(json_string_value(json_object_get(n, "type")), type) == 0) {
      if (path)
        *path = json_string_value(json_object_get(n, "path"));
      return true;
    }
  }
  return false;
}

static json_t *shm(json_t *spec) {
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(spec, "mounts"), i, m) {
    if (strcmp(json_string_value(json_object_get(m, "destination")), "/dev/shm") == 0)
      return m;
  }
  return NULL;
}

static void test_spec_ns(void) {
  char *sysctls[] = {"net.ipv4.ip_forward=1", "kernel.shmmax=100", NULL};
  struct hutch_run_opts o = {.stop_timeout = -1,
                             .pid_mode = "host",
                             .uts_mode = "host",
                             .ipc_mode = "container:x",
                             .ipc_join = "/proc/42/ns/ipc",
                             .sysctls = sysctls,
                             .shm_size = 1 << 20};
  _cleanup_json_ json_t *s = gen(&o);
  ok(s != NULL, "generated");
  const char *path = NULL;
  ok(!has_ns(s, "pid", NULL), "--pid host: no pid namespace");
  ok(!has_ns(s, "uts", NULL), "--uts host: no uts namespace");
  ok(json_object_get(s, "hostname") == NULL, "--uts host: no hostname");
  ok(has_ns(s, "ipc", &path) && path && strcmp(path, "/proc/42/ns/ipc") == 0,
     "--ipc container:x joins x's");
  ok(has_ns(s, "network", &path) && path && strcmp(path, "/run/netns/x") == 0, "the netns");
  json_t *sc = json_object_get(json_object_get(s, "linux"), "sysctl");
  is_str(json_string_value(json_object_get(sc, "net.ipv4.ip_forward")), "1", "sysctl net");
  is_str(json_string_value(json_object_get(sc, "kernel.shmmax")), "100", "sysctl kernel.shmmax");
  json_t *m = shm(s);
  ok(m && strcmp(json_string_value(json_object_get(m, "type")), "tmpfs") == 0, "own /dev/shm");
  bool sized = false;
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(m, "options"), i, v) sized |=
      strcmp(json_string_value(v), "size=1024k") == 0;
  ok(sized, "--shm-size 1m → size=1024k");
  const char *env_host = NULL;
  json_array_foreach(json_object_get(json_object_get(s, "process"), "env"), i, v) {
    if (strncmp(json_string_value(v), "HOSTNAME=", 9) == 0)
      env_host = json_string_value(v) + 9;
  }
  is_str(env_host, "thehost", "--uts host: HOSTNAME is the host's");

  struct hutch_run_opts o2 = {.stop_timeout = -1, .ipc_mode = "host"};
  _cleanup_json_ json_t *s2 = gen(&o2);
  ok(!has_ns(s2, "ipc", NULL) && has_ns(s2, "pid", NULL) && has_ns(s2, "uts", NULL),
     "--ipc host: only ipc is the host's");
  m = shm(s2);
  ok(m && strcmp(json_string_value(json_object_get(m, "source")), "/dev/shm") == 0 &&
         strcmp(json_string_value(json_object_get(m, "type")), "bind") == 0,
     "--ipc host binds the host's /dev/shm");
  struct hutch_run_opts o4 = {.stop_timeout = -1, .ipc_mode = "shareable", .shm_bind = "/c/shm"};
  _cleanup_json_ json_t *s4 = gen(&o4);
  m = shm(s4);
  ok(m && strcmp(json_string_value(json_object_get(m, "source")), "/c/shm") == 0,
     "--ipc shareable binds the host-side tmpfs");
  struct hutch_run_opts o3 = {.stop_timeout = -1, .ipc_mode = "none"};
  _cleanup_json_ json_t *s3 = gen(&o3);
  ok(shm(s3) == NULL, "--ipc none: no /dev/shm");
}

static void test_spec_resources(void) {
  char *groups[] = {"wheel", "29", "wheel", NULL}, *rules[] = {"c 1:9 rwm", "b *:* m", NULL};
  struct hutch_run_opts o = {.stop_timeout = -1,
                             .group_add = groups,
                             .device_cgroup_rules = rules,
                             .oom_kill_disable = true,
                             .cpuset_mems = "0",
                             .blkio_weight = 300,
                             .cgroup_parent = "mine/"};
  _cleanup_json_ json_t *s = gen(&o);
  json_t *gids =
      json_object_get(json_object_get(json_object_get(s, "process"), "user"), "additionalGids");
  ok(json_array_size(gids) == 2 && json_integer_value(json_array_get(gids, 0)) == 10 &&
         json_integer_value(json_array_get(gids, 1)) == 29,
     "--group-add wheel 29 wheel → 10, 29");
  json_t *l = json_object_get(s, "linux"), *res = json_object_get(l, "resources");
  is_str(json_string_value(json_object_get(l, "cgroupsPath")), "/mine/abc", "--cgroup-parent");
  ok(json_is_true(json_object_get(json_object_get(res, "memory"), "disableOOMKiller")),
     "--oom-kill-disable");
  is_str(json_string_value(json_object_get(json_object_get(res, "cpu"), "mems")), "0",
         "--cpuset-mems");
  is_int(json_integer_value(json_object_get(json_object_get(res, "blockIO"), "weight")), 300,
         "--blkio-weight");
  json_t *devs = json_object_get(res, "devices");
  json_t *last = json_array_get(devs, json_array_size(devs) - 1);
  json_t *prev = json_array_get(devs, json_array_size(devs) - 2);
  ok(json_integer_value(json_object_get(prev, "major")) == 1 &&
         json_integer_value(json_object_get(prev, "minor")) == 9 &&
         strcmp(json_string_value(json_object_get(prev, "access")), "rwm") == 0,
     "rule c 1:9 rwm");
  ok(strcmp(json_string_value(json_object_get(last, "type")), "b") == 0 &&
         !json_object_get(last, "major") && !json_object_get(last, "minor"),
     "rule b *:* m: no major, no minor");

  char *unknown[] = {"nosuch", NULL};
  struct hutch_run_opts o2 = {.stop_timeout = -1, .group_add = unknown};
  char *cmd[] = {"sh", NULL};
  struct hutch_image_config img = {.cmd = cmd};
  struct hutch_spec_input in = {.id = "x", .o = &o2, .img = &img, .rootfs = "/r", .cap_last = 40};
  json_t *j = NULL;
  struct hutch_error *e = NULL;
  is_str(msg(hutch_spec_generate(&in, &j, &e), &e), "Unable to find group nosuch",
         "--group-add of an unknown group");
  _cleanup_free_ char *p1 = hutch_spec_cgroup_path(NULL, "id");
  _cleanup_free_ char *p2 = hutch_spec_cgroup_path("/", "id");
  _cleanup_free_ char *p3 = hutch_spec_cgroup_path("/a/b//", "id");
  is_str(p1, "/hutch/id", "default cgroup parent");
  is_str(p2, "/id", "parent /");
  is_str(p3, "/a/b/id", "trailing slashes");

  _cleanup_json_ json_t *r = json_array();
  const char *bad[] = {"x 1:3 rwm", "c 1:3", "c 1-3 rwm", "c 1:3 rwx", "c a:3 r", "c  1:3 r"};
  for (size_t i = 0; i < 6; i++) {
    e = NULL;
    char want[128];
    snprintf(want, sizeof(want), "invalid device cgroup format '%s'", bad[i]);
    is_str(msg(hutch_spec_add_device_rule(r, bad[i], &e), &e), want, "rule '%s' refused", bad[i]);
  }
  is_int(json_array_size(r), 0, "nothing added for bad rules");
}

int main(void) {
  test_ns_modes();
  test_sysctl();
  test_cpus_cpusets();
  test_log_opts();
  test_spec_ns();
  test_spec_resources();
  return done_testing();
}
