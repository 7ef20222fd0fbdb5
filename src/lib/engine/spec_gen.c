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

void hutch_mount_req_clear(struct hutch_mount_req *m) {
  free(m->source);
  free(m->target);
  free(m->options);
  free(m->host_path);
  memset(m, 0, sizeof(*m));
}

void hutch_run_opts_clear(struct hutch_run_opts *o) {
  hutch_strv_free(o->cmd);
  free(o->entrypoint);
  hutch_strv_free(o->env);
  hutch_strv_free(o->env_file);
  free(o->workdir);
  free(o->user);
  free(o->hostname);
  free(o->name);
  free(o->seccomp);
  for (size_t i = 0; i < o->n_mounts; i++)
    hutch_mount_req_clear(&o->mounts[i]);
  free(o->mounts);
  free(o->cpuset_cpus);
  hutch_strv_free(o->ulimits);
  hutch_strv_free(o->cap_add);
  hutch_strv_free(o->cap_drop);
  hutch_strv_free(o->devices);
  hutch_strv_free(o->labels);
  hutch_strv_free(o->security_opt);
  hutch_strv_free(o->publish);
  free(o->stop_signal);
  free(o->restart);
  free(o->network);
  free(o->ip);
  hutch_strv_free(o->dns);
  hutch_strv_free(o->dns_search);
  hutch_strv_free(o->dns_options);
  hutch_strv_free(o->add_hosts);
  hutch_strv_free(o->net_aliases);
  hutch_strv_free(o->expose);
  char *strs[] = {o->pid_mode,   o->ipc_mode, o->uts_mode,     o->userns_mode,
                  o->pid_join,   o->ipc_join, o->cidfile,      o->cgroup_parent,
                  o->log_driver, o->runtime,  o->runtime_path, o->cpuset_mems};
  for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
    free(strs[i]);
  char **vecs[] = {o->sysctls, o->group_add, o->log_opts, o->device_cgroup_rules, o->health_cmd};
  for (size_t i = 0; i < ARRAY_SIZE(vecs); i++)
    hutch_strv_free(vecs[i]);
  memset(o, 0, sizeof(*o));
}

int hutch_parse_bytes(const char *s, int64_t *out) {
  if (s == NULL || *s == '\0')
    return -EINVAL;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || v < 0)
    return -EINVAL;
  int64_t mult = 1;
  switch (tolower((unsigned char)*end)) {
  case '\0':
    break;
  case 'b':
    break;
  case 'k':
    mult = 1024;
    break;
  case 'm':
    mult = 1024 * 1024;
    break;
  case 'g':
    mult = 1024LL * 1024 * 1024;
    break;
  case 't':
    mult = 1024LL * 1024 * 1024 * 1024;
    break;
  default:
    return -EINVAL;
  }
  if (*end) {
    end++;
    if (tolower((unsigned char)*end) == 'b' && mult > 1)
      end++;
    if (*end)
      return -EINVAL;
  }
  *out = (int64_t)(v * (double)mult);
  return 0;
}

int hutch_parse_cpus(const char *s, int64_t *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || v < 0 || v > 1e6)
    return -EINVAL;
  *out = (int64_t)(v * 1e9 + 0.5);
  return 0;
}

int hutch_parse_restart(const char *s, const char **name, int *max_retries) {
  *max_retries = 0;
  if (s == NULL || strcmp(s, "no") == 0 || *s == '\0') {
    *name = "no";
    return 0;
  }
  if (strcmp(s, "always") == 0 || strcmp(s, "unless-stopped") == 0) {
    *name = strcmp(s, "always") == 0 ? "always" : "unless-stopped";
    return 0;
  }
  if (hutch_str_has_prefix(s, "on-failure")) {
    *name = "on-failure";
    if (s[10] == '\0')
      return 0;
    int64_t n;
    if (s[10] != ':' || hutch_parse_int64(s + 11, 0, 1000000, &n) < 0)
      return -EINVAL;
    *max_retries = (int)n;
    return 0;
  }
  return -EINVAL;
}

