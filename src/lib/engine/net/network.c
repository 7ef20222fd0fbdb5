/* Network objects: `network create`, ls, inspect, rm, prune, and the
 * default network (their records are read and written by store.c). A
 * network in the store is only configuration; its bridge appears on the
 * host with the first container attached and goes with the last
 * (attach.c), as with podman. */
#include "netpriv.h"

#include "netlink.h"
#include "nft.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static int cmp_network(const void *a, const void *b) {
  return strcmp((*(struct hutch_network *const *)a)->name,
                (*(struct hutch_network *const *)b)->name);
}

/* List without the lock (callers hold it or accept a snapshot). */
static int network_list(const struct hutch_net_ctx *ctx, struct hutch_network ***out, size_t *n,
                        struct hutch_error **err) {
  *out = NULL;
  *n = 0;
  const char *dir = hutch_net_state_dir(ctx);
  _cleanup_closedir_ DIR *d = opendir(dir);
  if (d == NULL)
    return errno == ENOENT ? 0 : hutch_error_set(err, errno, "open %s", dir);
  struct hutch_network **v = NULL;
  size_t cnt = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    size_t l = strlen(de->d_name);
    if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
      continue;
    _cleanup_free_ char *name = strndup(de->d_name, l - 5);
    struct hutch_network *net = NULL;
    struct hutch_error *e = NULL;
    if (name == NULL || hutch_net_network_read(ctx, name, &net, &e) < 0) {
      /* One unreadable file must not hide the other networks. */
      _cleanup_free_ char *t = hutch_error_text(e);
      hutch_warn("network %s: %s, ignoring", de->d_name, t ? t : "out of memory");
      hutch_error_free(e);
      continue;
    }
    struct hutch_network **nv = realloc(v, (cnt + 1) * sizeof(*v));
    if (nv == NULL) {
      hutch_network_free(net);
      hutch_network_list_free(v, cnt);
      return hutch_error_set(err, ENOMEM, "list networks");
    }
    v = nv;
    v[cnt++] = net;
  }
  if (cnt)
    qsort(v, cnt, sizeof(*v), cmp_network);
  *out = v;
  *n = cnt;
  return 0;
}

int hutch_network_list(const struct hutch_net_ctx *ctx, struct hutch_network ***out, size_t *n,
                       struct hutch_error **err) {
  return network_list(ctx, out, n, err);
}

/* Does <state>/<name>.json exist? */
static bool network_exists(const struct hutch_net_ctx *ctx, const char *name) {
  _cleanup_free_ char *file = NULL;
  if (!hutch_net_name_ok(name) || asprintf(&file, "%s/%s.json", hutch_net_state_dir(ctx), name) < 0)
    return false;
  return hutch_path_exists(file);
}

int hutch_network_load(const struct hutch_net_ctx *ctx, const char *name_or_id,
                       struct hutch_network **out, struct hutch_error **err) {
  if (network_exists(ctx, name_or_id))
    return hutch_net_network_read(ctx, name_or_id, out, err);
  struct hutch_network **v;
  size_t n;
  int r = network_list(ctx, &v, &n, err);
  if (r < 0)
    return r;
  size_t len = strlen(name_or_id), found = n;
  int matches = 0;
  for (size_t i = 0; i < n && len > 0; i++)
    if (strncmp(v[i]->id, name_or_id, len) == 0) {
      found = i;
      matches++;
    }
  if (matches == 1) {
    *out = v[found];
    v[found] = NULL;
  }
  hutch_network_list_free(v, n);
  if (matches > 1)
    return hutch_error_set(err, EINVAL, "network id prefix %s is ambiguous", name_or_id);
  if (matches == 0)
    return hutch_error_say(err, ENOENT, "network %s not found", name_or_id);
  return 0;
}

struct overlap_check {
  const struct hutch_cidr *want;
  bool hit;
};

static int route_overlaps(uint32_t dst, unsigned prefix, int oif, void *ud) {
  struct overlap_check *c = ud;
  struct hutch_cidr r = {dst, prefix};
  /* The default route overlaps everything and means nothing here. */
  if (prefix > 0 && hutch_cidr_overlaps(&r, c->want))
    c->hit = true;
  return 0;
}

