/* Spec generation for `hutch run` (engine/spec_gen.c): docker's
 * entrypoint/cmd rules, env order, user resolution, capabilities,
 * seccomp, mounts, limits, and the flag parsers. */
#include "tap.h"

#include "engine/spec_gen.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *args_str(char **v) {
  static char buf[512];
  buf[0] = '\0';
  for (char **p = v; p && *p; p++) {
    if (p != v)
      strcat(buf, " ");
    strcat(buf, *p);
  }
  return buf;
}

static void test_args(void) {
  char *ep[] = {"/entry", "-x", NULL}, *cmd[] = {"default", NULL}, *cli[] = {"given", "arg", NULL};
  struct hutch_image_config img = {.entrypoint = ep, .cmd = cmd};
  struct hutch_run_opts o = {0};
  _cleanup_strv_ char **a = hutch_spec_args(&o, &img);
  is_str(args_str(a), "/entry -x default", "image Entrypoint + Cmd");
  o.cmd = cli;
  _cleanup_strv_ char **b = hutch_spec_args(&o, &img);
  is_str(args_str(b), "/entry -x given arg", "CLI args replace Cmd, keep Entrypoint");
  o.cmd = NULL;
  o.has_entrypoint = true;
  o.entrypoint = "sh";
  _cleanup_strv_ char **c = hutch_spec_args(&o, &img);
  is_str(args_str(c), "sh", "--entrypoint drops the image's Cmd");
  o.entrypoint = "";
  o.cmd = cli;
  _cleanup_strv_ char **d = hutch_spec_args(&o, &img);
  is_str(args_str(d), "given arg", "--entrypoint \"\" clears it");
}

static const char passwd[] =
    "root:x:0:0:root:/root:/bin/sh\nhutch:x:1000:1000::/home/hutch:/bin/sh\n";
static const char group[] = "root:x:0:\nhutch:x:1000:\nextra:x:1001:hutch,other\nwheel:x:10:root\n";

static void test_user(void) {
  struct hutch_user u;
  ok(hutch_resolve_user("hutch", passwd, group, &u, NULL) == 0, "resolve by name");
  is_int(u.uid, 1000, "uid");
  is_int(u.gid, 1000, "gid from passwd");
  is_int(u.n_additional_gids, 1, "one supplementary group");
  is_int(u.n_additional_gids ? u.additional_gids[0] : 0, 1001, "from /etc/group members");
  is_str(u.home, "/home/hutch", "home");
  hutch_user_clear(&u);
  ok(hutch_resolve_user("1000:1001", passwd, group, &u, NULL) == 0, "uid:gid");
  is_int(u.gid, 1001, "explicit gid");
  hutch_user_clear(&u);
  ok(hutch_resolve_user("4242", passwd, group, &u, NULL) == 0, "unknown numeric uid is fine");
  is_int(u.uid, 4242, "uid 4242");
  is_int(u.gid, 0, "gid 0");
  hutch_user_clear(&u);
  ok(hutch_resolve_user("hutch:extra", passwd, group, &u, NULL) == 0, "name:group");
  is_int(u.gid, 1001, "group by name");
  hutch_user_clear(&u);
  struct hutch_error *err = NULL;
  ok(hutch_resolve_user("nobody", passwd, group, &u, &err) < 0, "unknown name fails");
  ok(err && strstr(err->msg, "nobody"), "error names the user");
  hutch_error_free(err);
}