/* docker's rule for local volume names. */
static bool volume_name_ok(const char *s) {
  if (!isalnum((unsigned char)s[0]))
    return false;
  for (const char *p = s + 1; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
      return false;
  return true;
}

/* A bind source as the docker CLI takes it: absolute as given, "." and
 * "./..." made absolute against the cwd; 0 with *out NULL for anything
 * else, which is not a host path. Resolving other relative paths against
 * wherever hutch runs would let "x/../../.." name the host's /. */
static int bind_source(const char *src, char **out) {
  *out = NULL;
  if (src[0] == '/')
    return (*out = strdup(src)) ? 0 : -ENOMEM;
  if (strcmp(src, ".") != 0 && !hutch_str_has_prefix(src, "./"))
    return 0;
  _cleanup_free_ char *cwd = getcwd(NULL, 0);
  if (cwd == NULL)
    return -errno;
  return asprintf(out, "%s/%s", cwd, src) < 0 ? -ENOMEM : 0;
}

/* -v SRC:DST: a host path (see bind_source) or a volume name. */
static int volume_source(const char *spec, const char *src, struct hutch_mount_req *out,
                         struct hutch_error **err) {
  _cleanup_free_ char *abs = NULL;
  int r = bind_source(src, &abs);
  if (r < 0)
    return hutch_error_set(err, r, "bind source %s", src);
  if (abs) {
    out->type = HUTCH_MOUNT_BIND;
    out->source = TAKE_PTR(abs);
    return 0;
  }
  if (src[0] == '\0')
    return hutch_error_set(err, EINVAL, "invalid volume specification: %s", spec);
  if (!volume_name_ok(src))
    return hutch_error_set(err, EINVAL,
                           "%s includes invalid characters for a local volume name, only "
                           "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed; to pass a host directory, "
                           "use an absolute path",
                           src);
  out->type = HUTCH_MOUNT_VOLUME;
  return (out->source = strdup(src)) ? 0 : hutch_error_set(err, ENOMEM, "volume %s", spec);
}

int hutch_parse_volume_flag(const char *s, struct hutch_mount_req *out, struct hutch_error **err) {
  char *parts[3] = {NULL, NULL, NULL};
  size_t n = hutch_spec_split_colon(s, parts);
  memset(out, 0, sizeof(*out));
  int ret = 0;
  if (n == 1) {
    out->type = HUTCH_MOUNT_VOLUME;
    out->target = TAKE_PTR(parts[0]);
  } else {
    ret = volume_source(s, parts[0], out, err);
    out->target = TAKE_PTR(parts[1]);
    if (ret == 0 && n == 3) {
      _cleanup_free_ char *copy = strdup(parts[2]);
      char *save = NULL;
      for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        if (strcmp(o, "ro") == 0)
          out->readonly = true;
        else if (strcmp(o, "rw") == 0)
          out->readonly = false;
        else if (strcmp(o, "z") && strcmp(o, "Z") && strcmp(o, "rprivate") &&
                 strcmp(o, "private") && strcmp(o, "rshared") && strcmp(o, "shared") &&
                 strcmp(o, "rslave") && strcmp(o, "slave") && strcmp(o, "nocopy")) {
          ret = hutch_error_set(err, EINVAL, "invalid volume option %s in %s", o, s);
          break;
        }
      }
    }
  }
  for (size_t i = 0; i < 3; i++)
    free(parts[i]);
  if (ret == 0 && (out->target == NULL || out->target[0] != '/'))
    ret = hutch_error_set(
        err, EINVAL, "invalid volume specification: %s: the container path must be absolute", s);
  if (ret < 0)
    hutch_mount_req_clear(out);
  return ret;
}

int hutch_parse_tmpfs_flag(const char *s, struct hutch_mount_req *out, struct hutch_error **err) {
  memset(out, 0, sizeof(*out));
  out->type = HUTCH_MOUNT_TMPFS;
  const char *c = strchr(s, ':');
  out->target = c ? strndup(s, (size_t)(c - s)) : strdup(s);
  if (c && c[1])
    out->options = strdup(c + 1);
  if (out->target[0] != '/') {
    hutch_mount_req_clear(out);
    return hutch_error_set(err, EINVAL, "invalid tmpfs %s: the path must be absolute", s);
  }
  return 0;
}

