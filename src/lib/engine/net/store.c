/* The networking state on disk, below everything else in net/: where it
 * lives (state dir, nft table name), the store lock, the network records
 * (<name>.json) and the attachment records (attachments/<id>.json). Only
 * files and JSON here: nothing on the host's network is touched. */
#include "netpriv.h"

#include "nft.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- paths, lock ---- */

const char *hutch_net_state_dir(const struct hutch_net_ctx *ctx) {
  return ctx && ctx->state_dir ? ctx->state_dir : HUTCH_NET_STATE_DIR;
}

const char *hutch_net_table(const struct hutch_net_ctx *ctx) {
  return ctx && ctx->nft_table ? ctx->nft_table : HUTCH_NFT_TABLE;
}

char *hutch_net_path(const struct hutch_net_ctx *ctx, const char *sub) {
  char *p = NULL;
  if (asprintf(&p, "%s/%s", hutch_net_state_dir(ctx), sub) < 0)
    return NULL;
  return p;
}

int hutch_net_store_lock(const struct hutch_net_ctx *ctx, struct hutch_error **err) {
  const char *dir = hutch_net_state_dir(ctx);
  int r = hutch_mkdir_p(dir, 0700);
  if (r < 0)
    return hutch_error_set(err, r, "create network state dir %s", dir);
  _cleanup_free_ char *lock = hutch_net_path(ctx, ".lock");
  if (lock == NULL)
    return hutch_error_set(err, ENOMEM, "lock path");
  int fd = hutch_net_lock(lock);
  if (fd < 0)
    return hutch_error_set(err, fd, "lock %s", lock);
  return fd;
}

/* ---- network records ---- */

void hutch_network_free(struct hutch_network *n) {
  if (n == NULL)
    return;
  free(n->name);
  free(n->id);
  free(n->bridge);
  free(n->created);
  json_decref(n->labels);
  json_decref(n->options);
  free(n);
}

void hutch_network_list_free(struct hutch_network **v, size_t n) {
  for (size_t i = 0; i < n; i++)
    hutch_network_free(v[i]);
  free(v);
}

/* Same rule as docker's container and network names. */
bool hutch_net_name_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 128)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
      return false;
  }
  return true;
}

static json_t *network_to_json(const struct hutch_network *n) {
  char s[HUTCH_CIDR_STRLEN], g[HUTCH_IPV4_STRLEN];
  json_t *j = json_pack(
      "{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:i}", "name", n->name, "id", n->id, "bridge", n->bridge,
      "created", n->created, "subnet", hutch_cidr_format(&n->subnet, s), "gateway",
      hutch_ipv4_format(n->gateway, g), "internal", n->internal, "mtu", (int)n->mtu);
  if (j && n->labels)
    json_object_set(j, "labels", n->labels);
  if (j && n->options)
    json_object_set(j, "options", n->options);
  return j;
}

/* An optional object of strings of a record: a new reference, NULL when
 * absent; -EINVAL when it is something else. */
static int string_object(json_t *j, const char *key, json_t **out) {
  json_t *o = json_object_get(j, key);
  const char *k;
  json_t *v;
  *out = NULL;
  if (!o)
    return 0;
  if (!json_is_object(o))
    return -EINVAL;
  json_object_foreach(o, k, v) {
    if (!json_is_string(v))
      return -EINVAL;
  }
  *out = json_incref(o);
  return 0;
}