static void test_parsers(void) {
  int64_t v;
  ok(hutch_parse_bytes("32m", &v) == 0 && v == 32 << 20, "32m");
  ok(hutch_parse_bytes("1g", &v) == 0 && v == 1 << 30, "1g");
  ok(hutch_parse_bytes("512kb", &v) == 0 && v == 512 << 10, "512kb");
  ok(hutch_parse_bytes("12x", &v) < 0, "12x refused");
  ok(hutch_parse_cpus("1.5", &v) == 0 && v == 1500000000, "1.5 cpus");
  struct hutch_mount_req m;
  ok(hutch_parse_volume_flag("/a:/b:ro", &m, NULL) == 0 && m.type == HUTCH_MOUNT_BIND &&
         m.readonly && strcmp(m.target, "/b") == 0,
     "-v /a:/b:ro");
  hutch_mount_req_clear(&m);
  ok(hutch_parse_volume_flag("data:/d", &m, NULL) == 0 && m.type == HUTCH_MOUNT_VOLUME &&
         strcmp(m.source, "data") == 0,
     "-v name:/d is a volume");
  hutch_mount_req_clear(&m);
  ok(hutch_parse_volume_flag("/anon", &m, NULL) == 0 && m.type == HUTCH_MOUNT_VOLUME &&
         m.source == NULL,
     "-v /anon is an anonymous volume");
  hutch_mount_req_clear(&m);
  ok(hutch_parse_volume_flag("a:rel", &m, NULL) < 0, "relative target refused");
  ok(hutch_parse_mount_flag("type=tmpfs,target=/t,tmpfs-size=1m", &m, NULL) == 0 &&
         m.type == HUTCH_MOUNT_TMPFS && strcmp(m.options, "size=1m") == 0,
     "--mount tmpfs");
  hutch_mount_req_clear(&m);
  ok(hutch_parse_mount_flag("type=bind,target=/t", &m, NULL) < 0, "bind without source refused");
  /* docker: a relative bind source is a volume name, and "x/../.." is not one */
  const char *bad_sources[] = {"x/../../..:/data", "../..:/data",   "a/b:/data",
                               "~/x:/data",        ".hidden:/data", "-x:/data"};
  for (size_t i = 0; i < sizeof(bad_sources) / sizeof(*bad_sources); i++) {
    ok(hutch_parse_volume_flag(bad_sources[i], &m, NULL) < 0, "-v %s refused", bad_sources[i]);
    hutch_mount_req_clear(&m);
  }
  ok(hutch_parse_mount_flag("type=bind,source=x/../../..,target=/t", &m, NULL) < 0,
     "--mount bind with a relative source refused");
  ok(hutch_parse_mount_flag("type=bind,source=..,target=/t", &m, NULL) < 0,
     "--mount bind source=.. refused");
  ok(hutch_parse_mount_flag("type=volume,source=a/b,target=/t", &m, NULL) < 0,
     "--mount volume with a path as name refused");
  char cwd[4096], want[4200];
  ok(getcwd(cwd, sizeof(cwd)) != NULL, "getcwd");
  snprintf(want, sizeof(want), "%s/./sub", cwd);
  ok(hutch_parse_volume_flag("./sub:/d", &m, NULL) == 0 && m.type == HUTCH_MOUNT_BIND &&
         strcmp(m.source, want) == 0,
     "-v ./sub is made absolute against the cwd, as the docker CLI does");
  hutch_mount_req_clear(&m);
  ok(hutch_parse_mount_flag("type=bind,src=./sub,dst=/d", &m, NULL) == 0 &&
         strcmp(m.source, want) == 0,
     "--mount src=./sub likewise");
  hutch_mount_req_clear(&m);
  const char *pol;
  int max;
  ok(hutch_parse_restart("on-failure:3", &pol, &max) == 0 && strcmp(pol, "on-failure") == 0 &&
         max == 3,
     "on-failure:3");
  ok(hutch_parse_restart("sometimes", &pol, &max) < 0, "bad policy refused");
}

static json_t *gen(struct hutch_run_opts *o, struct hutch_image_config *img) {
  struct hutch_spec_input in = {
      .id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      .o = o,
      .img = img,
      .rootfs = "/merged",
      .passwd = passwd,
      .group = group,
      .swap_limit_supported = true,
      .cap_last = 40};
  json_t *j = NULL;
  struct hutch_error *err = NULL;
  if (hutch_spec_generate(&in, &j, &err) < 0) {
    printf("# %s\n", err && err->msg ? err->msg : "?");
    hutch_error_free(err);
    return NULL;
  }
  /* what we generate must be what the runtime accepts */
  _cleanup_free_ char *text = json_dumps(j, 0);
  struct spec *s = NULL;
  ok(hutch_spec_parse(text, strlen(text), &s, NULL) == 0, "the spec parses and validates");
  hutch_spec_free(s);
  return j;
}

static bool has_str(json_t *arr, const char *s) {
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return true;
  return false;
}

