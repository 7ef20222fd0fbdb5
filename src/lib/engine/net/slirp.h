/* Rootless networking: a container's network namespace connected to the
 * host by slirp4netns (user-mode TCP/IP), as podman does for rootless
 * containers. The container sees tap0 with 10.0.2.100/24, the gateway
 * 10.0.2.2 (which also reaches the host's 127.0.0.1) and DNS 10.0.2.3;
 * published ports are host forwards added through slirp4netns' API socket.
 *
 * One slirp4netns per container, in its own session, reparented to init
 * (so no hutch process has to reap it); DIR/<id>.slirp holds its pid and
 * start time, DIR/<id>.slirp.sock its API socket. See docs/rootless.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "net/net.h"
#include "util/error.h"

#define HUTCH_SLIRP_MODE "slirp4netns"

/* Start slirp4netns for the namespace file NETNS, wait until it has
 * configured the interface, then publish PORTS (host_port must be set).
 * Any slirp4netns left for ID is stopped first. */
int hutch_slirp_start(const char *dir, const char *id, const char *netns,
                      const struct hutch_port_mapping *ports, size_t n_ports,
                      struct hutch_error **err);
/* Stop ID's slirp4netns, if it runs, and remove its files. */
void hutch_slirp_stop(const char *dir, const char *id);
/* Stop the slirp4netns of every container in DIR that HOLDS (called with
 * the container id) says no one holds any more. */
void hutch_slirp_cleanup_stale(const char *dir, bool (*holds)(const char *id, void *ud), void *ud);
/* Is ID's recorded slirp4netns alive (pid and start time)? */
bool hutch_slirp_running(const char *dir, const char *id);
/* One JSON request REQ to ID's API socket; fails unless the answer is a
 * "return". *REPLY (REPLY may be NULL) gets the answer; caller frees. */
int hutch_slirp_request(const char *dir, const char *id, const char *req, char **reply,
                        struct hutch_error **err);
