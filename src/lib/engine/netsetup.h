/* The engine's side of networking: docker's network flags of run/create
 * (parsed and validated here, pure), and the glue between a container's
 * life and the networking library (net/net.h).
 *
 * When things happen:
 *   create  hutch_engine_net_prepare: the mode, the netns path the spec
 *           joins, the /etc/hostname, /etc/hosts, /etc/resolv.conf files
 *           in the container's dir (bind-mounted), the published ports;
 *           hutch_engine_net_record puts it all into the container record.
 *   start   hutch_engine_net_start: the netns (again, if a previous stop
 *           removed it), attached to its networks, veth, address, ports.
 *   exit    hutch_engine_net_stopped (the monitor, when it lets go of the
 *           container): detached, the address released, the netns gone,
 *           as docker releases the sandbox of a stopped container.
 *   rm      hutch_engine_net_teardown.
 *   any command: hutch_engine_net_cleanup_stale removes what containers
 *           whose monitor, init and starter all died left behind.
 *
 * The network store lives in $HUTCH_ROOT/networks. For tests,
 * HUTCH_NET_TABLE names the nft table (default "hutch"), and
 * HUTCH_NET_DEFAULT_BRIDGE / HUTCH_NET_DEFAULT_SUBNET give the default
 * network another bridge and subnet when it is first created. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net.h"
#include "spec_gen.h"
#include "util/error.h"

struct hutch_engine;
struct hutch_ctr;

enum hutch_netmode {
  HUTCH_NETMODE_BRIDGE,    /* the default network */
  HUTCH_NETMODE_NONE,      /* own netns, lo only */
  HUTCH_NETMODE_HOST,      /* the host's netns */
  HUTCH_NETMODE_CONTAINER, /* container:ID, another container's netns */
  HUTCH_NETMODE_USER,      /* a user-defined network */
};

/* --network none|host|bridge|default|container:REF|NAME (NULL: bridge).
 * *arg gets the network name (bridge: "bridge") or the container ref. */
int hutch_netmode_parse(const char *s, enum hutch_netmode *mode, char **arg,
                        struct hutch_error **err);

/* -p/--publish [ip:][hostPort:]containerPort[/tcp|udp], ports may be
 * ranges ("8000-8001:80-81", "80-81" for ephemeral host ports). Appends
 * to *v (realloc'd). IPv4 only; host ip 0.0.0.0 means all addresses. */
int hutch_publish_parse(const char *s, struct hutch_port_mapping **v, size_t *n,
                        struct hutch_error **err);
/* "80", "80/udp", "8000-8010/tcp": ExposedPorts keys and --expose. */
int hutch_expose_parse(const char *s, uint16_t *first, uint16_t *last, int *proto,
                       struct hutch_error **err);
/* -P: an ephemeral host port for each exposed port not published yet. */
int hutch_publish_all(char *const *exposed, struct hutch_port_mapping **v, size_t *n,
                      struct hutch_error **err);
/* "80/tcp", the key of docker's Ports and PortBindings objects. */
void hutch_port_key(const struct hutch_port_mapping *p, char buf[16]);

/* Every network flag of o, before anything is created: the mode and its
 * conflicts (-p or --ip with host/none, --ip outside a network), --ip,
 * --dns, --add-host, -p, --expose. */
int hutch_engine_net_validate(const struct hutch_run_opts *o, struct hutch_error **err);

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

/* The container's network, as far as it can be settled at create: see the
 * top of this file. ctr_dir is where the /etc files go; exposed the
 * image's ExposedPorts ("80/tcp"), may be NULL. */
int hutch_engine_net_prepare(struct hutch_engine *e, const struct hutch_run_opts *o, const char *id,
                             const char *name, const char *ctr_dir, char *const *exposed,
                             struct hutch_engine_net_plan *out, struct hutch_error **err);
/* Into the container record: HostConfig.NetworkMode, PortBindings,
 * PublishAllPorts, Dns*, ExtraHosts, Config.ExposedPorts, Hutch.Net,
 * Hutch.NetNS. */
void hutch_engine_net_record(const struct hutch_engine_net_plan *p, json_t *rec);

/* Before the monitor starts the container: make the netns if missing and
 * attach it to its networks. Records this process in c->rec (Hutch.NetOwner,
 * saved; c must be locked) so the stale cleanup leaves the attachment alone
 * until the monitor has taken over. */
int hutch_engine_net_start(struct hutch_engine *e, struct hutch_ctr *c, struct hutch_error **err);
/* The monitor let go of the container: detach (and drop the netns). */
void hutch_engine_net_stopped(struct hutch_engine *e, const char *id);
/* rm: detach from everything, delete the netns (netns may be NULL); with
 * err NULL a failure is a warning. */
int hutch_engine_net_teardown(struct hutch_engine *e, const char *id, const char *netns,
                              struct hutch_error **err);
/* docker inspect's NetworkSettings. */
json_t *hutch_engine_net_inspect(struct hutch_engine *e, struct hutch_ctr *c);
/* Detach containers that are gone or no longer running; *cleaned may be NULL. */
int hutch_engine_net_cleanup_stale(struct hutch_engine *e, int *cleaned, struct hutch_error **err);

/* The library's context for this engine (state under $HUTCH_ROOT/networks). */
struct hutch_engine_netctx {
  struct hutch_net_ctx ctx;
  char state_dir[4096];
};
void hutch_engine_net_ctx(struct hutch_engine *e, struct hutch_engine_netctx *out);
/* The default network, created with the test overrides when it is new. */
int hutch_engine_net_default(struct hutch_engine *e, struct hutch_network **out,
                             struct hutch_error **err);

/* network connect/disconnect: attach now when the container runs, and
 * remember it in the record for the next start. */
int hutch_engine_net_connect(struct hutch_engine *e, struct hutch_ctr *c, const char *network,
                             const char *ip, char *const *aliases, struct hutch_error **err);
int hutch_engine_net_disconnect(struct hutch_engine *e, struct hutch_ctr *c, const char *network,
                                bool force, struct hutch_error **err);
/* The published ports of a running container (hutch port). */
int hutch_engine_net_ports(struct hutch_engine *e, const char *id, struct hutch_port_mapping **out,
                           size_t *n, struct hutch_error **err);
/* docker ps's PORTS column: "127.0.0.1:18080->80/tcp, ..." for a running
 * container, "" otherwise; NULL on ENOMEM. Caller frees. */
char *hutch_engine_net_ports_text(struct hutch_engine *e, struct hutch_ctr *c);
