/* POST /containers/create: docker's container config (Config,
 * HostConfig, NetworkingConfig) into the struct hutch_run_opts the
 * `hutch create` flags make, so both go through the same
 * hutch_ctr_create(). Values are checked here as the flags are there:
 * the same parsers (spec_gen.h) for mounts, restart policies, sizes. */
#include "map.h"

#include "api_int.h"

#include "util/cleanup.h"
#include "util/strutil.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int bad(struct hutch_error **err, const char *what) {
  return hutch_error_say(err, EINVAL, "invalid %s", what);
}

static int dup_str(json_t *j, char **out, const char *what, struct hutch_error **err) {
  if (!j || json_is_null(j) || (json_is_string(j) && !*json_string_value(j)))
    return 0;
  if (!json_is_string(j))
    return bad(err, what);
  free(*out);
  *out = strdup(json_string_value(j));
  return *out ? 0 : hutch_error_set(err, ENOMEM, "%s", what);
}

static int64_t num(json_t *j) {
  return json_is_integer(j) ? (int64_t)json_integer_value(j) : 0;
}

static int add_mount(struct hutch_run_opts *o, struct hutch_mount_req *m,
                     struct hutch_error **err) {
  struct hutch_mount_req *n = realloc(o->mounts, (o->n_mounts + 1) * sizeof(*n));
  if (!n) {
    hutch_mount_req_clear(m);
    return hutch_error_set(err, ENOMEM, "mounts");
  }
  o->mounts = n;
  n[o->n_mounts++] = *m;
  return 0;
}

/* Entrypoint ["a", "b"] and Cmd ["c"]: docker runs a b c; the engine
 * takes one entrypoint word and the arguments after it. */
static int command(json_t *cfg, struct hutch_run_opts *o, struct hutch_error **err) {
  json_t *ep = json_object_get(cfg, "Entrypoint"), *cmd = json_object_get(cfg, "Cmd");
  _cleanup_strv_ char **epv = NULL;
  if (json_is_string(ep)) {
    if (hutch_strv_push(&epv, json_string_value(ep)) < 0)
      return hutch_error_set(err, ENOMEM, "Entrypoint");
  } else if (api_strv(ep, &epv, "Entrypoint", err) < 0) {
    return -1;
  }
  if (json_is_array(ep) || json_is_string(ep)) {
    o->has_entrypoint = true;
    o->entrypoint = strdup(epv && epv[0] ? epv[0] : "");
    if (epv && epv[0] && epv[1] && !(o->cmd = hutch_strv_dup(epv + 1)))
      return hutch_error_set(err, ENOMEM, "Entrypoint");
  }
  if (json_is_string(cmd)) {
    if (hutch_strv_push(&o->cmd, json_string_value(cmd)) < 0)
      return hutch_error_set(err, ENOMEM, "Cmd");
    return 0;
  }
  return api_strv(cmd, &o->cmd, "Cmd", err);
}

static int config(json_t *cfg, struct hutch_run_opts *o, struct hutch_error **err) {
  if (command(cfg, o, err) < 0 || api_strv(json_object_get(cfg, "Env"), &o->env, "Env", err) < 0 ||
      dup_str(json_object_get(cfg, "WorkingDir"), &o->workdir, "WorkingDir", err) < 0 ||
      dup_str(json_object_get(cfg, "User"), &o->user, "User", err) < 0 ||
      dup_str(json_object_get(cfg, "Hostname"), &o->hostname, "Hostname", err) < 0 ||
      dup_str(json_object_get(cfg, "StopSignal"), &o->stop_signal, "StopSignal", err) < 0)
    return -1;
  o->tty = json_is_true(json_object_get(cfg, "Tty"));
  o->interactive = json_is_true(json_object_get(cfg, "OpenStdin"));
  /* docker run -d leaves stdout unattached; the engine calls that detach */
  o->detach = !json_is_true(json_object_get(cfg, "AttachStdout")) &&
              !json_is_true(json_object_get(cfg, "AttachStderr"));
  json_t *st = json_object_get(cfg, "StopTimeout");
  if (json_is_integer(st))
    o->stop_timeout = json_integer_value(st);
  const char *k;
  json_t *v;
  json_object_foreach(json_object_get(cfg, "Labels"), k, v) {
    _cleanup_free_ char *kv = NULL;
    if (!json_is_string(v) || asprintf(&kv, "%s=%s", k, json_string_value(v)) < 0 ||
        hutch_strv_push(&o->labels, kv) < 0)
      return bad(err, "Labels");
  }
  json_object_foreach(json_object_get(cfg, "ExposedPorts"), k, v) {
    if (hutch_strv_push(&o->expose, k) < 0)
      return hutch_error_set(err, ENOMEM, "ExposedPorts");
  }
  return 0;
}

