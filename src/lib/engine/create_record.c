/* The record a create leaves: docker's container document (Path, Args,
 * Config, HostConfig, Mounts, GraphDriver, the *Path files) and hutch's
 * own part (Hutch: AnonVolumes, NetNS, Net), from the options, the image's
 * config and what create made (create.h). */
#include "create.h"

#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *strv_json(char *const *v) {
  json_t *a = json_array();
  for (; v && *v; v++)
    json_array_append_new(a, json_string(*v));
  return a;
}

static json_t *strv_json_or_null(char *const *v) {
  return v ? strv_json(v) : json_null();
}

static json_t *labels_json(char *const *img_labels, char *const *labels) {
  json_t *o = json_object();
  char *const *lists[] = {img_labels, labels};
  for (size_t k = 0; k < 2; k++)
    for (char *const *l = lists[k]; l && *l; l++) {
      const char *eq = strchr(*l, '=');
      _cleanup_free_ char *key = eq ? strndup(*l, (size_t)(eq - *l)) : strdup(*l);
      json_object_set_new(o, key, json_string(eq ? eq + 1 : ""));
    }
  return hutch_json_sorted(o);
}

/* Config.Healthcheck, as docker merges the flags over the image's
 * HEALTHCHECK: each field from the flags when given, else the image's;
 * --no-healthcheck is Test ["NONE"]. NULL: none at all. */
static json_t *healthcheck_json(const struct hutch_run_opts *o,
                                const struct hutch_image_config *ic) {
  if (o->no_healthcheck)
    return json_pack("{s:[s]}", "Test", "NONE");
  char **test = o->health_cmd ? o->health_cmd : (ic ? ic->health_test : NULL);
  bool flags =
      o->health_interval || o->health_timeout || o->health_start_period || o->health_retries;
  if (!test && !flags)
    return NULL;
  json_t *h = json_pack("{s:o, s:I, s:I, s:I, s:i}", "Test", strv_json_or_null(test), "Interval",
                        (json_int_t)(o->health_interval ? o->health_interval
                                     : ic               ? ic->health_interval
                                                        : 0),
                        "Timeout",
                        (json_int_t)(o->health_timeout ? o->health_timeout
                                     : ic              ? ic->health_timeout
                                                       : 0),
                        "StartPeriod",
                        (json_int_t)(o->health_start_period ? o->health_start_period
                                     : ic                   ? ic->health_start_period
                                                            : 0),
                        "Retries",
                        (int)(o->health_retries ? o->health_retries
                              : ic              ? ic->health_retries
                                                : 0));
  return h;
}

/* Config: the process as the options and the image's config make it. */
static json_t *config_json(const struct hutch_create *x) {
  const struct hutch_run_opts *o = x->o;
  const struct hutch_image_config *ic = x->img->config;
  json_t *process = json_object_get(x->spec, "process");
  json_t *config = json_pack(
      "{s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:O, s:o, s:o, s:s, s:s, s:o, s:o, s:o}", "Hostname",
      x->net.hostname, "User", o->user ? o->user : (ic && ic->user ? ic->user : ""), "AttachStdin",
      o->interactive && !o->detach, "AttachStdout", !o->detach, "AttachStderr", !o->detach, "Tty",
      o->tty, "OpenStdin", o->interactive, "Env", json_object_get(process, "env"), "Cmd",
      strv_json_or_null(o->cmd ? o->cmd : (!o->has_entrypoint && ic ? ic->cmd : NULL)),
      "Entrypoint",
      o->has_entrypoint
          ? (o->entrypoint && *o->entrypoint ? json_pack("[s]", o->entrypoint) : json_null())
          : strv_json_or_null(ic ? ic->entrypoint : NULL),
      "Image", x->image_ref, "WorkingDir",
      o->workdir ? o->workdir : (ic && ic->working_dir ? ic->working_dir : ""), "Labels",
      labels_json(ic ? ic->labels : NULL, o->labels), "ExposedPorts", json_object(), "Volumes",
      json_object());
  for (char **p = ic ? ic->exposed_ports : NULL; p && *p; p++)
    json_object_set_new(json_object_get(config, "ExposedPorts"), *p, json_object());
  for (char **v = ic ? ic->volumes : NULL; v && *v; v++)
    json_object_set_new(json_object_get(config, "Volumes"), *v, json_object());
  const char *stop_signal =
      o->stop_signal ? o->stop_signal : (ic && ic->stop_signal ? ic->stop_signal : NULL);
  if (stop_signal)
    json_object_set_new(config, "StopSignal", json_string(stop_signal));
  if (o->stop_timeout >= 0)
    json_object_set_new(config, "StopTimeout", json_integer(o->stop_timeout));
  json_t *hc = healthcheck_json(o, ic);
  if (hc)
    json_object_set_new(config, "Healthcheck", hc);
  return config;
}

