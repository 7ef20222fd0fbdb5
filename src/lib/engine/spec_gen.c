/* Spec generation for `hutch run`: docker's flag values parsed, and the
 * OCI config built from the runtime's default spec, the image config and
 * the flags, following docker's daemon/oci_linux.go choices (default
 * capabilities, masked paths, /dev/shm, entrypoint/cmd rules, env order).
 * Pure apart from stat()ing --device paths and listing /dev for
 * --privileged, which is what docker does too. */
#include "spec_gen.h"
#include "spec_internal.h"

#include "linux/caps.h"
#include "linux/seccomp_default.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* ---- seccomp to JSON ---- */

static json_t *strv_json(char *const *v) {
  json_t *a = json_array();
  for (; a && v && *v; v++)
    json_array_append_new(a, json_string(*v));
  return a;
}

/* enum scmp_compare's values (libseccomp ABI: NE=1 … MASKED_EQ=7). */
static const char *cmp_name(int op) {
  static const char *const names[] = {NULL,          "SCMP_CMP_NE",       "SCMP_CMP_LT",
                                      "SCMP_CMP_LE", "SCMP_CMP_EQ",       "SCMP_CMP_GE",
                                      "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
  return op >= 1 && op <= 7 ? names[op] : "SCMP_CMP_EQ";
}

json_t *hutch_seccomp_to_json(const struct spec_seccomp *s) {
  json_t *j = json_object();
  json_object_set_new(j, "defaultAction",
                      json_string(s->default_action ? s->default_action : "SCMP_ACT_ERRNO"));
  if (s->has_default_errno_ret)
    json_object_set_new(j, "defaultErrnoRet", json_integer(s->default_errno_ret));
  if (s->architectures)
    json_object_set_new(j, "architectures", strv_json(s->architectures));
  if (s->flags)
    json_object_set_new(j, "flags", strv_json(s->flags));
  json_t *sys = json_array();
  for (size_t i = 0; i < s->n_syscalls; i++) {
    const struct spec_seccomp_syscall *c = &s->syscalls[i];
    json_t *o = json_pack("{s:o, s:s}", "names", strv_json(c->names), "action",
                          c->action_name ? c->action_name : "SCMP_ACT_ALLOW");
    if (c->has_errno_ret)
      json_object_set_new(o, "errnoRet", json_integer(c->errno_ret));
    if (c->n_args) {
      json_t *args = json_array();
      for (size_t k = 0; k < c->n_args; k++)
        json_array_append_new(
            args, json_pack("{s:I, s:I, s:I, s:s}", "index", (json_int_t)c->args[k].index, "value",
                            (json_int_t)c->args[k].value, "valueTwo",
                            (json_int_t)c->args[k].value_two, "op", cmp_name(c->args[k].op)));
      json_object_set_new(o, "args", args);
    }
    json_array_append_new(sys, o);
  }
  json_object_set_new(j, "syscalls", sys);
  return j;
}

/* ---- the spec ---- */

/* Set or replace KEY=… in an env vector. */
static void env_set(char ***env, const char *kv) {
  const char *eq = strchr(kv, '=');
  size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
  for (char **e = *env; e && *e; e++) {
    if (strncmp(*e, kv, klen) == 0 && ((*e)[klen] == '=' || (*e)[klen] == '\0')) {
      char *n = strdup(kv);
      if (n) {
        free(*e);
        *e = n;
      }
      return;
    }
  }
  hutch_strv_push(env, kv);
}

static bool env_has(char *const *env, const char *key) {
  size_t klen = strlen(key);
  for (; env && *env; env++)
    if (strncmp(*env, key, klen) == 0 && (*env)[klen] == '=')
      return true;
  return false;
}

static const char *const docker_caps[] = {"CAP_CHOWN",
                                          "CAP_DAC_OVERRIDE",
                                          "CAP_FSETID",
                                          "CAP_FOWNER",
                                          "CAP_MKNOD",
                                          "CAP_NET_RAW",
                                          "CAP_SETGID",
                                          "CAP_SETUID",
                                          "CAP_SETFCAP",
                                          "CAP_SETPCAP",
                                          "CAP_NET_BIND_SERVICE",
                                          "CAP_SYS_CHROOT",
                                          "CAP_KILL",
                                          "CAP_AUDIT_WRITE",
                                          NULL};

/* Compute the bounding set: docker's defaults (or all for --privileged),
 * then --cap-add, then --cap-drop, with ALL on either side. */
static int compute_caps(const struct hutch_run_opts *o, int cap_last, uint64_t host_caps,
                        uint64_t *mask, struct hutch_error **err) {
  /* "all" is what we hold ourselves: a capability outside our own bounding
   * set cannot be given (capset fails), e.g. when hutch runs in a container */
  uint64_t all = cap_last >= 63 ? ~0ULL : ((1ULL << (cap_last + 1)) - 1);
  if (host_caps)
    all &= host_caps;
  uint64_t m = 0;
  if (o->privileged)
    m = all;
  else if (hutch_caps_from_names((char *const *)docker_caps, &m, err) < 0)
    return -1;
  for (char **c = o->cap_add; c && *c; c++) {
    if (strcasecmp(*c, "ALL") == 0) {
      m = all;
      continue;
    }
    int n = hutch_cap_from_name(*c);
    if (n < 0)
      return hutch_error_set(err, EINVAL, "--cap-add: unknown capability %s", *c);
    m |= 1ULL << n;
  }
  for (char **c = o->cap_drop; c && *c; c++) {
    if (strcasecmp(*c, "ALL") == 0) {
      m = 0;
      /* --cap-drop ALL --cap-add X keeps X, as in docker */
      for (char **a = o->cap_add; a && *a; a++) {
        int n = hutch_cap_from_name(*a);
        if (n >= 0)
          m |= 1ULL << n;
      }
      continue;
    }
    int n = hutch_cap_from_name(*c);
    if (n < 0)
      return hutch_error_set(err, EINVAL, "--cap-drop: unknown capability %s", *c);
    m &= ~(1ULL << n);
  }
  *mask = m & all;
  return 0;
}

static json_t *caps_json(uint64_t mask) {
  json_t *a = json_array();
  for (int i = 0; i < 64; i++) {
    if (!(mask & (1ULL << i)))
      continue;
    char *name = cap_to_name((cap_value_t)i);
    if (name == NULL)
      continue;
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", name);
    cap_free(name);
    for (char *p = buf; *p; p++)
      *p = (char)toupper((unsigned char)*p);
    json_array_append_new(a, json_string(buf));
  }
  return a;
}

static const struct {
  const char *name;
  const char *oci;
} rlimit_names[] = {
    {"core", "RLIMIT_CORE"},         {"cpu", "RLIMIT_CPU"},
    {"data", "RLIMIT_DATA"},         {"fsize", "RLIMIT_FSIZE"},
    {"locks", "RLIMIT_LOCKS"},       {"memlock", "RLIMIT_MEMLOCK"},
    {"msgqueue", "RLIMIT_MSGQUEUE"}, {"nice", "RLIMIT_NICE"},
    {"nofile", "RLIMIT_NOFILE"},     {"nproc", "RLIMIT_NPROC"},
    {"rss", "RLIMIT_RSS"},           {"rtprio", "RLIMIT_RTPRIO"},
    {"rttime", "RLIMIT_RTTIME"},     {"sigpending", "RLIMIT_SIGPENDING"},
    {"stack", "RLIMIT_STACK"},       {"as", "RLIMIT_AS"},
};

static int ulimit_json(const char *s, json_t **out, struct hutch_error **err) {
  const char *eq = strchr(s, '=');
  if (!eq)
    return hutch_error_set(err, EINVAL, "--ulimit %s: want name=soft[:hard]", s);
  const char *oci = NULL;
  for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
    if (strlen(rlimit_names[i].name) == (size_t)(eq - s) &&
        strncmp(rlimit_names[i].name, s, (size_t)(eq - s)) == 0)
      oci = rlimit_names[i].oci;
  if (!oci)
    return hutch_error_set(err, EINVAL, "--ulimit %s: unknown limit", s);
  _cleanup_free_ char *v = strdup(eq + 1);
  char *colon = strchr(v, ':');
  if (colon)
    *colon = '\0';
  int64_t soft, hard;
  if (hutch_parse_int64(v, -1, INT64_MAX, &soft) < 0 ||
      hutch_parse_int64(colon ? colon + 1 : v, -1, INT64_MAX, &hard) < 0 ||
      (hard >= 0 && soft > hard))
    return hutch_error_set(err, EINVAL, "--ulimit %s: bad values", s);
  /* -1 means unlimited */
  *out = json_pack("{s:s, s:I, s:I}", "type", oci, "soft", (json_int_t)(soft < 0 ? -1 : soft),
                   "hard", (json_int_t)(hard < 0 ? -1 : hard));
  return 0;
}

static json_t *bind_json(const char *src, const char *dst, bool ro) {
  json_t *m = json_pack("{s:s, s:s, s:s, s:[s, s]}", "destination", dst, "type", "bind", "source",
                        src, "options", "rbind", "rprivate");
  if (ro)
    json_array_append_new(json_object_get(m, "options"), json_string("ro"));
  return m;
}

static int mounts_json(const struct hutch_spec_input *in, json_t *mounts,
                       struct hutch_error **err) {
  const struct hutch_run_opts *o = in->o;
  /* docker's /dev/shm is 64m; the default spec has 65536k already. With
   * --privileged /sys is writable. */
  size_t i;
  json_t *m;
  json_array_foreach(mounts, i, m) {
    const char *dst = json_string_value(json_object_get(m, "destination"));
    if (o->privileged && strcmp(dst, "/sys") == 0) {
      json_t *opts = json_object_get(m, "options");
      size_t k;
      json_t *v;
      json_array_foreach(opts, k, v) if (strcmp(json_string_value(v), "ro") == 0) {
        json_array_remove(opts, k);
        break;
      }
    }
  }
  if (in->etc_hostname)
    json_array_append_new(mounts, bind_json(in->etc_hostname, "/etc/hostname", o->read_only));
  if (in->etc_hosts)
    json_array_append_new(mounts, bind_json(in->etc_hosts, "/etc/hosts", o->read_only));
  if (in->etc_resolv)
    json_array_append_new(mounts, bind_json(in->etc_resolv, "/etc/resolv.conf", o->read_only));
  for (size_t k = 0; k < o->n_mounts; k++) {
    const struct hutch_mount_req *r = &o->mounts[k];
    switch (r->type) {
    case HUTCH_MOUNT_BIND:
      json_array_append_new(mounts, bind_json(r->source, r->target, r->readonly));
      break;
    case HUTCH_MOUNT_VOLUME:
      if (r->host_path == NULL)
        return hutch_error_set(err, EINVAL, "volume for %s was not resolved", r->target);
      json_array_append_new(mounts, bind_json(r->host_path, r->target, r->readonly));
      break;
    case HUTCH_MOUNT_TMPFS: {
      /* docker's tmpfs defaults: noexec,nosuid,nodev, overridable */
      json_t *opts = json_pack("[s, s, s]", "nosuid", "nodev", "noexec");
      if (r->options) {
        _cleanup_free_ char *copy = strdup(r->options);
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
          if (strcmp(t, "exec") == 0 || strcmp(t, "suid") == 0 || strcmp(t, "dev") == 0) {
            char no[16];
            snprintf(no, sizeof(no), "no%s", t);
            size_t x;
            json_t *v;
            json_array_foreach(opts, x, v) if (strcmp(json_string_value(v), no) == 0) {
              json_array_remove(opts, x);
              break;
            }
          }
          json_array_append_new(opts, json_string(t));
        }
      }
      if (r->readonly)
        json_array_append_new(opts, json_string("ro"));
      json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:o}", "destination", r->target,
                                              "type", "tmpfs", "source", "tmpfs", "options", opts));
      break;
    }
    }
  }
  if (o->init && in->init_path)
    json_array_append_new(mounts, bind_json(in->init_path, "/dev/init", true));
  return 0;
}