static int binds(json_t *hc, struct hutch_run_opts *o, struct hutch_error **err) {
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(hc, "Binds"), i, x) {
    struct hutch_mount_req m = {0};
    if (!json_is_string(x))
      return bad(err, "HostConfig.Binds");
    if (hutch_parse_volume_flag(json_string_value(x), &m, err) < 0 || add_mount(o, &m, err) < 0)
      return -1;
  }
  json_array_foreach(json_object_get(hc, "Mounts"), i, x) {
    const char *type = json_string_value(json_object_get(x, "Type"));
    const char *src = json_string_value(json_object_get(x, "Source"));
    const char *dst = json_string_value(json_object_get(x, "Target"));
    if (!type || !dst)
      return bad(err, "HostConfig.Mounts");
    _cleanup_free_ char *spec = NULL;
    if (asprintf(&spec, "type=%s%s%s,target=%s%s", type, src && *src ? ",source=" : "",
                 src && *src ? src : "", dst,
                 json_is_true(json_object_get(x, "ReadOnly")) ? ",readonly" : "") < 0)
      return hutch_error_set(err, ENOMEM, "mounts");
    struct hutch_mount_req m = {0};
    if (hutch_parse_mount_flag(spec, &m, err) < 0 || add_mount(o, &m, err) < 0)
      return -1;
  }
  const char *k;
  json_object_foreach(json_object_get(hc, "Tmpfs"), k, x) {
    _cleanup_free_ char *spec = NULL;
    const char *opts = json_string_value(x);
    if (asprintf(&spec, "%s%s%s", k, opts && *opts ? ":" : "", opts && *opts ? opts : "") < 0)
      return hutch_error_set(err, ENOMEM, "tmpfs");
    struct hutch_mount_req m = {0};
    if (hutch_parse_tmpfs_flag(spec, &m, err) < 0 || add_mount(o, &m, err) < 0)
      return -1;
  }
  return 0;
}

/* PortBindings {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} as -p. */
static int ports(json_t *hc, struct hutch_run_opts *o, struct hutch_error **err) {
  const char *k;
  json_t *list;
  json_object_foreach(json_object_get(hc, "PortBindings"), k, list) {
    size_t i;
    json_t *b;
    json_array_foreach(list, i, b) {
      const char *ip = json_string_value(json_object_get(b, "HostIp"));
      const char *hp = json_string_value(json_object_get(b, "HostPort"));
      _cleanup_free_ char *p = NULL;
      if (asprintf(&p, "%s%s%s:%s", ip && *ip ? ip : "", ip && *ip ? ":" : "", hp ? hp : "", k) <
              0 ||
          hutch_strv_push(&o->publish, p) < 0)
        return hutch_error_set(err, ENOMEM, "PortBindings");
    }
  }
  o->publish_all = json_is_true(json_object_get(hc, "PublishAllPorts"));
  return 0;
}

static int resources(json_t *hc, struct hutch_run_opts *o, struct hutch_error **err) {
  o->memory = num(json_object_get(hc, "Memory"));
  o->memory_swap = num(json_object_get(hc, "MemorySwap"));
  o->nano_cpus = num(json_object_get(hc, "NanoCpus"));
  o->cpu_shares = num(json_object_get(hc, "CpuShares"));
  o->pids_limit = num(json_object_get(hc, "PidsLimit"));
  if (o->memory < 0 || o->nano_cpus < 0 || o->cpu_shares < 0)
    return bad(err, "HostConfig resources");
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(hc, "Ulimits"), i, x) {
    const char *name = json_string_value(json_object_get(x, "Name"));
    _cleanup_free_ char *u = NULL;
    if (!name ||
        asprintf(&u, "%s=%" PRId64 ":%" PRId64, name, num(json_object_get(x, "Soft")),
                 num(json_object_get(x, "Hard"))) < 0 ||
        hutch_strv_push(&o->ulimits, u) < 0)
      return bad(err, "HostConfig.Ulimits");
  }
  json_array_foreach(json_object_get(hc, "Devices"), i, x) {
    const char *h = json_string_value(json_object_get(x, "PathOnHost"));
    const char *c = json_string_value(json_object_get(x, "PathInContainer"));
    const char *p = json_string_value(json_object_get(x, "CgroupPermissions"));
    _cleanup_free_ char *d = NULL;
    if (!h || asprintf(&d, "%s:%s:%s", h, c && *c ? c : h, p && *p ? p : "rwm") < 0 ||
        hutch_strv_push(&o->devices, d) < 0)
      return bad(err, "HostConfig.Devices");
  }
  return dup_str(json_object_get(hc, "CpusetCpus"), &o->cpuset_cpus, "CpusetCpus", err);
}

