/* The namespaces of a container's spec, as docker's daemon/oci_linux.go
 * sets them: its own of each kind, none of a kind that is the host's
 * (--pid/--ipc/--uts host, --network host), another container's by path
 * (--pid/--ipc container:X, --network container:X), and what goes with
 * them: /dev/shm by the IPC mode (own tmpfs of --shm-size; the host's
 * with --ipc host; a host-side tmpfs with shareable, which container:X
 * binds too; none with --ipc none), and the
 * namespaced sysctls. */
#include "spec_gen.h"
#include "spec_internal.h"

#include "util/cleanup.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is(const char *mode, const char *v) {
  return mode && strcmp(mode, v) == 0;
}

bool hutch_spec_host_uts(const struct hutch_spec_input *in) {
  return is(in->o->uts_mode, "host");
}

static json_t *ns_json(const char *type, const char *path) {
  json_t *n = json_pack("{s:s}", "type", type);
  if (path)
    json_object_set_new(n, "path", json_string(path));
  return n;
}

/* The default spec's /dev/shm: resized, replaced by a bind, or dropped. */
static int shm_mount(const struct hutch_run_opts *o, json_t *mounts, struct hutch_error **err) {
  size_t i;
  json_t *m = NULL;
  json_array_foreach(mounts, i, m) {
    if (strcmp(json_string_value(json_object_get(m, "destination")) ?: "", "/dev/shm") == 0)
      break;
  }
  if (i == json_array_size(mounts))
    return 0;
  if (is(o->ipc_mode, "none")) {
    json_array_remove(mounts, i);
    return 0;
  }
  /* shareable and container:X: the tmpfs the engine keeps on the host
   * (ipcshm.c), X's for a joiner, as docker does */
  const char *bind = is(o->ipc_mode, "host") ? "/dev/shm" : o->shm_bind;
  if (bind) {
    json_array_set_new(mounts, i,
                       json_pack("{s:s, s:s, s:s, s:[s, s]}", "destination", "/dev/shm", "type",
                                 "bind", "source", bind, "options", "rbind", "rprivate"));
    return 0;
  }
  if (o->shm_size > 0) {
    json_t *opts = json_object_get(m, "options");
    json_t *v;
    size_t k;
    json_array_foreach(opts, k, v) {
      if (hutch_str_has_prefix(json_string_value(v), "size=")) {
        char sz[64];
        snprintf(sz, sizeof(sz), "size=%lldk", (long long)((o->shm_size + 1023) / 1024));
        json_array_set_new(opts, k, json_string(sz));
      }
    }
  }
  return 0;
}

static int sysctl_json(const struct hutch_run_opts *o, json_t *linux_) {
  if (!o->sysctls)
    return 0;
  json_t *s = json_object();
  for (char **kv = o->sysctls; *kv; kv++) {
    const char *eq = strchr(*kv, '=');
    if (!eq)
      continue;
    _cleanup_free_ char *k = strndup(*kv, (size_t)(eq - *kv));
    json_object_set_new(s, k, json_string(eq + 1));
  }
  json_object_set_new(linux_, "sysctl", s);
  return 0;
}

int hutch_spec_namespaces(const struct hutch_spec_input *in, json_t *spec,
                          struct hutch_error **err) {
  const struct hutch_run_opts *o = in->o;
  json_t *linux_ = json_object_get(spec, "linux");
  json_t *ns = json_array();
  if (!is(o->pid_mode, "host"))
    json_array_append_new(ns, ns_json("pid", o->pid_join));
  if (!is(o->ipc_mode, "host"))
    json_array_append_new(ns, ns_json("ipc", o->ipc_join));
  if (!hutch_spec_host_uts(in))
    json_array_append_new(ns, ns_json("uts", NULL));
  json_array_append_new(ns, ns_json("mount", NULL));
  json_array_append_new(ns, ns_json("cgroup", NULL));
  if (!is(o->network, "host"))
    json_array_append_new(ns, ns_json("network", in->netns_path));
  json_object_set_new(linux_, "namespaces", ns);
  if (hutch_spec_host_uts(in))
    json_object_del(spec, "hostname");
  if (shm_mount(o, json_object_get(spec, "mounts"), err) < 0)
    return -1;
  return sysctl_json(o, linux_);
}