char *hutch_spec_cgroup_path(const char *parent, const char *id) {
  char *p = NULL;
  if (!parent || !*parent)
    parent = "/hutch";
  size_t n = strlen(parent);
  while (n > 0 && parent[n - 1] == '/')
    n--;
  if (asprintf(&p, "%s%.*s/%s", parent[0] == '/' ? "" : "/", (int)n, parent, id) < 0)
    return NULL;
  return p;
}

static json_t *resources_json(const struct hutch_spec_input *in, json_t *res) {
  const struct hutch_run_opts *o = in->o;
  if (o->memory > 0 || o->memory_swap) {
    json_t *mem = json_object();
    if (o->memory > 0)
      json_object_set_new(mem, "limit", json_integer(o->memory));
    if (in->swap_limit_supported) {
      /* docker: --memory-swap is memory+swap; unset means twice --memory */
      int64_t swap = o->memory_swap ? o->memory_swap : (o->memory > 0 ? 2 * o->memory : 0);
      if (swap)
        json_object_set_new(mem, "swap", json_integer(swap));
    }
    json_object_set_new(res, "memory", mem);
  }
  if (o->oom_kill_disable) {
    json_t *mem = json_object_get(res, "memory");
    if (!mem)
      json_object_set_new(res, "memory", mem = json_object());
    json_object_set_new(mem, "disableOOMKiller", json_true());
  }
  if (o->blkio_weight > 0)
    json_object_set_new(res, "blockIO", json_pack("{s:I}", "weight", (json_int_t)o->blkio_weight));
  if (o->nano_cpus > 0 || o->cpu_shares > 0 || o->cpuset_cpus || o->cpuset_mems) {
    json_t *cpu = json_object();
    if (o->nano_cpus > 0) {
      json_object_set_new(cpu, "period", json_integer(100000));
      json_object_set_new(cpu, "quota", json_integer(o->nano_cpus * 100000 / 1000000000));
    }
    if (o->cpu_shares > 0)
      json_object_set_new(cpu, "shares", json_integer(o->cpu_shares));
    if (o->cpuset_cpus)
      json_object_set_new(cpu, "cpus", json_string(o->cpuset_cpus));
    if (o->cpuset_mems)
      json_object_set_new(cpu, "mems", json_string(o->cpuset_mems));
    json_object_set_new(res, "cpu", cpu);
  }
  if (o->pids_limit)
    json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)o->pids_limit));
  return res;
}

