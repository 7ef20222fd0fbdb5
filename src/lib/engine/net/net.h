/* The engine's networking API: network objects (create/ls/inspect/rm/
 * prune), attaching a container's network namespace to a network and
 * detaching it, cleanup after dead containers, and the /etc/hosts and
 * /etc/resolv.conf contents a container gets.
 *
 * The engine's sequence for `hutch run`:
 *   hutch_netns_create(run_dir "/netns", id, &path)       (netns.h)
 *   hutch_net_attach(&cfg, path, id, &att, &err)          per network
 *   ... put path into the spec's network namespace, start the container,
 *   hutch_net_set_owner(&ctx, id, pid)                    once a pid exists
 *   on removal: hutch_net_detach(&ctx, id, NULL)          (deletes the netns
 *                                                          when cfg.own_netns)
 *   at the start of every hutch command: hutch_net_cleanup_stale(&ctx, ...)
 *
 * State (JSON, under ctx->state_dir, default /var/lib/hutch/networks):
 *   <name>.json             one network
 *   ipam/<name>.json        address allocations (ipam.h)
 *   attachments/<id>.json   what a container is attached to, its veths,
 *                           addresses, published ports, netns and owner
 *   .lock                   flock held around every change
 * Everything on the host (bridges, veths, the nft table) can be rebuilt
 * or removed from these files, which is what makes crash cleanup work. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipam.h"
#include "util/error.h"

#define HUTCH_NET_STATE_DIR "/var/lib/hutch/networks"
#define HUTCH_NET_DEFAULT_NAME "bridge"
#define HUTCH_NET_DEFAULT_BRIDGE "hutch0"
#define HUTCH_NET_DEFAULT_SUBNET "172.17.0.0/16" /* docker's docker0 */
#define HUTCH_NET_DEFAULT_MTU 1500

/* Where state lives and which nft table is ours; NULL fields take the
 * defaults (HUTCH_NET_STATE_DIR, "hutch"). Tests point both elsewhere. */
struct hutch_net_ctx {
  const char *state_dir;
  const char *nft_table;
};

struct hutch_network {
  char *name;
  char *id; /* 64 hex digits */
  char *bridge;
  char *created; /* RFC 3339 */
  struct hutch_cidr subnet;
  uint32_t gateway;
  bool internal;
  unsigned mtu;
  json_t *labels;  /* object of strings; NULL: none */
  json_t *options; /* the driver options given at create (docker's Options); NULL in
                      records older than them: shown as the bridge name and mtu */
};

struct hutch_network_opts {
  const char
      *subnet; /* NULL: 10.88.0.0/16 for the default network, else the first free 10.89.N.0/24 */
  const char *gateway; /* NULL: first host address */
  const char *bridge;  /* NULL: "br-" + 12 hex of the id */
  bool internal;
  unsigned mtu;   /* 0: 1500 */
  json_t *labels; /* object of strings, NULL: none (copied) */
};

void hutch_network_free(struct hutch_network *n);
static inline void hutch_network_freep(struct hutch_network **n) {
  if (*n)
    hutch_network_free(*n);
}
#define _cleanup_network_ __attribute__((cleanup(hutch_network_freep)))
void hutch_network_list_free(struct hutch_network **v, size_t n);

/* `hutch network create`. -EEXIST for a taken name; -EADDRINUSE when the
 * subnet overlaps another network or a route of the host. */
int hutch_network_create(const struct hutch_net_ctx *ctx, const char *name,
                         const struct hutch_network_opts *opts, struct hutch_network **out,
                         struct hutch_error **err);
/* The default network "bridge" (hutch0), created in the store on first use. */
int hutch_network_ensure_default(const struct hutch_net_ctx *ctx, struct hutch_network **out,
                                 struct hutch_error **err);
/* By name, or by a unique prefix of the id. -ENOENT when there is none. */
int hutch_network_load(const struct hutch_net_ctx *ctx, const char *name_or_id,
                       struct hutch_network **out, struct hutch_error **err);
/* All networks, sorted by name. */
int hutch_network_list(const struct hutch_net_ctx *ctx, struct hutch_network ***out, size_t *n,
                       struct hutch_error **err);
/* `hutch network rm`: -EBUSY while containers are attached, -EPERM for the
 * default network. Removes the bridge, the address pool and, when it was
 * the last user, the nft table. */
int hutch_network_remove(const struct hutch_net_ctx *ctx, const char *name_or_id,
                         struct hutch_error **err);
/* `hutch network prune`: remove every user network without containers;
 * *removed (may be NULL) gets their names. */
int hutch_network_prune(const struct hutch_net_ctx *ctx, char ***removed, struct hutch_error **err);
/* docker's `network inspect` object: Name, Id, Created, Driver, IPAM,
 * Internal, Containers {id: {Name, IPv4Address, MacAddress}}, Options,
 * Labels. */
json_t *hutch_network_inspect(const struct hutch_net_ctx *ctx, const struct hutch_network *n,
                              struct hutch_error **err);

struct hutch_port_mapping {
  uint32_t host_ip;   /* 0: all local addresses */
  uint16_t host_port; /* 0: an ephemeral port, chosen by attach */
  uint16_t container_port;
  int proto; /* IPPROTO_TCP (0 means TCP too) or IPPROTO_UDP */
};