/* --mount source=: a bind's must be a host path as bind_source takes it, a
 * volume's a volume name. */
static int mount_source(const char *spec, struct hutch_mount_req *out, struct hutch_error **err) {
  if (out->type == HUTCH_MOUNT_VOLUME && !volume_name_ok(out->source))
    return hutch_error_set(err, EINVAL, "--mount %s: %s is not a valid volume name", spec,
                           out->source);
  if (out->type != HUTCH_MOUNT_BIND)
    return 0;
  char *abs = NULL;
  int r = bind_source(out->source, &abs);
  if (r < 0)
    return hutch_error_set(err, r, "--mount %s: bind source", spec);
  if (abs == NULL)
    return hutch_error_set(err, EINVAL,
                           "--mount %s: invalid mount config for type \"bind\": invalid mount "
                           "path: '%s' mount path must be absolute",
                           spec, out->source);
  free(out->source);
  out->source = abs;
  return 0;
}

int hutch_parse_mount_flag(const char *s, struct hutch_mount_req *out, struct hutch_error **err) {
  memset(out, 0, sizeof(*out));
  _cleanup_free_ char *copy = strdup(s);
  char *save = NULL;
  const char *type = "volume";
  _cleanup_free_ char *tmpfs_opts = NULL;
  int ret = 0;
  for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(kv, '=');
    const char *val = eq ? eq + 1 : NULL;
    if (eq)
      *eq = '\0';
    if (strcmp(kv, "type") == 0 && val)
      type = val;
    else if ((strcmp(kv, "source") == 0 || strcmp(kv, "src") == 0) && val) {
      free(out->source);
      out->source = strdup(val);
    } else if ((strcmp(kv, "target") == 0 || strcmp(kv, "destination") == 0 ||
                strcmp(kv, "dst") == 0) &&
               val) {
      free(out->target);
      out->target = strdup(val);
    } else if (strcmp(kv, "readonly") == 0 || strcmp(kv, "ro") == 0)
      out->readonly = val == NULL || strcmp(val, "true") == 0 || strcmp(val, "1") == 0;
    else if (strcmp(kv, "tmpfs-size") == 0 && val) {
      char *t = NULL;
      if (asprintf(&t, "%s%ssize=%s", tmpfs_opts ? tmpfs_opts : "", tmpfs_opts ? "," : "", val) < 0)
        t = NULL;
      free(tmpfs_opts);
      tmpfs_opts = t;
    } else if (strcmp(kv, "tmpfs-mode") == 0 && val) {
      char *t = NULL;
      if (asprintf(&t, "%s%smode=%s", tmpfs_opts ? tmpfs_opts : "", tmpfs_opts ? "," : "", val) < 0)
        t = NULL;
      free(tmpfs_opts);
      tmpfs_opts = t;
    } else if (strcmp(kv, "bind-propagation") == 0 || strcmp(kv, "volume-nocopy") == 0 ||
               strcmp(kv, "consistency") == 0) {
      /* accepted, no effect here */
    } else {
      ret = hutch_error_set(err, EINVAL, "--mount %s: unknown key %s", s, kv);
      break;
    }
  }
  if (ret == 0) {
    if (strcmp(type, "bind") == 0)
      out->type = HUTCH_MOUNT_BIND;
    else if (strcmp(type, "volume") == 0)
      out->type = HUTCH_MOUNT_VOLUME;
    else if (strcmp(type, "tmpfs") == 0)
      out->type = HUTCH_MOUNT_TMPFS;
    else
      ret = hutch_error_set(err, EINVAL, "--mount %s: unknown type %s", s, type);
  }
  if (ret == 0 && (out->target == NULL || out->target[0] != '/'))
    ret = hutch_error_set(err, EINVAL, "--mount %s: target must be an absolute path", s);
  if (ret == 0 && out->type == HUTCH_MOUNT_BIND && out->source == NULL)
    ret = hutch_error_set(err, EINVAL, "--mount %s: a bind mount needs a source", s);
  if (ret == 0 && out->source)
    ret = mount_source(s, out, err);
  if (ret == 0 && out->type == HUTCH_MOUNT_TMPFS && out->source)
    ret = hutch_error_set(err, EINVAL, "--mount %s: a tmpfs mount takes no source", s);
  if (ret < 0) {
    hutch_mount_req_clear(out);
    return ret;
  }
  out->options = TAKE_PTR(tmpfs_opts);
  return 0;
}