static int network_from_json(json_t *j, const char *where, struct hutch_network **out,
                             struct hutch_error **err) {
  const char *name, *id, *bridge, *created, *subnet, *gateway;
  int internal = 0, mtu = 0;
  json_error_t je;
  if (json_unpack_ex(j, &je, 0, "{s:s, s:s, s:s, s:s, s:s, s:s, s?b, s?i}", "name", &name, "id",
                     &id, "bridge", &bridge, "created", &created, "subnet", &subnet, "gateway",
                     &gateway, "internal", &internal, "mtu", &mtu) < 0)
    return hutch_error_set(err, EINVAL, "%s: %s", where, je.text);
  _cleanup_network_ struct hutch_network *n = calloc(1, sizeof(*n));
  if (n == NULL)
    return hutch_error_set(err, ENOMEM, "network");
  /* A record is outside input too: its names go into nft rules and
   * interface names, so they pass the same checks as at create. */
  if (!hutch_net_name_ok(name))
    return hutch_error_set(err, EINVAL, "%s: name: not a valid network name", where);
  if (!hutch_nft_ifname_ok(bridge))
    return hutch_error_set(err, EINVAL, "%s: bridge: not a valid interface name", where);
  if (hutch_cidr_parse(subnet, &n->subnet) < 0)
    return hutch_error_set(err, EINVAL, "%s: subnet: \"%s\" is not a CIDR", where, subnet);
  if (hutch_ipv4_parse(gateway, &n->gateway) < 0)
    return hutch_error_set(err, EINVAL, "%s: gateway: \"%s\" is not an address", where, gateway);
  n->name = strdup(name);
  n->id = strdup(id);
  n->bridge = strdup(bridge);
  n->created = strdup(created);
  n->internal = internal;
  n->mtu = mtu > 0 ? (unsigned)mtu : HUTCH_NET_DEFAULT_MTU;
  if (string_object(j, "labels", &n->labels) < 0 || string_object(j, "options", &n->options) < 0)
    return hutch_error_set(err, EINVAL, "%s: labels and options: want objects of strings", where);
  if (!n->name || !n->id || !n->bridge || !n->created)
    return hutch_error_set(err, ENOMEM, "network");
  *out = TAKE_PTR(n);
  return 0;
}

int hutch_net_network_read(const struct hutch_net_ctx *ctx, const char *name,
                           struct hutch_network **out, struct hutch_error **err) {
  if (!hutch_net_name_ok(name))
    return hutch_error_set(err, EINVAL, "network name \"%s\" is not valid", name);
  _cleanup_free_ char *file = NULL;
  if (asprintf(&file, "%s/%s.json", hutch_net_state_dir(ctx), name) < 0)
    return hutch_error_set(err, ENOMEM, "network path");
  _cleanup_free_ char *buf = NULL;
  int r = hutch_read_file(file, &buf, NULL);
  if (r == -ENOENT)
    return hutch_error_say(err, ENOENT, "network %s not found", name);
  if (r < 0)
    return hutch_error_set(err, r, "read %s", file);
  json_error_t je;
  _cleanup_json_ json_t *j = json_loads(buf, 0, &je);
  if (j == NULL)
    return hutch_error_set(err, EINVAL, "%s: %s", file, je.text);
  return network_from_json(j, file, out, err);
}