struct hutch_net_config {
  struct hutch_net_ctx ctx;
  const char *network;  /* NULL: the default network */
  const char *ifname;   /* in the container; NULL: eth0 */
  const char *ip;       /* --ip, NULL: allocate */
  const char *name;     /* container name, for peers' /etc/hosts */
  char *const *aliases; /* --network-alias, NULL-terminated or NULL */
  const struct hutch_port_mapping *ports;
  size_t n_ports;
  pid_t owner_pid; /* whose death makes the attachment stale; 0: getpid() */
  bool own_netns;  /* detach of all networks / stale cleanup delete the netns file */
  /* The container's /etc/hosts as seen from the host (the file the engine
   * bind-mounts), or NULL. When set, the library writes it on attach and
   * rewrites it whenever containers come and go on its user networks. */
  const char *hosts_path;
  const char *hostname;     /* for that file */
  char *const *extra_hosts; /* --add-host "name:ip", NULL-terminated or NULL */
};

struct hutch_net_attachment {
  char *network;
  char *ifname;      /* in the container */
  char *host_ifname; /* the host end of the veth */
  char ip[HUTCH_IPV4_STRLEN];
  char gateway[HUTCH_IPV4_STRLEN];
  unsigned prefixlen;
  char mac[18];
  struct hutch_port_mapping *ports; /* as published, ephemeral ports filled in */
  size_t n_ports;
};
void hutch_net_attachment_clear(struct hutch_net_attachment *a);

/* Attach the namespace at netns_path to cfg->network: allocate an address,
 * create the bridge if it is not there, a veth pair with its container end
 * named cfg->ifname inside the namespace (address, MTU, up, default route
 * unless the network is internal), and publish ports. Undone completely on
 * failure. -EEXIST if the container is already on that network. */
int hutch_net_attach(const struct hutch_net_config *cfg, const char *netns_path,
                     const char *container_id, struct hutch_net_attachment *out,
                     struct hutch_error **err);
/* Detach from `network`, or from every network when network is NULL (and
 * then delete the netns if the attachment owns it). Releases the address,
 * deletes the veth, the bridge when it was its last user, and rewrites the
 * nft table. Detaching something not attached is fine. */
int hutch_net_detach(const struct hutch_net_ctx *ctx, const char *container_id, const char *network,
                     struct hutch_error **err);
/* Record the process whose life the attachment follows (the container's
 * init or its monitor), with its start time so a reused pid does not count. */
int hutch_net_set_owner(const struct hutch_net_ctx *ctx, const char *container_id, pid_t pid,
                        struct hutch_error **err);
/* The current attachments of a container, for `inspect` (NetworkSettings). */
int hutch_net_attachments(const struct hutch_net_ctx *ctx, const char *container_id,
                          struct hutch_net_attachment **out, size_t *n, struct hutch_error **err);
/* Detach every container whose owner is gone (is_alive NULL: check the
 * recorded owner pid and its start time), delete bridges nobody uses and
 * bring the nft table in line. *cleaned (may be NULL) counts containers. */
int hutch_net_cleanup_stale(const struct hutch_net_ctx *ctx,
                            bool (*is_alive)(const char *container_id, void *ud), void *ud,
                            int *cleaned, struct hutch_error **err);

/* /etc/hosts and /etc/resolv.conf (hosts.c). */
struct hutch_hosts_entry {
  const char *ip;
  const char *names; /* space separated */
};
struct hutch_hosts_input {
  const char *ip;                        /* the container's address, or NULL (none/host) */
  const char *hostname;                  /* NULL: none */
  const char *name;                      /* container name, NULL: none */
  char *const *aliases;                  /* NULL-terminated or NULL */
  const struct hutch_hosts_entry *extra; /* --add-host */
  size_t n_extra;
  const struct hutch_hosts_entry *peers; /* other containers on user networks */
  size_t n_peers;
};
/* The file's text (caller frees), NULL on ENOMEM. */
char *hutch_hosts_render(const struct hutch_hosts_input *in);
/* "--add-host name:ip" into its parts; -EINVAL when malformed. */
int hutch_hosts_parse_add_host(const char *arg, char **name, char **ip);
/* Are all of the host's nameservers (at least one) on loopback (127.x, ::1)? */
bool hutch_resolv_loopback_only(const char *host_resolv);
/* resolv.conf from the host's text: nameservers in 127.0.0.0/8 and ::1
 * are dropped (they mean nothing inside the container); when none is left,
 * 8.8.8.8 and 8.8.4.4 as docker does. dns/search/options (NULL-terminated,
 * may be NULL) replace the host's lines of that kind. */
char *hutch_resolv_render(const char *host_resolv, char *const *dns, char *const *search,
                          char *const *options);
/* The other containers on `network` as hosts entries (name and aliases),
 * excluding exclude_id; for user networks' name resolution. Free with
 * hutch_hosts_entries_free. The default network has no name resolution,
 * as in docker: *n is 0 there. */
int hutch_net_peers(const struct hutch_net_ctx *ctx, const char *network, const char *exclude_id,
                    struct hutch_hosts_entry **out, size_t *n, struct hutch_error **err);
void hutch_hosts_entries_free(struct hutch_hosts_entry *v, size_t n);
/* Write a generated file in place (truncate + write), not by rename: the
 * file is bind-mounted into the container, and a rename would leave the
 * container looking at the old inode. */
int hutch_net_write_config_file(const char *path, const char *content, struct hutch_error **err);