char **hutch_spec_args(const struct hutch_run_opts *o, const struct hutch_image_config *img) {
  char **args = calloc(1, sizeof(char *));
  if (args == NULL)
    return NULL;
  if (o->has_entrypoint) {
    if (o->entrypoint && *o->entrypoint)
      hutch_strv_push(&args, o->entrypoint);
  } else if (img && img->entrypoint) {
    for (char **e = img->entrypoint; *e; e++)
      hutch_strv_push(&args, *e);
  }
  /* An overridden entrypoint drops the image's Cmd (docker resets it). */
  char *const *cmd = o->cmd ? o->cmd : (!o->has_entrypoint && img ? img->cmd : NULL);
  for (char *const *c = cmd; c && *c; c++)
    hutch_strv_push(&args, *c);
  return args;
}

/* ---- users ---- */

int hutch_read_user_db(const char *rootfs, const char *path, char **out, struct hutch_error **err) {
  *out = NULL;
  _cleanup_close_ int rfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0)
    return hutch_error_set(err, errno, "open %s", rootfs);
  int r = hutch_read_regular_in_root(rfd, path, HUTCH_USER_DB_MAX, out, NULL);
  hutch_debug("read %s in the container: %d", path, r);
  if (r == -ENOENT || r == -ENOTDIR)
    return 0;
  if (r == -EINVAL || r == -EISDIR)
    return hutch_error_set(err, 0, "%s in the container is not a regular file", path);
  if (r == -EFBIG)
    return hutch_error_set(err, 0, "%s in the container is larger than %zu MiB", path,
                           HUTCH_USER_DB_MAX >> 20);
  if (r < 0)
    return hutch_error_set(err, r, "read %s in the container", path);
  return 0;
}

void hutch_user_clear(struct hutch_user *u) {
  free(u->additional_gids);
  free(u->home);
  memset(u, 0, sizeof(*u));
}

static bool parse_id(const char *s, uint32_t *out) {
  int64_t v;
  if (hutch_parse_int64(s, 0, UINT32_MAX - 1, &v) < 0)
    return false;
  *out = (uint32_t)v;
  return true;
}

/* Call fn for each line's colon-separated fields (up to 7). */
static bool find_entry(const char *text, const char *name, bool by_id, uint32_t id, char *fields[7],
                       size_t nfields) {
  if (text == NULL)
    return false;
  const char *p = text;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    _cleanup_free_ char *line = strndup(p, len);
    p = nl ? nl + 1 : p + len;
    char *f[7] = {0};
    size_t n = 0;
    char *s = line;
    while (n < nfields) {
      f[n++] = s;
      char *c = strchr(s, ':');
      if (!c)
        break;
      *c = '\0';
      s = c + 1;
    }
    if (n < 3 || line[0] == '#')
      continue;
    uint32_t fid;
    bool match = by_id ? (parse_id(f[2], &fid) && fid == id) : strcmp(f[0], name) == 0;
    if (!match)
      continue;
    for (size_t i = 0; i < nfields; i++)
      fields[i] = i < n ? strdup(f[i]) : strdup("");
    return true;
  }
  return false;
}

static void free_fields(char *f[7]) {
  for (size_t i = 0; i < 7; i++) {
    free(f[i]);
    f[i] = NULL;
  }
}