static int addr_overlaps(uint32_t addr, unsigned prefix, int ifindex, void *ud) {
  (void)ifindex;
  struct overlap_check *c = ud;
  struct hutch_cidr a = {addr, prefix};
  if (hutch_cidr_overlaps(&a, c->want))
    c->hit = true;
  return 0;
}

/* Is the subnet free: no other network, no route of the host inside it,
 * no address of an interface (even one that is down, so has no route). */
static int subnet_taken(struct hutch_network **nets, size_t n, const struct hutch_cidr *s,
                        const char **by, struct hutch_error **err) {
  for (size_t i = 0; i < n; i++)
    if (hutch_cidr_overlaps(&nets[i]->subnet, s)) {
      *by = nets[i]->name;
      return 1;
    }
  /* rootless, the networks live in the rootless netns behind its tap0,
   * which slirp4netns addresses 10.0.2.0/24 */
  struct hutch_cidr tap;
  hutch_cidr_parse("10.0.2.0/24", &tap);
  if (!hutch_in_initial_userns() && hutch_cidr_overlaps(&tap, s)) {
    *by = "the rootless network's 10.0.2.0/24 (slirp4netns)";
    return 1;
  }
  _cleanup_nl_ struct hutch_nl *nl = NULL;
  int r = hutch_nl_open(&nl);
  if (r < 0)
    return hutch_error_set(err, r, "netlink");
  struct overlap_check c = {s, false};
  r = hutch_nl_routes_v4(nl, route_overlaps, &c);
  if (r < 0)
    return hutch_error_set(err, r, "list host routes");
  *by = "a route of the host";
  if (c.hit)
    return 1;
  r = hutch_nl_addrs_v4(nl, addr_overlaps, &c);
  if (r < 0)
    return hutch_error_set(err, r, "list host addresses");
  *by = "an address of the host";
  return c.hit ? 1 : 0;
}

/* No --subnet: docker's scheme. The default network takes
 * HUTCH_NET_DEFAULT_SUBNET (172.17.0.0/16) when it is free; every other
 * network the first free subnet of docker's default pools after it
 * (172.18.0.0/16, 172.19 …, then 192.168.N.0/20), skipping what other
 * networks, the host's routes and its interfaces' addresses hold. Never
 * podman's 10.88/10.89, so both can run on one host. */
static int pick_subnet(struct hutch_network **nets, size_t n, bool is_default,
                       struct hutch_cidr *out, struct hutch_error **err) {
  const char *by = NULL;
  int r;
  if (is_default) {
    hutch_cidr_parse(HUTCH_NET_DEFAULT_SUBNET, out);
    r = subnet_taken(nets, n, out, &by, err);
    if (r <= 0)
      return r;
  }
  for (unsigned i = 1; hutch_net_pool_subnet(i, out); i++) {
    char sb[HUTCH_CIDR_STRLEN];
    r = subnet_taken(nets, n, out, &by, err);
    if (r <= 0)
      return r;
    hutch_debug("network: subnet %s is taken by %s", hutch_cidr_format(out, sb), by);
  }
  return hutch_error_set(err, ENOSPC, "no free subnet left in %s; pass --subnet", HUTCH_NET_POOLS);
}

static int random_id(char out[65]) {
  uint8_t b[32];
  if (getrandom(b, sizeof(b), 0) != sizeof(b))
    return -EIO;
  for (size_t i = 0; i < sizeof(b); i++)
    sprintf(out + 2 * i, "%02x", b[i]);
  return 0;
}

static char *now_rfc3339(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char d[32];
  strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm);
  char *s = NULL;
  if (asprintf(&s, "%s.%09ldZ", d, ts.tv_nsec) < 0)
    return NULL;
  return s;
}

/* docker's Options of a user network: the driver options it was made
 * with. */
static json_t *given_options(const struct hutch_network_opts *opts) {
  json_t *o = json_object();
  if (o && opts->bridge)
    json_object_set_new(o, "com.docker.network.bridge.name", json_string(opts->bridge));
  if (o && opts->mtu) {
    char mtu[16];
    snprintf(mtu, sizeof(mtu), "%u", opts->mtu);
    json_object_set_new(o, "com.docker.network.driver.mtu", json_string(mtu));
  }
  return o;
}