int hutch_spec_generate(const struct hutch_spec_input *in, json_t **out, struct hutch_error **err) {
  const struct hutch_run_opts *o = in->o;
  const struct hutch_image_config *img = in->img;
  _cleanup_free_ char *base = hutch_spec_default_json(false, 0, 0);
  if (!base)
    return hutch_error_set(err, ENOMEM, "default spec");
  json_error_t je;
  _cleanup_json_ json_t *spec = json_loads(base, 0, &je);
  if (!spec)
    return hutch_error_set(err, EINVAL, "default spec: %s", je.text);
  json_t *process = json_object_get(spec, "process");
  json_t *linux_ = json_object_get(spec, "linux");

  /* args */
  _cleanup_strv_ char **args = hutch_spec_args(o, img);
  if (args == NULL || args[0] == NULL)
    return hutch_error_set(err, EINVAL, "no command specified");
  char **run_args = args;
  _cleanup_strv_ char **init_args = NULL;
  if (o->init) {
    hutch_strv_push(&init_args, "/dev/init");
    hutch_strv_push(&init_args, "--");
    for (char **a = args; *a; a++)
      hutch_strv_push(&init_args, *a);
    run_args = init_args;
  }
  json_object_set_new(process, "args", strv_json(run_args));
  json_object_set_new(process, "terminal", json_boolean(o->tty));

  /* hostname: -h, else the host's with --network host, else the short id */
  char shortid[13];
  snprintf(shortid, sizeof(shortid), "%.12s", in->id);
  bool host_net = o->network && strcmp(o->network, "host") == 0;
  bool host_uts = (host_net || hutch_spec_host_uts(in)) && in->host_hostname;
  const char *hostname = o->hostname ? o->hostname : host_uts ? in->host_hostname : shortid;
  json_object_set_new(spec, "hostname", json_string(hostname));

  /* user */
  struct hutch_user u;
  const char *user = o->user ? o->user : (img && img->user ? img->user : "");
  if (hutch_resolve_user(user, in->passwd, in->group, &u, err) < 0)
    return -1;
  if (hutch_add_groups(o->group_add, in->group, &u, err) < 0) {
    hutch_user_clear(&u);
    return -1;
  }
  json_t *ju = json_pack("{s:I, s:I}", "uid", (json_int_t)u.uid, "gid", (json_int_t)u.gid);
  if (u.n_additional_gids) {
    json_t *g = json_array();
    for (size_t i = 0; i < u.n_additional_gids; i++)
      json_array_append_new(g, json_integer(u.additional_gids[i]));
    json_object_set_new(ju, "additionalGids", g);
  }
  json_object_set_new(process, "user", ju);

  /* env: PATH and HOSTNAME first (docker's order), the image's, then the
   * env files, then -e, so -e wins; TERM with -t; HOME from passwd */
  _cleanup_strv_ char **env = NULL;
  env = calloc(1, sizeof(char *));
  if (!(img && env_has(img->env, "PATH")))
    hutch_strv_push(&env, HUTCH_DEFAULT_PATH);
  char hbuf[300];
  snprintf(hbuf, sizeof(hbuf), "HOSTNAME=%s", hostname);
  hutch_strv_push(&env, hbuf);
  for (char **e = img ? img->env : NULL; e && *e; e++)
    env_set(&env, *e);
  for (char **e = o->env_file; e && *e; e++)
    env_set(&env, *e);
  for (char **e = o->env; e && *e; e++)
    env_set(&env, *e);
  if (o->tty && !env_has(env, "TERM"))
    hutch_strv_push(&env, "TERM=xterm");
  if (!env_has(env, "HOME")) {
    char home[4200];
    snprintf(home, sizeof(home), "HOME=%s", u.home ? u.home : "/");
    hutch_strv_push(&env, home);
  }
  json_object_set_new(process, "env", strv_json(env));

  const char *cwd = o->workdir
                        ? o->workdir
                        : (img && img->working_dir && *img->working_dir ? img->working_dir : "/");
  if (cwd[0] != '/') {
    hutch_user_clear(&u);
    return hutch_error_set(
        err, EINVAL, "the working directory '%s' is invalid: it needs to be an absolute path", cwd);
  }
  json_object_set_new(process, "cwd", json_string(cwd));

  /* capabilities: bounding = docker's set; a non-root user starts with
   * empty effective/permitted sets, as docker does since 23.0 */
  uint64_t caps = 0;
  if (compute_caps(o, in->cap_last, in->host_caps, &caps, err) < 0) {
    hutch_user_clear(&u);
    return -1;
  }
  bool root_user = u.uid == 0;
  hutch_user_clear(&u);
  json_t *jc = json_object();
  json_object_set_new(jc, "bounding", caps_json(caps));
  json_object_set_new(jc, "effective", caps_json(root_user ? caps : 0));
  json_object_set_new(jc, "permitted", caps_json(root_user ? caps : 0));
  json_object_set_new(process, "capabilities", jc);
  json_object_del(process, "rlimits");
  if (o->ulimits) {
    json_t *rl = json_array();
    for (char **l = o->ulimits; *l; l++) {
      json_t *r = NULL;
      if (ulimit_json(*l, &r, err) < 0) {
        json_decref(rl);
        return -1;
      }
      json_array_append_new(rl, r);
    }
    json_object_set_new(process, "rlimits", rl);
  }
  json_object_set_new(process, "noNewPrivileges", json_boolean(o->no_new_privs));

  /* root */
  json_object_set_new(spec, "root",
                      json_pack("{s:s, s:b}", "path", in->rootfs, "readonly", o->read_only));

  /* mounts */
  if (mounts_json(in, json_object_get(spec, "mounts"), err) < 0)
    return -1;

  /* namespaces, /dev/shm by the IPC mode, sysctls (spec_ns.c) */
  if (hutch_spec_namespaces(in, spec, err) < 0)
    return -1;

  /* masked and read-only paths: docker's lists; none with --privileged */
  static const char *const masked[] = {"/proc/asound",
                                       "/proc/acpi",
                                       "/proc/interrupts",
                                       "/proc/kcore",
                                       "/proc/keys",
                                       "/proc/latency_stats",
                                       "/proc/timer_list",
                                       "/proc/timer_stats",
                                       "/proc/sched_debug",
                                       "/proc/scsi",
                                       "/sys/firmware",
                                       "/sys/devices/virtual/powercap",
                                       NULL};
  static const char *const ro[] = {"/proc/bus",           "/proc/fs", "/proc/irq", "/proc/sys",
                                   "/proc/sysrq-trigger", NULL};
  if (o->privileged) {
    json_object_del(linux_, "maskedPaths");
    json_object_del(linux_, "readonlyPaths");
  } else {
    json_object_set_new(linux_, "maskedPaths", strv_json((char *const *)masked));
    json_object_set_new(linux_, "readonlyPaths", strv_json((char *const *)ro));
  }

  /* devices and the device cgroup rules */
  json_t *res = json_object_get(linux_, "resources");
  json_t *rules = json_object_get(res, "devices");
  json_t *devices = json_array();
  if (o->privileged) {
    json_array_clear(rules);
    json_array_append_new(rules, json_pack("{s:b, s:s}", "allow", 1, "access", "rwm"));
    hutch_spec_host_devices(devices);
  }
  for (char **d = o->devices; d && *d; d++)
    if (hutch_spec_add_device(devices, rules, *d, err) < 0) {
      json_decref(devices);
      return -1;
    }
  for (char **d = o->device_cgroup_rules; d && *d; d++)
    if (hutch_spec_add_device_rule(rules, *d, err) < 0) {
      json_decref(devices);
      return -1;
    }
  if (json_array_size(devices))
    json_object_set_new(linux_, "devices", devices);
  else
    json_decref(devices);
  resources_json(in, res);

  _cleanup_free_ char *cgpath = hutch_spec_cgroup_path(o->cgroup_parent, in->id);
  if (!cgpath)
    return hutch_error_set(err, ENOMEM, "cgroupsPath");
  json_object_set_new(linux_, "cgroupsPath", json_string(cgpath));

  /* seccomp: docker's default profile for this capability set, a file's
   * profile, or none (unconfined, --privileged) */
  if (!o->privileged && !(o->seccomp && strcmp(o->seccomp, "unconfined") == 0)) {
    json_t *sj = NULL;
    if (o->seccomp) {
      if (in->seccomp_profile == NULL)
        return hutch_error_set(err, EINVAL, "seccomp profile %s was not read", o->seccomp);
      sj = json_loads(in->seccomp_profile, 0, &je);
      if (sj == NULL)
        return hutch_error_set(err, EINVAL, "seccomp profile %s: %s (line %d)", o->seccomp, je.text,
                               je.line);
    } else {
      struct spec_seccomp prof = {0};
      if (hutch_seccomp_default_profile(&prof, caps, err) < 0)
        return -1;
      sj = hutch_seccomp_to_json(&prof);
      hutch_seccomp_profile_clear(&prof);
    }
    json_object_set_new(linux_, "seccomp", sj);
  }

  /* labels as annotations, so hooks and `state` see them */
  if (o->labels) {
    json_t *ann = json_object();
    for (char **l = o->labels; *l; l++) {
      const char *eq = strchr(*l, '=');
      _cleanup_free_ char *k = eq ? strndup(*l, (size_t)(eq - *l)) : strdup(*l);
      json_object_set_new(ann, k, json_string(eq ? eq + 1 : ""));
    }
    json_object_set_new(spec, "annotations", ann);
  }
  *out = TAKE_PTR(spec);
  return 0;
}
