/* IPv4 address arithmetic and address allocation for hutch networks.
 *
 * Addresses are uint32_t in host byte order everywhere inside net/; they
 * become network order only at the netlink boundary. The CIDR helpers are
 * pure. The allocator keeps one JSON file per pool (network) under a state
 * directory and takes a flock on a sibling lock file around every
 * read-modify-write, so two hutch processes never hand out one address
 * twice; the file is replaced atomically, so a crash leaves the old or the
 * new allocation table. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

#define HUTCH_IPV4_STRLEN 16 /* "255.255.255.255" + NUL */
#define HUTCH_CIDR_STRLEN 19 /* + "/32" */

struct hutch_cidr {
  uint32_t addr; /* network address, host bits zero */
  unsigned prefix;
};

/* "10.88.0.1" -> host-order address. -EINVAL on anything else (no
 * shorthand forms like "10.1" that inet_aton would take). */
int hutch_ipv4_parse(const char *s, uint32_t *out);
/* Format into buf (at least HUTCH_IPV4_STRLEN); returns buf. */
const char *hutch_ipv4_format(uint32_t addr, char *buf);
/* "10.88.0.0/16". Host bits must be zero (-EINVAL otherwise, as docker
 * refuses "10.88.0.1/16"); prefixes above /30 leave no room for hosts and
 * are refused too. */
int hutch_cidr_parse(const char *s, struct hutch_cidr *out);
const char *hutch_cidr_format(const struct hutch_cidr *c, char *buf);
uint32_t hutch_cidr_mask(unsigned prefix);
uint32_t hutch_cidr_broadcast(const struct hutch_cidr *c);
bool hutch_cidr_contains(const struct hutch_cidr *c, uint32_t addr);
bool hutch_cidr_overlaps(const struct hutch_cidr *a, const struct hutch_cidr *b);
/* Is addr usable for a container: inside, not the network or broadcast
 * address, not the gateway. */
bool hutch_cidr_is_host(const struct hutch_cidr *c, uint32_t addr);

/* docker's default address pools (libnetwork's ipamutils): 172.17.0.0/16
 * to 172.31.0.0/16, then 192.168.0.0/16 cut into /20s; 31 subnets, none
 * in podman's 10.88/10.89. Candidate i (0: 172.17.0.0/16, the default
 * bridge's) into *out; false past the last. */
#define HUTCH_NET_POOLS "172.17.0.0/16-172.31.0.0/16, 192.168.0.0/16 in /20s"
bool hutch_net_pool_subnet(unsigned i, struct hutch_cidr *out);

/* Allocate an address in pool `pool` (a file name, the network's name)
 * under state dir `dir` for `owner`. requested 0 means "any": the next free
 * address after the last one chosen automatically, so a just-released address is not
 * reused at once. An owner that already holds an address in the pool gets
 * the same one back (allocation is idempotent). -EADDRINUSE when the
 * requested address belongs to someone else, -ENOSPC when the pool is
 * full, -EINVAL when the requested address is not a host address of the
 * subnet. */
int hutch_ipam_allocate(const char *dir, const char *pool, const struct hutch_cidr *subnet,
                        uint32_t gateway, uint32_t requested, const char *owner, uint32_t *out,
                        struct hutch_error **err);
/* Release every address `owner` holds in the pool. Missing pool or owner is
 * fine (release is idempotent, so cleanup can be retried). */
int hutch_ipam_release(const char *dir, const char *pool, const char *owner,
                       struct hutch_error **err);
/* Address held by owner: 0 and *out set, or -ENOENT. */
int hutch_ipam_lookup(const char *dir, const char *pool, const char *owner, uint32_t *out,
                      struct hutch_error **err);
/* Remove the pool's files (when its network is removed). */
int hutch_ipam_drop_pool(const char *dir, const char *pool);

/* Open (creating) `path` and take an exclusive flock on it; returns the fd
 * (closing it releases the lock) or -errno. */
int hutch_net_lock(const char *path);