static int network_create_locked(const struct hutch_net_ctx *ctx, const char *name,
                                 const struct hutch_network_opts *opts, bool is_default,
                                 struct hutch_network **out, struct hutch_error **err) {
  static const struct hutch_network_opts none = {0};
  if (opts == NULL)
    opts = &none;
  if (!hutch_net_name_ok(name))
    return hutch_error_set(err, EINVAL,
                           "network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
  struct hutch_network **nets = NULL;
  size_t n = 0;
  int r = network_list(ctx, &nets, &n, err);
  if (r < 0)
    return r;
  int ret = 0;
  _cleanup_network_ struct hutch_network *net = calloc(1, sizeof(*net));
  char id[65];
  if (net == NULL || random_id(id) < 0) {
    ret = hutch_error_set(err, ENOMEM, "network");
    goto out;
  }
  for (size_t i = 0; i < n; i++)
    if (strcmp(nets[i]->name, name) == 0) {
      ret = hutch_error_say(err, EEXIST, "network with name %s already exists", name);
      goto out;
    }
  net->name = strdup(name);
  net->id = strdup(id);
  net->created = now_rfc3339();
  net->internal = opts->internal;
  net->mtu = opts->mtu ? opts->mtu : HUTCH_NET_DEFAULT_MTU;
  net->labels = opts->labels ? json_deep_copy(opts->labels) : NULL;
  net->options = is_default ? NULL : given_options(opts);
  if (opts->bridge) {
    if (!hutch_nft_ifname_ok(opts->bridge)) {
      ret = hutch_error_set(err, EINVAL, "bridge name \"%s\" is not a valid interface name",
                            opts->bridge);
      goto out;
    }
    net->bridge = strdup(opts->bridge);
  } else if (is_default) {
    net->bridge = strdup(HUTCH_NET_DEFAULT_BRIDGE);
  } else if (asprintf(&net->bridge, "br-%.12s", id) < 0) {
    net->bridge = NULL;
  }
  if (!net->name || !net->id || !net->created || !net->bridge || (!is_default && !net->options)) {
    ret = hutch_error_set(err, ENOMEM, "network");
    goto out;
  }
  for (size_t i = 0; i < n; i++)
    if (strcmp(nets[i]->bridge, net->bridge) == 0) {
      ret = hutch_error_set(err, EEXIST, "bridge %s is already used by network %s", net->bridge,
                            nets[i]->name);
      goto out;
    }

  /* Never adopt an interface that exists already: the last container to
   * leave deletes the bridge, and that must not be somebody else's br0.
   * hutch0 surviving its network's config (state dir wiped) is the one
   * exception. */
  {
    _cleanup_nl_ struct hutch_nl *nl = NULL;
    struct hutch_nl_link l;
    r = hutch_nl_open(&nl);
    if (r == 0)
      r = hutch_nl_link_get(nl, net->bridge, &l);
    if (r == 0 && !(is_default && strcmp(l.kind, "bridge") == 0)) {
      ret = hutch_error_set(err, EEXIST, "interface %s already exists on the host", net->bridge);
      goto out;
    }
    if (r < 0 && r != -ENODEV) {
      ret = hutch_error_set(err, r, "look up interface %s", net->bridge);
      goto out;
    }
  }
  const char *by = NULL;
  if (opts->subnet) {
    if (hutch_cidr_parse(opts->subnet, &net->subnet) < 0) {
      ret = hutch_error_set(err, EINVAL,
                            "subnet \"%s\": want an IPv4 network like 172.18.0.0/16 "
                            "(host bits zero, prefix at most /30)",
                            opts->subnet);
      goto out;
    }
    r = subnet_taken(nets, n, &net->subnet, &by, err);
    if (r < 0) {
      ret = r;
      goto out;
    }
    if (r > 0) {
      ret = hutch_error_set(err, EADDRINUSE, "subnet %s overlaps %s", opts->subnet, by);
      goto out;
    }
  } else {
    ret = pick_subnet(nets, n, is_default, &net->subnet, err);
    if (ret < 0)
      goto out;
  }
  if (opts->gateway) {
    if (hutch_ipv4_parse(opts->gateway, &net->gateway) < 0 ||
        !hutch_cidr_is_host(&net->subnet, net->gateway)) {
      char s[HUTCH_CIDR_STRLEN];
      ret = hutch_error_set(err, EINVAL, "gateway \"%s\" is not a host address of %s",
                            opts->gateway, hutch_cidr_format(&net->subnet, s));
      goto out;
    }
  } else {
    net->gateway = net->subnet.addr + 1;
  }
  ret = hutch_net_network_write(ctx, net, err);
  if (ret == 0) {
    char sb[HUTCH_CIDR_STRLEN];
    hutch_debug("network %s: bridge %s, subnet %s", net->name, net->bridge,
                hutch_cidr_format(&net->subnet, sb));
    if (out)
      *out = TAKE_PTR(net);
  }
out:
  hutch_network_list_free(nets, n);
  return ret;
}

int hutch_network_create(const struct hutch_net_ctx *ctx, const char *name,
                         const struct hutch_network_opts *opts, struct hutch_network **out,
                         struct hutch_error **err) {
  _cleanup_close_ int lock = hutch_net_store_lock(ctx, err);
  if (lock < 0)
    return lock;
  return network_create_locked(ctx, name, opts, strcmp(name, HUTCH_NET_DEFAULT_NAME) == 0, out,
                               err);
}

int hutch_network_ensure_default(const struct hutch_net_ctx *ctx, struct hutch_network **out,
                                 struct hutch_error **err) {
  _cleanup_close_ int lock = hutch_net_store_lock(ctx, err);
  if (lock < 0)
    return lock;
  if (network_exists(ctx, HUTCH_NET_DEFAULT_NAME))
    return hutch_net_network_read(ctx, HUTCH_NET_DEFAULT_NAME, out, err);
  return network_create_locked(ctx, HUTCH_NET_DEFAULT_NAME, NULL, true, out, err);
}

int hutch_net_bridge_remove(const struct hutch_network *n, struct hutch_error **err) {
  _cleanup_nl_ struct hutch_nl *nl = NULL;
  int r = hutch_nl_open(&nl);
  if (r < 0)
    return hutch_error_set(err, r, "netlink");
  struct hutch_nl_link l;
  r = hutch_nl_link_get(nl, n->bridge, &l);
  if (r == -ENODEV)
    return 0;
  if (r < 0)
    return hutch_error_set(err, r, "look up bridge %s", n->bridge);
  /* Never delete an interface of that name that is not a bridge. */
  if (strcmp(l.kind, "bridge") != 0)
    return hutch_error_set(err, EEXIST, "%s is not a bridge (kind \"%s\"), not deleting it",
                           n->bridge, l.kind);
  hutch_debug("delete bridge %s", n->bridge);
  r = hutch_nl_link_del(nl, l.ifindex);
  if (r < 0 && r != -ENODEV)
    return hutch_error_set(err, r, "delete bridge %s", n->bridge);
  return 0;
}

static int network_remove_locked(const struct hutch_net_ctx *ctx, const struct hutch_network *n,
                                 struct hutch_error **err) {
  size_t users = 0;
  int r = hutch_net_network_users(ctx, n->name, &users, err);
  if (r < 0)
    return r;
  if (users)
    return hutch_error_set(err, EBUSY, "network %s has %zu active endpoint%s", n->name, users,
                           users == 1 ? "" : "s");
  r = hutch_net_bridge_remove(n, err);
  if (r < 0)
    return r;
  _cleanup_free_ char *ipam = hutch_net_path(ctx, "ipam");
  _cleanup_free_ char *file = NULL;
  if (ipam == NULL || asprintf(&file, "%s/%s.json", hutch_net_state_dir(ctx), n->name) < 0)
    return hutch_error_set(err, ENOMEM, "network path");
  r = hutch_ipam_drop_pool(ipam, n->name);
  if (r < 0)
    return hutch_error_set(err, r, "remove address pool of %s", n->name);
  if (unlink(file) < 0 && errno != ENOENT)
    return hutch_error_set(err, errno, "remove %s", file);
  return hutch_net_sync_nft(ctx, err);
}

int hutch_network_remove(const struct hutch_net_ctx *ctx, const char *name_or_id,
                         struct hutch_error **err) {
  _cleanup_close_ int lock = hutch_net_store_lock(ctx, err);
  if (lock < 0)
    return lock;
  _cleanup_network_ struct hutch_network *n = NULL;
  int r = hutch_network_load(ctx, name_or_id, &n, err);
  if (r < 0)
    return r;
  if (strcmp(n->name, HUTCH_NET_DEFAULT_NAME) == 0)
    return hutch_error_set(err, EPERM, "%s is a pre-defined network and cannot be removed",
                           n->name);
  r = network_remove_locked(ctx, n, err);
  if (r < 0)
    return hutch_error_wrap(err, "remove network %s", n->name);
  return 0;
}

int hutch_network_prune(const struct hutch_net_ctx *ctx, char ***removed,
                        struct hutch_error **err) {
  _cleanup_close_ int lock = hutch_net_store_lock(ctx, err);
  if (lock < 0)
    return lock;
  struct hutch_network **v;
  size_t n;
  int r = network_list(ctx, &v, &n, err);
  if (r < 0)
    return r;
  int ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++) {
    size_t users = 0;
    if (strcmp(v[i]->name, HUTCH_NET_DEFAULT_NAME) == 0)
      continue;
    ret = hutch_net_network_users(ctx, v[i]->name, &users, err);
    if (ret < 0 || users)
      continue;
    ret = network_remove_locked(ctx, v[i], err);
    if (ret == 0 && removed && hutch_strv_push(removed, v[i]->name) < 0)
      ret = hutch_error_set(err, ENOMEM, "prune");
  }
  hutch_network_list_free(v, n);
  return ret;
}

