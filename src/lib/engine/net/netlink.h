/* rtnetlink through libmnl: the handful of link, address and route
 * operations the engine's networking needs (bridge, veth pair, addresses,
 * default route), each one request + ack. A struct hutch_nl is bound to the
 * network namespace it was opened in, which is how we configure a
 * container's namespace without entering it for longer than socket().
 *
 * Addresses are host-order uint32_t (see ipam.h). All functions return
 * 0 (or an ifindex) on success and -errno on failure; none log. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct hutch_nl;

int hutch_nl_open(struct hutch_nl **out);
/* Open a socket living in the network namespace netns_fd. */
int hutch_nl_open_in_netns(int netns_fd, struct hutch_nl **out);
void hutch_nl_close(struct hutch_nl *nl);
static inline void hutch_nl_closep(struct hutch_nl **nl) {
  if (*nl)
    hutch_nl_close(*nl);
}
#define _cleanup_nl_ __attribute__((cleanup(hutch_nl_closep)))

struct hutch_nl_link {
  int ifindex;
  unsigned flags; /* IFF_* */
  unsigned mtu;
  int master; /* ifindex of the bridge it is enslaved to, or 0 */
  uint8_t mac[6];
  char kind[16]; /* "bridge", "veth", or "" */
};

/* ifindex of name, or -ENODEV. */
int hutch_nl_link_index(struct hutch_nl *nl, const char *name);
int hutch_nl_link_get(struct hutch_nl *nl, const char *name, struct hutch_nl_link *out);
/* mtu 0 leaves the kernel default. */
int hutch_nl_bridge_add(struct hutch_nl *nl, const char *name, unsigned mtu);
/* Create a veth pair: `name` here, `peer` created directly inside the
 * namespace peer_netns_fd (so no interface named eth0 ever exists on the
 * host, and there is no window where the container end is visible here),
 * with the given MAC (NULL: random). */
int hutch_nl_veth_add(struct hutch_nl *nl, const char *name, const char *peer, int peer_netns_fd,
                      unsigned mtu, const uint8_t *peer_mac);
int hutch_nl_link_set_up(struct hutch_nl *nl, int ifindex);
int hutch_nl_link_set_master(struct hutch_nl *nl, int ifindex, int master);
int hutch_nl_link_del(struct hutch_nl *nl, int ifindex);
/* Add addr/prefix (with its broadcast address) to ifindex. */
int hutch_nl_addr_add(struct hutch_nl *nl, int ifindex, uint32_t addr, unsigned prefix);
/* default via gw dev ifindex, in the main table. */
int hutch_nl_route_add_default(struct hutch_nl *nl, uint32_t gw, int ifindex);
/* Call cb for every IPv4 unicast route of the main table (dst, prefix,
 * oif); a negative return from cb stops the walk and is returned. */
int hutch_nl_routes_v4(struct hutch_nl *nl,
                       int (*cb)(uint32_t dst, unsigned prefix, int oif, void *ud), void *ud);
/* Call cb for every IPv4 address of every interface, up or down (addr,
 * its prefix length, the interface); a negative return from cb stops the
 * walk and is returned. */
int hutch_nl_addrs_v4(struct hutch_nl *nl,
                      int (*cb)(uint32_t addr, unsigned prefix, int ifindex, void *ud), void *ud);
