/* docker's run/create flag values parsed for the spec: sizes, CPUs, the
 * restart policy, -v/--mount/--tmpfs, and the entrypoint/cmd rule; and
 * struct hutch_run_opts freed. Pure. */
#include "spec_gen.h"
#include "spec_internal.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  free(o->runtime_path);
  free(o->restart);
  free(o->network);
  free(o->ip);
  hutch_strv_free(o->dns);
  hutch_strv_free(o->dns_search);
  hutch_strv_free(o->dns_options);
  hutch_strv_free(o->add_hosts);
  hutch_strv_free(o->net_aliases);
  hutch_strv_free(o->expose);
  char *strs[] = {o->pid_mode,   o->ipc_mode, o->uts_mode,    o->userns_mode,
                  o->pid_join,   o->ipc_join, o->cidfile,     o->cgroup_parent,
                  o->log_driver, o->runtime,  o->cpuset_mems, o->shm_bind};
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
