/* The container's network as create settles it and its record keeps it
 * (netrecord.c): the engine's context for the networking library, the
 * plan of create, and the record's Hutch.Net read back. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "net/net.h"
#include "netflags.h"
#include "spec_gen.h"
#include "util/error.h"

struct hutch_engine;
struct hutch_ctr;

/* The library's context for this engine (state under $HUTCH_ROOT/networks). */
struct hutch_engine_netctx {
  struct hutch_net_ctx ctx;
  char state_dir[4096];
};
void hutch_engine_net_ctx(struct hutch_engine *e, struct hutch_engine_netctx *out);
/* The default network, created with the test overrides when it is new. */
int hutch_engine_net_default(struct hutch_engine *e, struct hutch_network **out,
                             struct hutch_error **err);

/* What create decided, for the spec and the record. */
struct hutch_engine_net_plan {
  enum hutch_netmode mode;
  char *network_mode; /* HostConfig.NetworkMode: bridge, none, host, container:<id>, NAME */
  char *netns_path;   /* the spec's network namespace path; NULL: host */
  char *hostname;
  char *hostname_path, *hosts_path, *resolv_path; /* bind-mount sources */
  json_t *net;                                    /* Hutch.Net: what start needs */
  json_t *port_bindings;                          /* HostConfig.PortBindings */
  json_t *exposed;                                /* Config.ExposedPorts additions (--expose) */
};
void hutch_engine_net_plan_clear(struct hutch_engine_net_plan *p);

/* The container's network, as far as it can be settled at create: see
 * netsetup.h. ctr_dir is where the /etc files go; exposed the image's
 * ExposedPorts ("80/tcp"), may be NULL. */
int hutch_engine_net_prepare(struct hutch_engine *e, const struct hutch_run_opts *o, const char *id,
                             const char *name, const char *ctr_dir, char *const *exposed,
                             struct hutch_engine_net_plan *out, struct hutch_error **err);
/* Into the container record: HostConfig.NetworkMode, PortBindings,
 * PublishAllPorts, Dns*, ExtraHosts, Config.ExposedPorts, Hutch.Net,
 * Hutch.NetNS. */
void hutch_engine_net_record(const struct hutch_engine_net_plan *p, json_t *rec);

/* For the engine's other network files (netsetup.c, netinspect.c). */
/* The record's Hutch.Net (borrowed), NULL if none. */
json_t *hutch_engine_net_of(struct hutch_ctr *c);
/* The name of the i-th network the plan `net` attaches to (borrowed),
 * NULL past the last: for (i = 0; (name = …(net, i)); i++). */
const char *hutch_engine_net_name_at(json_t *net, size_t i);
/* Does the container of Hutch.Net `net` have a netns of its own (bridge,
 * none, user network)? */
bool hutch_engine_net_owns_netns(json_t *net);
/* Is Hutch.Net's mode a rootless user-mode network (pasta, slirp4netns)? */
bool hutch_engine_net_is_usernet(const char *mode);
/* A JSON array of the strings of v (NULL-terminated or NULL). */
json_t *hutch_engine_net_strv_json(char *const *v);
/* Rootless: the ports a container's pasta or slirp4netns publishes, when
 * start chose host ports for it (-P, -p 80): "netns_dir/ID.ports", a JSON
 * array as Hutch.Net's "ports"; NULL on ENOMEM. */
char *hutch_engine_net_ports_file(const char *netns_dir, const char *id);
/* "dir/name" in a new string, NULL on ENOMEM. */
char *hutch_engine_net_join(const char *dir, const char *name);
/* Mappings as Hutch.Net's "ports" (a new array), and back into mappings
 * (*out calloc'd; -ENOMEM). */
json_t *hutch_engine_net_ports_json(const struct hutch_port_mapping *p, size_t n);
int hutch_engine_net_ports_from_json(json_t *a, struct hutch_port_mapping **out, size_t *n);
