/* NAT, published ports and isolation with libnftables, in hutch's own
 * table (`table ip hutch` by default) and nowhere else.
 *
 * The table is derived state: the caller describes every active network
 * and every published port, hutch_nft_render() turns that into a complete
 * table, and hutch_nft_apply() swaps it in with one atomic transaction
 * (add, delete, re-add the table). With nothing active the table is
 * deleted, so it exists exactly while something uses it, and a crash
 * between two updates is repaired by the next one. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <net/if.h>

#include "ipam.h"
#include "util/error.h"

#define HUTCH_NFT_TABLE "hutch"

struct hutch_nft_network {
  const char *bridge;
  struct hutch_cidr subnet;
  bool internal; /* no masquerade, no traffic in or out of the bridge */
};

struct hutch_nft_port {
  uint32_t host_ip; /* 0: any local address */
  uint16_t host_port;
  uint32_t container_ip;
  uint16_t container_port;
  int proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

/* Is `name` an interface name we put into rules: [A-Za-z0-9_.-], shorter
 * than IFNAMSIZ, not "." or ".."? Nothing else may reach nft's text.
 * Inline: the engine checks names without loading the nft plugin. */
static inline bool hutch_nft_ifname_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return false;
  for (const char *p = name; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '_' || *p == '.' || *p == '-'))
      return false;
  return true;
}
/* Is `table` a valid table name for us ([A-Za-z0-9_], 1..32)? */
bool hutch_nft_table_name_ok(const char *table);
/* The full transaction text that replaces the table, or NULL on ENOMEM.
 * n_nets 0 renders a transaction that only removes the table. A network
 * whose bridge fails hutch_nft_ifname_ok() gets no rules. Pure. */
char *hutch_nft_render(const char *table, const struct hutch_nft_network *nets, size_t n_nets,
                       const struct hutch_nft_port *ports, size_t n_ports);
/* Run a transaction; dry_run asks the kernel to check it without
 * committing. */
int hutch_nft_apply(const char *ruleset, bool dry_run, struct hutch_error **err);
/* 1 if `table ip <table>` exists, 0 if not, negative on error. */
int hutch_nft_table_exists(const char *table, struct hutch_error **err);
