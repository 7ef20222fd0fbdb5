/* The engine's side of networking: docker's network flags of run/create
 * (netflags.h, pure), and the glue between a container's life and the
 * networking library (net/net.h). This header is the one callers include;
 * the pieces live in
 *   netflags.c    the flag parsers and their validation
 *   netetc.c      the /etc files written at create
 *   netrecord.c   the library's context, create's plan and its record
 *   netsetup.c    start, stop, rm, stale cleanup, connect, disconnect
 *   netinspect.c  inspect's NetworkSettings, port, ps's PORTS
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
 * Rootless (linux/rootless.h), the default network is mode "pasta"
 * (net/pasta.h) when pasta is in PATH, else "slirp4netns" (net/slirp.h);
 * --network pasta|slirp4netns choose. Start runs one helper for the netns
 * with the ports published through it; exit, rm and the stale cleanup stop
 * it (net/usernet.h). HUTCH_HOST_RESOLV_CONF names the host's resolv.conf
 * for tests (netetc.c).
 * User networks rootless are made inside the user's rootless netns
 * (net/rootlessns.h), which start, connect, detach, the stale cleanup and
 * network rm switch into; their published ports are host forwards of its
 * slirp4netns, brought in line after every attach and detach.
 *
 * The network store lives in $HUTCH_ROOT/networks. For tests,
 * HUTCH_NET_TABLE names the nft table (default "hutch"), and
 * HUTCH_NET_DEFAULT_BRIDGE / HUTCH_NET_DEFAULT_SUBNET give the default
 * network another bridge and subnet when it is first created. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "net/net.h"
#include "netflags.h"
#include "netrecord.h"
#include "util/error.h"

struct hutch_engine;
struct hutch_ctr;

/* ---- netsetup.c ---- */

/* Before the monitor starts the container: make the netns if missing and
 * attach it to its networks. Records this process in c->rec (Hutch.NetOwner,
 * saved; c must be locked) so the stale cleanup leaves the attachment alone
 * until the monitor has taken over. A rootless pasta is only spawned
 * (net/pasta.h): *pending is then set, to be waited for with
 * hutch_engine_net_ready before the container's process may run; NULL
 * when the network is ready already. */
struct hutch_pasta_pending;
int hutch_engine_net_start(struct hutch_engine *e, struct hutch_ctr *c,
                           struct hutch_pasta_pending **pending, struct hutch_error **err);
/* Wait for what hutch_engine_net_start left pending (consumed; NULL: 0). */
int hutch_engine_net_ready(const char *id, struct hutch_pasta_pending *pending,
                           struct hutch_error **err);
/* The monitor let go of the container: detach (and drop the netns). */
void hutch_engine_net_stopped(struct hutch_engine *e, const char *id);
/* rm: detach from everything, delete the netns (netns may be NULL); with
 * err NULL a failure is a warning. */
int hutch_engine_net_teardown(struct hutch_engine *e, const char *id, const char *netns,
                              struct hutch_error **err);
/* Detach containers that are gone or no longer running; *cleaned may be NULL. */
int hutch_engine_net_cleanup_stale(struct hutch_engine *e, int *cleaned, struct hutch_error **err);

/* network connect/disconnect: attach now when the container runs, and
 * remember it in the record for the next start. */
int hutch_engine_net_connect(struct hutch_engine *e, struct hutch_ctr *c, const char *network,
                             const char *ip, char *const *aliases, struct hutch_error **err);
int hutch_engine_net_disconnect(struct hutch_engine *e, struct hutch_ctr *c, const char *network,
                                bool force, struct hutch_error **err);

/* network rm: hutch_network_remove, in the user's rootless netns when
 * rootless (where the network's bridge and nft rules are). */
int hutch_engine_network_remove(struct hutch_engine *e, const char *name, struct hutch_error **err);

/* ---- netinspect.c ---- */

/* docker inspect's NetworkSettings. */
json_t *hutch_engine_net_inspect(struct hutch_engine *e, struct hutch_ctr *c);
/* The published ports of a running container (hutch port): its
 * attachments', or a rootless container's (pasta, slirp4netns) record's. */
int hutch_engine_net_ports(struct hutch_engine *e, struct hutch_ctr *c,
                           struct hutch_port_mapping **out, size_t *n, struct hutch_error **err);
/* docker ps's PORTS column: "127.0.0.1:18080->80/tcp, ..." for a running
 * container, "" otherwise; NULL on ENOMEM. Caller frees. */
char *hutch_engine_net_ports_text(struct hutch_engine *e, struct hutch_ctr *c);
