/* The rootless netns: one network namespace per user, owned by the user
 * namespace rootless hutch runs in, in which the ordinary (root-mode)
 * network code makes bridges, veths and nft rules for user-defined
 * networks, as podman 4's "rootless netns". One slirp4netns connects it to
 * the host (tap0 10.0.2.100, default route via 10.0.2.2): containers'
 * traffic is masqueraded to tap0, published ports are slirp4netns host
 * forwards to the container's address.
 *
 * Files in DIR (the engine's netns directory): rootless-netns (the bind
 * mounted namespace, in the pause process's mount namespace),
 * rootless-netns.slirp{,.sock} (slirp.h), rootless-netns.lock. See
 * docs/rootless.md. */
#pragma once

#include <stdbool.h>

#include "net/net.h"
#include "util/error.h"

#define HUTCH_ROOTLESS_NETNS "rootless-netns"

/* Make the rootless netns if it is missing or stale (a restarted pause
 * process left a file that is no namespace: its recorded slirp4netns is
 * stopped), with slirp4netns too when OUTSIDE, then run FN(UD) on a thread
 * of its own that has joined it, and wait for it. The thread ends in the
 * namespace: a process in a user namespace may not setns back into the
 * host's network namespace (owned by the initial user namespace), so the
 * rest of hutch stays where it was, as podman's rootless netns does with
 * a thread it throws away. FN's error comes back in *ERR. */
typedef int (*hutch_rootless_netns_fn)(void *ud, struct hutch_error **err);
int hutch_rootless_netns_run(const char *dir, bool outside, hutch_rootless_netns_fn fn, void *ud,
                             struct hutch_error **err);
/* Bring slirp4netns' host forwards in line with the ports published in
 * the attachment records of CTX: each becomes a forward from the host's
 * address and port to the container's address on its network. Nothing to
 * do while the rootless netns's slirp4netns does not run. */
int hutch_rootless_netns_sync_ports(const struct hutch_net_ctx *ctx, const char *dir,
                                    struct hutch_error **err);