static int restart(json_t *hc, struct hutch_run_opts *o, struct hutch_error **err) {
  json_t *rp = json_object_get(hc, "RestartPolicy");
  const char *name = json_string_value(json_object_get(rp, "Name"));
  if (!name || !*name)
    return 0;
  int64_t max = num(json_object_get(rp, "MaximumRetryCount"));
  if (strcmp(name, "on-failure") == 0 && max > 0) {
    if (asprintf(&o->restart, "on-failure:%" PRId64, max) < 0)
      return hutch_error_set(err, ENOMEM, "RestartPolicy");
  } else if (!(o->restart = strdup(name))) {
    return hutch_error_set(err, ENOMEM, "RestartPolicy");
  }
  const char *pn;
  int pm;
  if (hutch_parse_restart(o->restart, &pn, &pm) < 0)
    return hutch_error_say(err, EINVAL, "invalid restart policy '%s'", name);
  return 0;
}

static int host_config(json_t *hc, struct hutch_run_opts *o, struct hutch_error **err) {
  o->privileged = json_is_true(json_object_get(hc, "Privileged"));
  o->read_only = json_is_true(json_object_get(hc, "ReadonlyRootfs"));
  o->init = json_is_true(json_object_get(hc, "Init"));
  o->rm = json_is_true(json_object_get(hc, "AutoRemove"));
  const char *nm = json_string_value(json_object_get(hc, "NetworkMode"));
  if (nm && *nm && strcmp(nm, "default") != 0 && !(o->network = strdup(nm)))
    return hutch_error_set(err, ENOMEM, "NetworkMode");
  if (binds(hc, o, err) < 0 || ports(hc, o, err) < 0 || resources(hc, o, err) < 0 ||
      restart(hc, o, err) < 0 ||
      api_strv(json_object_get(hc, "CapAdd"), &o->cap_add, "CapAdd", err) < 0 ||
      api_strv(json_object_get(hc, "CapDrop"), &o->cap_drop, "CapDrop", err) < 0 ||
      api_strv(json_object_get(hc, "SecurityOpt"), &o->security_opt, "SecurityOpt", err) < 0 ||
      api_strv(json_object_get(hc, "Dns"), &o->dns, "Dns", err) < 0 ||
      api_strv(json_object_get(hc, "DnsSearch"), &o->dns_search, "DnsSearch", err) < 0 ||
      api_strv(json_object_get(hc, "DnsOptions"), &o->dns_options, "DnsOptions", err) < 0 ||
      api_strv(json_object_get(hc, "ExtraHosts"), &o->add_hosts, "ExtraHosts", err) < 0)
    return -1;
  return 0;
}

/* NetworkingConfig.EndpointsConfig: the aliases and address asked for on
 * the container's network (compose gives the service name as alias). */
static int endpoints(json_t *nc, struct hutch_run_opts *o, struct hutch_error **err) {
  const char *net;
  json_t *ep;
  json_object_foreach(json_object_get(nc, "EndpointsConfig"), net, ep) {
    if (!o->network && strcmp(net, "bridge") != 0 && !(o->network = strdup(net)))
      return hutch_error_set(err, ENOMEM, "NetworkingConfig");
    if (api_strv(json_object_get(ep, "Aliases"), &o->net_aliases, "Aliases", err) < 0)
      return -1;
    json_t *ipam = json_object_get(ep, "IPAMConfig");
    if (dup_str(json_object_get(ipam, "IPv4Address"), &o->ip, "IPv4Address", err) < 0)
      return -1;
  }
  return 0;
}

int hutch_api_create_opts(json_t *body, const char *name, struct hutch_run_opts *o,
                          struct hutch_error **err) {
  *o = (struct hutch_run_opts){.stop_timeout = -1};
  if (name && *name && !(o->name = strdup(name)))
    return hutch_error_set(err, ENOMEM, "name");
  if (config(body, o, err) < 0 || host_config(json_object_get(body, "HostConfig"), o, err) < 0 ||
      endpoints(json_object_get(body, "NetworkingConfig"), o, err) < 0)
    return -1;
  return 0;
}