static json_t *kv_json(char *const *kvs) {
  json_t *m = json_object();
  for (char *const *kv = kvs; kv && *kv; kv++) {
    const char *eq = strchr(*kv, '=');
    _cleanup_free_ char *k = eq ? strndup(*kv, (size_t)(eq - *kv)) : strdup(*kv);
    json_object_set_new(m, k, json_string(eq ? eq + 1 : ""));
  }
  return m;
}

/* HostConfig's namespaces, sysctls, logging, runtime and resources of
 * issue 15, under docker's names. */
static void host_config_more(const struct hutch_create *x, json_t *h) {
  const struct hutch_run_opts *o = x->o;
  const char *ipc = o->ipc_mode ? o->ipc_mode : "private";
  json_t *log = json_pack("{s:s, s:o}", "Type", o->log_driver ? o->log_driver : "json-file",
                          "Config", kv_json(o->log_opts));
  json_t *more = json_pack(
      "{s:s, s:s, s:s, s:s, s:o, s:I, s:o, s:s, s:s, s:o, s:s, s:b, s:s, s:I, s:o}", "PidMode",
      o->pid_mode ? o->pid_mode : "", "IpcMode", ipc, "UTSMode", o->uts_mode ? o->uts_mode : "",
      "UsernsMode", o->userns_mode ? o->userns_mode : "", "Sysctls", kv_json(o->sysctls), "ShmSize",
      (json_int_t)(o->shm_size > 0 ? o->shm_size : 64 * 1024 * 1024), "GroupAdd",
      strv_json_or_null(o->group_add), "ContainerIDFile", o->cidfile ? o->cidfile : "",
      "CgroupParent", o->cgroup_parent ? o->cgroup_parent : "", "LogConfig", log, "Runtime",
      o->runtime ? o->runtime : "hutch", "OomKillDisable", o->oom_kill_disable, "CpusetMems",
      o->cpuset_mems ? o->cpuset_mems : "", "BlkioWeight", (json_int_t)o->blkio_weight,
      "DeviceCgroupRules", strv_json_or_null(o->device_cgroup_rules));
  json_object_update(h, more);
  json_decref(more);
}

/* HostConfig: the mounts, the network mode, the restart policy, limits,
 * capabilities, devices. */