int hutch_resolve_user(const char *spec, const char *passwd, const char *group,
                       struct hutch_user *out, struct hutch_error **err) {
  memset(out, 0, sizeof(*out));
  _cleanup_free_ char *copy = strdup(spec ? spec : "");
  char *grp = strchr(copy, ':');
  if (grp)
    *grp++ = '\0';
  const char *usr = copy;
  char *pw[7] = {0};
  bool found = false;
  uint32_t id;
  if (*usr == '\0') {
    found = find_entry(passwd, NULL, true, 0, pw, 7);
  } else if (parse_id(usr, &id)) {
    out->uid = id;
    found = find_entry(passwd, NULL, true, id, pw, 7);
  } else {
    found = find_entry(passwd, usr, false, 0, pw, 7);
    if (!found)
      return hutch_error_set(err, ENOENT,
                             "unable to find user %s: no matching entries in passwd file", usr);
  }
  if (found) {
    parse_id(pw[2], &out->uid);
    parse_id(pw[3], &out->gid);
    out->home = strdup(pw[5] && *pw[5] ? pw[5] : "/");
  } else {
    out->home = strdup("/");
  }
  if (grp && *grp) {
    char *gr[7] = {0};
    if (parse_id(grp, &id)) {
      out->gid = id;
    } else if (find_entry(group, grp, false, 0, gr, 4)) {
      parse_id(gr[2], &out->gid);
      free_fields(gr);
    } else {
      free_fields(pw);
      hutch_user_clear(out);
      return hutch_error_set(err, ENOENT,
                             "unable to find group %s: no matching entries in group file", grp);
    }
  }
  /* Supplementary groups: every group that lists the user by name. */
  if (found && group) {
    const char *p = group;
    while (*p) {
      const char *nl = strchr(p, '\n');
      size_t len = nl ? (size_t)(nl - p) : strlen(p);
      _cleanup_free_ char *line = strndup(p, len);
      p = nl ? nl + 1 : p + len;
      char *f[4] = {0};
      char *s = line;
      size_t n = 0;
      while (n < 4) {
        f[n++] = s;
        char *c = strchr(s, ':');
        if (!c)
          break;
        *c = '\0';
        s = c + 1;
      }
      if (n < 4 || !parse_id(f[2], &id))
        continue;
      char *save = NULL;
      for (char *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save)) {
        if (strcmp(m, pw[0]) != 0)
          continue;
        uint32_t *g = realloc(out->additional_gids, (out->n_additional_gids + 1) * sizeof(*g));
        if (g) {
          out->additional_gids = g;
          g[out->n_additional_gids++] = id;
        }
        break;
      }
    }
  }
  free_fields(pw);
  return 0;
}

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
  if (o->nano_cpus > 0 || o->cpu_shares > 0 || o->cpuset_cpus) {
    json_t *cpu = json_object();
    if (o->nano_cpus > 0) {
      json_object_set_new(cpu, "period", json_integer(100000));
      json_object_set_new(cpu, "quota", json_integer(o->nano_cpus * 100000 / 1000000000));
    }
    if (o->cpu_shares > 0)
      json_object_set_new(cpu, "shares", json_integer(o->cpu_shares));
    if (o->cpuset_cpus)
      json_object_set_new(cpu, "cpus", json_string(o->cpuset_cpus));
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
  const char *hostname = o->hostname                       ? o->hostname
                         : (host_net && in->host_hostname) ? in->host_hostname
                                                           : shortid;
  json_object_set_new(spec, "hostname", json_string(hostname));

  /* user */
  struct hutch_user u;
  const char *user = o->user ? o->user : (img && img->user ? img->user : "");
  if (hutch_resolve_user(user, in->passwd, in->group, &u, err) < 0)
    return -1;
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

  /* namespaces */
  json_t *ns = json_array();
  static const char *const kinds[] = {"pid", "ipc", "uts", "mount", "cgroup"};
  for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
    json_array_append_new(ns, json_pack("{s:s}", "type", kinds[i]));
  if (!host_net) {
    json_t *n = json_pack("{s:s}", "type", "network");
    if (in->netns_path)
      json_object_set_new(n, "path", json_string(in->netns_path));
    json_array_append_new(ns, n);
  }
  json_object_set_new(linux_, "namespaces", ns);

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

  char cgpath[128];
  snprintf(cgpath, sizeof(cgpath), "/hutch/%s", in->id);
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