int hutch_net_network_write(const struct hutch_net_ctx *ctx, const struct hutch_network *n,
                            struct hutch_error **err) {
  _cleanup_json_ json_t *j = network_to_json(n);
  _cleanup_free_ char *data = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
  _cleanup_free_ char *name = NULL;
  if (data == NULL || asprintf(&name, "%s.json", n->name) < 0)
    return hutch_error_set(err, ENOMEM, "serialise network %s", n->name);
  _cleanup_close_ int dfd = open(hutch_net_state_dir(ctx), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return hutch_error_set(err, errno, "open %s", hutch_net_state_dir(ctx));
  int r = hutch_write_file_atomic(dfd, name, data, strlen(data), 0600);
  if (r < 0)
    return hutch_error_set(err, r, "write network %s", n->name);
  return 0;
}

/* ---- attachment records ---- */

char *hutch_net_record_path(const struct hutch_net_ctx *ctx, const char *id) {
  char *p = NULL;
  if (asprintf(&p, "%s/attachments/%s.json", hutch_net_state_dir(ctx), id) < 0)
    return NULL;
  return p;
}

int hutch_net_record_load(const struct hutch_net_ctx *ctx, const char *id, json_t **out,
                          struct hutch_error **err) {
  _cleanup_free_ char *path = hutch_net_record_path(ctx, id);
  if (path == NULL)
    return hutch_error_set(err, ENOMEM, "attachment path");
  _cleanup_free_ char *buf = NULL;
  int r = hutch_read_file(path, &buf, NULL);
  if (r == -ENOENT)
    return -ENOENT; /* not an error for the callers: nothing attached */
  if (r < 0)
    return hutch_error_set(err, r, "read %s", path);
  json_error_t je;
  json_t *j = json_loads(buf, 0, &je);
  if (j == NULL || !json_is_object(j) || !json_is_array(json_object_get(j, "networks"))) {
    if (j)
      json_decref(j);
    return hutch_error_set(err, EINVAL, "%s: not an attachment record", path);
  }
  *out = j;
  return 0;
}

int hutch_net_record_save(const struct hutch_net_ctx *ctx, const char *id, json_t *rec,
                          struct hutch_error **err) {
  _cleanup_free_ char *dir = hutch_net_path(ctx, "attachments");
  if (dir == NULL)
    return hutch_error_set(err, ENOMEM, "attachment path");
  int r = hutch_mkdir_p(dir, 0700);
  if (r < 0)
    return hutch_error_set(err, r, "create %s", dir);
  _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return hutch_error_set(err, errno, "open %s", dir);
  _cleanup_free_ char *data = json_dumps(rec, JSON_INDENT(2));
  _cleanup_free_ char *name = NULL;
  if (data == NULL || asprintf(&name, "%s.json", id) < 0)
    return hutch_error_set(err, ENOMEM, "serialise attachment of %s", id);
  r = hutch_write_file_atomic(dfd, name, data, strlen(data), 0600);
  if (r < 0)
    return hutch_error_set(err, r, "write attachment of %s", id);
  return 0;
}

int hutch_net_attachments_all(const struct hutch_net_ctx *ctx, json_t **out,
                              struct hutch_error **err) {
  _cleanup_json_ json_t *all = json_array();
  if (all == NULL)
    return hutch_error_set(err, ENOMEM, "attachments");
  _cleanup_free_ char *dir = hutch_net_path(ctx, "attachments");
  if (dir == NULL)
    return hutch_error_set(err, ENOMEM, "attachment path");
  _cleanup_closedir_ DIR *d = opendir(dir);
  if (d == NULL && errno != ENOENT)
    return hutch_error_set(err, errno, "open %s", dir);
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    size_t l = strlen(de->d_name);
    if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
      continue;
    _cleanup_free_ char *id = strndup(de->d_name, l - 5);
    json_t *rec = NULL;
    struct hutch_error *e = NULL;
    if (id == NULL || hutch_net_record_load(ctx, id, &rec, &e) < 0) {
      _cleanup_free_ char *t = hutch_error_text(e);
      hutch_warn("attachment %s: %s, ignoring", de->d_name, t ? t : "unreadable");
      hutch_error_free(e);
      continue;
    }
    json_array_append_new(all, rec);
  }
  *out = TAKE_PTR(all);
  return 0;
}

int hutch_net_network_users(const struct hutch_net_ctx *ctx, const char *name, size_t *count,
                            struct hutch_error **err) {
  _cleanup_json_ json_t *all = NULL;
  int r = hutch_net_attachments_all(ctx, &all, err);
  if (r < 0)
    return r;
  size_t i, c = 0;
  json_t *rec, *ep;
  size_t k;
  hutch_net_foreach_endpoint(all, i, rec, k, ep) {
    const char *nn = json_string_value(json_object_get(ep, "network"));
    if (nn && strcmp(nn, name) == 0)
      c++;
  }
  *count = c;
  return 0;
}

int hutch_net_record_port(json_t *jp, struct hutch_port_mapping *p) {
  const char *hip = json_string_value(json_object_get(jp, "host_ip"));
  const char *proto = json_string_value(json_object_get(jp, "proto"));
  memset(p, 0, sizeof(*p));
  if (hip && hutch_ipv4_parse(hip, &p->host_ip) < 0)
    return -EINVAL;
  p->host_port = (uint16_t)json_integer_value(json_object_get(jp, "host_port"));
  p->container_port = (uint16_t)json_integer_value(json_object_get(jp, "container_port"));
  p->proto = proto && strcmp(proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
  return 0;
}