static json_t *host_config_json(const struct hutch_create *x) {
  const struct hutch_run_opts *o = x->o;
  json_t *binds = json_array(), *tmpfs = json_object();
  for (size_t i = 0; i < o->n_mounts; i++) {
    const struct hutch_mount_req *m = &o->mounts[i];
    if (m->type == HUTCH_MOUNT_BIND) {
      char *b = NULL;
      if (asprintf(&b, "%s:%s%s", m->source, m->target, m->readonly ? ":ro" : "") >= 0)
        json_array_append_new(binds, json_string(b));
      free(b);
    } else if (m->type == HUTCH_MOUNT_TMPFS)
      json_object_set_new(tmpfs, m->target, json_string(m->options ? m->options : ""));
  }
  json_t *h = json_pack(
      "{s:o, s:o, s:s, s:{s:s, s:i}, s:b, s:b, s:b, s:b, s:I, s:I, s:I, s:I, s:s, s:I, s:o, s:o, "
      "s:o, s:o, "
      "s:o, s:{s:s, s:{}}, s:o}",
      "Binds", binds, "Tmpfs", tmpfs, "NetworkMode", x->net.network_mode, "RestartPolicy", "Name",
      x->restart_policy, "MaximumRetryCount", x->restart_max, "AutoRemove", o->rm, "Privileged",
      o->privileged, "ReadonlyRootfs", o->read_only, "Init", o->init, "Memory",
      (json_int_t)o->memory, "MemorySwap", (json_int_t)o->memory_swap, "NanoCpus",
      (json_int_t)o->nano_cpus, "CpuShares", (json_int_t)o->cpu_shares, "CpusetCpus",
      o->cpuset_cpus ? o->cpuset_cpus : "", "PidsLimit", (json_int_t)o->pids_limit, "CapAdd",
      strv_json_or_null(o->cap_add), "CapDrop", strv_json_or_null(o->cap_drop), "SecurityOpt",
      strv_json_or_null(o->security_opt), "Devices", strv_json(o->devices), "Ulimits",
      strv_json(o->ulimits), "LogConfig", "Type", "json-file", "Config", "PortBindings",
      strv_json(o->publish));
  if (h)
    host_config_more(x, h);
  return h;
}

int hutch_create_record(struct hutch_create *x, struct hutch_error **err) {
  struct hutch_ctr *c = x->c;
  const struct hutch_engine_net_plan *net = &x->net;
  _cleanup_strv_ char **args = hutch_spec_args(x->o, x->img->config);
  json_t *process = json_object_get(x->spec, "process");
  json_t *config = config_json(x), *host = host_config_json(x);
  char logpath[4200];
  snprintf(logpath, sizeof(logpath), "%s/%s-json.log", c->dir, c->id);
  c->rec = json_pack(
      "{s:s, s:O, s:s, s:s, s:o, s:o, s:o, s:{s:s, s:{s:s, s:s, s:s, s:s}}, s:s, s:s, s:s, s:s, "
      "s:{s:o, s:s}}",
      "Path", args[0] ? args[0] : "", "Args", json_object_get(process, "args"), "Image", x->img->id,
      "ImageName", x->image_ref, "Config", config, "HostConfig", host, "Mounts",
      TAKE_PTR(x->mounts), "GraphDriver", "Name", "overlay", "Data", "LowerDir", "", "UpperDir",
      x->upper, "WorkDir", x->work, "MergedDir", x->merged, "LogPath", logpath, "HostnamePath",
      net->hostname_path ? net->hostname_path : "", "HostsPath",
      net->hosts_path ? net->hosts_path : "", "ResolvConfPath",
      net->resolv_path ? net->resolv_path : "", "Hutch", "AnonVolumes", TAKE_PTR(x->anon), "NetNS",
      net->netns_path ? net->netns_path : "");
  if (!c->rec)
    return hutch_error_set(err, ENOMEM, "container record");
  /* the image's layers, top first, as docker's LowerDir */
  _cleanup_free_ char *lower = hutch_lower_dir_join(x->img->layer_dirs, x->img->n_layers);
  json_object_set_new(json_object_get(json_object_get(c->rec, "GraphDriver"), "Data"), "LowerDir",
                      json_string(lower ? lower : ""));
  hutch_engine_net_record(net, c->rec);
  /* what the monitor and stats act on: the cgroup, the log's rotation */
  const struct hutch_run_opts *o = x->o;
  _cleanup_free_ char *cg = hutch_spec_cgroup_path(o->cgroup_parent, c->id);
  json_t *own = json_object_get(c->rec, "Hutch");
  json_object_set_new(own, "CgroupsPath", json_string(cg ? cg : ""));
  json_object_set_new(own, "RuntimePath", json_string(o->runtime_path ? o->runtime_path : ""));
  json_object_set_new(own, "LogMaxSize", json_integer(o->log_max_size));
  json_object_set_new(own, "LogMaxFile", json_integer(o->log_max_file));
  return 0;
}