json_t *hutch_network_inspect(const struct hutch_net_ctx *ctx, const struct hutch_network *n,
                              struct hutch_error **err) {
  _cleanup_json_ json_t *all = NULL;
  if (hutch_net_attachments_all(ctx, &all, err) < 0)
    return NULL;
  json_t *containers = json_object();
  size_t i;
  json_t *rec, *ep;
  size_t k;
  hutch_net_foreach_endpoint(all, i, rec, k, ep) {
    const char *nn = json_string_value(json_object_get(ep, "network"));
    if (nn == NULL || strcmp(nn, n->name) != 0)
      continue;
    char addr[HUTCH_CIDR_STRLEN + 4];
    snprintf(addr, sizeof(addr), "%s/%d", json_string_value(json_object_get(ep, "ip")),
             (int)json_integer_value(json_object_get(ep, "prefixlen")));
    const char *name = json_string_value(json_object_get(rec, "name"));
    json_object_set_new(containers, json_string_value(json_object_get(rec, "id")),
                        json_pack("{s:s, s:s, s:s}", "IPv4Address", addr, "MacAddress",
                                  json_string_value(json_object_get(ep, "mac")), "Name",
                                  name ? name : ""));
  }
  char s[HUTCH_CIDR_STRLEN], g[HUTCH_IPV4_STRLEN];
  json_t *j = json_pack(
      "{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[{s:s, s:s}]}, s:b, s:o, s:{s:s, s:s}}", "Name", n->name,
      "Id", n->id, "Created", n->created, "Scope", "local", "Driver", "bridge", "IPAM", "Driver",
      "default", "Config", "Subnet", hutch_cidr_format(&n->subnet, s), "Gateway",
      hutch_ipv4_format(n->gateway, g), "Internal", n->internal, "Containers", containers,
      "Options", "com.docker.network.bridge.name", n->bridge, "com.docker.network.driver.mtu", "");
  if (j == NULL) {
    hutch_error_set(err, ENOMEM, "inspect network %s", n->name);
    return NULL;
  }
  json_object_set_new(j, "Labels", n->labels ? json_deep_copy(n->labels) : json_object());
  if (n->options) {
    json_object_set_new(j, "Options", json_deep_copy(n->options));
    return j;
  }
  char mtu[16];
  snprintf(mtu, sizeof(mtu), "%u", n->mtu);
  json_object_set_new(json_object_get(j, "Options"), "com.docker.network.driver.mtu",
                      json_string(mtu));
  return j;
}
