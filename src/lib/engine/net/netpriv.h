/* Shared between the files of net/ (not for the engine). The files call
 * each other one way only, from the top down:
 *   attach.c    -> network.c, hosts.c, firewall.c, store.c
 *   network.c   -> firewall.c, store.c
 *   hosts.c     -> store.c
 *   firewall.c  -> store.c
 *   store.c     (state paths, the lock, network and attachment records)
 * besides the leaves ipam.c, netlink.c, netns.c and nft.c. */
#pragma once

#include "net.h"

#include <jansson.h>

/* Every endpoint (one network of one container) of every attachment
 * record in the array `all`; `continue` moves to the next endpoint. */
#define hutch_net_foreach_endpoint(all, i, rec, k, ep)                                             \
  json_array_foreach((all), i, rec) json_array_foreach(json_object_get(rec, "networks"), k, ep)

/* ---- store.c ---- */

const char *hutch_net_state_dir(const struct hutch_net_ctx *ctx);
const char *hutch_net_table(const struct hutch_net_ctx *ctx);
/* "<state>/<sub>" in a new string, NULL on ENOMEM. */
char *hutch_net_path(const struct hutch_net_ctx *ctx, const char *sub);
/* Create the state dir and take its lock; returns the fd or a negative
 * value with err set. */
int hutch_net_store_lock(const struct hutch_net_ctx *ctx, struct hutch_error **err);
/* Same rule as docker's container and network names. */
bool hutch_net_name_ok(const char *s);
/* Load a network by exact name without taking the lock. */
int hutch_net_network_read(const struct hutch_net_ctx *ctx, const char *name,
                           struct hutch_network **out, struct hutch_error **err);
/* Write the record of network n (lock held). */
int hutch_net_network_write(const struct hutch_net_ctx *ctx, const struct hutch_network *n,
                            struct hutch_error **err);
/* "<state>/attachments/<id>.json" in a new string, NULL on ENOMEM. */
char *hutch_net_record_path(const struct hutch_net_ctx *ctx, const char *id);
/* The attachment record of container id: -ENOENT (err not set) when there
 * is none. */
int hutch_net_record_load(const struct hutch_net_ctx *ctx, const char *id, json_t **out,
                          struct hutch_error **err);
int hutch_net_record_save(const struct hutch_net_ctx *ctx, const char *id, json_t *rec,
                          struct hutch_error **err);
/* One published port of an endpoint of a record; -EINVAL. */
int hutch_net_record_port(json_t *jp, struct hutch_port_mapping *p);
/* Every attachment record (objects as stored), in a new array. */
int hutch_net_attachments_all(const struct hutch_net_ctx *ctx, json_t **out,
                              struct hutch_error **err);
/* How many attachments use network `name` (lock held or a snapshot). */
int hutch_net_network_users(const struct hutch_net_ctx *ctx, const char *name, size_t *count,
                            struct hutch_error **err);

/* ---- firewall.c ---- */

/* Rewrite the nft table from the attachment records (lock held). */
int hutch_net_sync_nft(const struct hutch_net_ctx *ctx, struct hutch_error **err);

/* ---- network.c ---- */

/* Delete the bridge of `n` from the host if it exists (lock held). */
int hutch_net_bridge_remove(const struct hutch_network *n, struct hutch_error **err);

/* ---- hosts.c ---- */

/* Rewrite the /etc/hosts of every attached container that has one
 * (lock held). Failures are logged as warnings: one unwritable file must
 * not stop the others or the attach that triggered the refresh. */
void hutch_net_refresh_hosts(const struct hutch_net_ctx *ctx);