static void test_spec(void) {
  char *env[] = {"A=image", "B=image", NULL}, *cmd[] = {"run", NULL}, *cli_env[] = {"B=flag", NULL};
  char *file_env[] = {"B=file", "C=file", NULL};
  struct hutch_image_config img = {.env = env, .cmd = cmd, .working_dir = "/work"};
  struct hutch_run_opts o = {.env = cli_env, .env_file = file_env, .tty = true, .stop_timeout = -1};
  _cleanup_json_ json_t *j = gen(&o, &img);
  ok(j != NULL, "generated");
  json_t *p = json_object_get(j, "process");
  json_t *e = json_object_get(p, "env");
  ok(has_str(e, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
     "default PATH");
  ok(has_str(e, "HOSTNAME=0123456789ab"), "HOSTNAME is the short id");
  ok(has_str(e, "A=image") && has_str(e, "B=flag") && has_str(e, "C=file"),
     "image < env-file < -e");
  ok(has_str(e, "TERM=xterm"), "TERM with -t");
  ok(has_str(e, "HOME=/root"), "HOME from passwd");
  is_str(json_string_value(json_object_get(j, "hostname")), "0123456789ab", "hostname");
  is_str(json_string_value(json_object_get(p, "cwd")), "/work", "WorkingDir");
  ok(json_is_true(json_object_get(p, "terminal")), "terminal");
  json_t *caps = json_object_get(json_object_get(p, "capabilities"), "bounding");
  is_int(json_array_size(caps), 14, "docker's 14 capabilities");
  ok(has_str(caps, "CAP_NET_RAW") && has_str(caps, "CAP_AUDIT_WRITE") &&
         !has_str(caps, "CAP_SYS_ADMIN"),
     "the right ones");
  json_t *l = json_object_get(j, "linux");
  ok(json_object_get(l, "seccomp") != NULL, "default seccomp profile");
  is_str(json_string_value(json_object_get(json_object_get(l, "seccomp"), "defaultAction")),
         "SCMP_ACT_ERRNO", "allow-list profile");
  is_str(json_string_value(json_object_get(l, "cgroupsPath")),
         "/hutch/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "cgroupsPath");
  ok(has_str(json_object_get(l, "maskedPaths"), "/proc/keys"), "masked paths");
  ok(has_str(json_object_get(l, "readonlyPaths"), "/proc/sys"), "readonly paths");
  ok(!json_is_true(json_object_get(json_object_get(j, "root"), "readonly")),
     "rootfs writable by default");

  struct hutch_mount_req mounts[] = {
      {.type = HUTCH_MOUNT_TMPFS, .target = "/t", .options = "size=1m,exec"},
      {.type = HUTCH_MOUNT_BIND, .source = "/host", .target = "/c", .readonly = true}};
  char *ulim[] = {"nofile=10:20", NULL}, *drop[] = {"ALL", NULL}, *add[] = {"KILL", NULL};
  struct hutch_run_opts o2 = {.user = "1000:1000",
                              .read_only = true,
                              .memory = 32 << 20,
                              .nano_cpus = 500000000,
                              .pids_limit = 5,
                              .mounts = mounts,
                              .n_mounts = 2,
                              .ulimits = ulim,
                              .cap_drop = drop,
                              .cap_add = add,
                              .seccomp = "unconfined",
                              .no_new_privs = true,
                              .hostname = "h",
                              .stop_timeout = -1};
  _cleanup_json_ json_t *k = gen(&o2, &img);
  ok(k != NULL, "generated with flags");
  p = json_object_get(k, "process");
  l = json_object_get(k, "linux");
  json_t *res = json_object_get(l, "resources");
  is_int(json_integer_value(json_object_get(json_object_get(p, "user"), "uid")), 1000, "-u uid");
  is_int(json_array_size(json_object_get(json_object_get(p, "capabilities"), "effective")), 0,
         "non-root: no effective caps");
  caps = json_object_get(json_object_get(p, "capabilities"), "bounding");
  ok(json_array_size(caps) == 1 && has_str(caps, "CAP_KILL"), "--cap-drop ALL --cap-add KILL");
  ok(json_object_get(l, "seccomp") == NULL, "seccomp=unconfined");
  ok(json_is_true(json_object_get(p, "noNewPrivileges")), "no-new-privileges");
  ok(json_is_true(json_object_get(json_object_get(k, "root"), "readonly")), "--read-only");
  is_int(json_integer_value(json_object_get(json_object_get(res, "memory"), "limit")), 32 << 20,
         "memory");
  is_int(json_integer_value(json_object_get(json_object_get(res, "memory"), "swap")), 64 << 20,
         "swap defaults to twice memory");
  is_int(json_integer_value(json_object_get(json_object_get(res, "cpu"), "quota")), 50000,
         "cpus → quota");
  is_int(json_integer_value(json_object_get(json_object_get(res, "pids"), "limit")), 5, "pids");
  json_t *rl = json_array_get(json_object_get(p, "rlimits"), 0);
  ok(rl && json_integer_value(json_object_get(rl, "soft")) == 10 &&
         json_integer_value(json_object_get(rl, "hard")) == 20,
     "--ulimit nofile=10:20");
  is_str(json_string_value(json_object_get(k, "hostname")), "h", "-h");
  bool tmpfs_ok = false, bind_ok = false;
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(k, "mounts"), i, m) {
    const char *d = json_string_value(json_object_get(m, "destination"));
    json_t *opts = json_object_get(m, "options");
    if (strcmp(d, "/t") == 0)
      tmpfs_ok = has_str(opts, "size=1m") && !has_str(opts, "noexec") && has_str(opts, "nosuid");
    if (strcmp(d, "/c") == 0)
      bind_ok = has_str(opts, "rbind") && has_str(opts, "ro");
  }
  ok(tmpfs_ok, "tmpfs options: defaults, exec overrides noexec");
  ok(bind_ok, "read-only bind");

  struct hutch_run_opts o3 = {.privileged = true, .stop_timeout = -1};
  _cleanup_json_ json_t *pj = gen(&o3, &img);
  l = json_object_get(pj, "linux");
  ok(json_object_get(l, "seccomp") == NULL && json_object_get(l, "maskedPaths") == NULL,
     "--privileged: no seccomp, no masks");
  is_int(json_array_size(json_object_get(
             json_object_get(json_object_get(pj, "process"), "capabilities"), "bounding")),
         41, "--privileged: every capability");

  struct hutch_image_config none = {0};
  struct hutch_run_opts o4 = {.stop_timeout = -1};
  struct hutch_spec_input in = {.id = "ab", .o = &o4, .img = &none, .rootfs = "/r", .cap_last = 40};
  json_t *x = NULL;
  struct hutch_error *err = NULL;
  ok(hutch_spec_generate(&in, &x, &err) < 0 && err && strstr(err->msg, "no command"),
     "no command: an error");
  hutch_error_free(err);
}

int main(void) {
  test_args();
  test_user();
  test_parsers();
  test_spec();
  return done_testing();
}
