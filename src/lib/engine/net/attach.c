/* Attaching containers to networks: the host and namespace side of a
 * veth, published ports, detach, and cleanup after containers that died
 * without detaching. The attachment records themselves are read and
 * written by store.c, the nft table rewritten by firewall.c.
 *
 * Order of work in attach: the record is written first (after the address
 * is allocated), then the host is changed. Any failure later, or a crash,
 * leaves a record that names everything that might exist, and detach (or
 * the stale cleanup) removes exactly that, tolerating what is missing. */
#include "netpriv.h"

#include "netlink.h"
#include "netns.h"
#include "nft.h"

#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static bool id_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 128 || s[0] == '.')
    return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '_' || *p == '.' || *p == '-'))
      return false;
  return true;
}

static const char *proto_name(int proto) {
  return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* The host end of the veth: "hv" + 12 hex digits of a hash of container
 * and network, so it is stable (cleanup can find it from the record) and
 * fits IFNAMSIZ. */
static void host_ifname(const char *id, const char *network, char out[16]) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (const char *p = id; *p; p++)
    h = (h ^ (uint8_t)*p) * 1099511628211ull;
  h = (h ^ 0) * 1099511628211ull;
  for (const char *p = network; *p; p++)
    h = (h ^ (uint8_t)*p) * 1099511628211ull;
  snprintf(out, 16, "hv%012llx", (unsigned long long)(h & 0xffffffffffffull));
}

static int write_sysctl(const char *path, const char *value) {
  _cleanup_free_ char *cur = NULL;
  if (hutch_read_file(path, &cur, NULL) == 0 && strncmp(cur, value, strlen(value)) == 0)
    return 0;
  hutch_debug("sysctl %s = %s", path, value);
  return hutch_write_file(path, value, strlen(value));
}

static bool owner_alive(json_t *rec) {
  json_int_t pid = json_integer_value(json_object_get(rec, "owner_pid"));
  json_int_t start = json_integer_value(json_object_get(rec, "owner_start"));
  return hutch_pid_alive((pid_t)pid, (unsigned long long)start);
}

/* Is the (proto, host_ip, host_port) free: not published by another
 * attachment, and not bound by a process on the host (whose traffic our
 * DNAT would otherwise silently steal). For port 0, bind picks one. */
static int reserve_port(json_t *all, struct hutch_port_mapping *p, struct hutch_error **err) {
  char ip[HUTCH_IPV4_STRLEN];
  _cleanup_close_ int fd =
      socket(AF_INET, (p->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return hutch_error_set(err, errno, "socket");
  struct sockaddr_in sa = {
      .sin_family = AF_INET, .sin_port = htons(p->host_port), .sin_addr.s_addr = htonl(p->host_ip)};
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
    return hutch_error_set(err, errno, "publish %s:%u/%s", hutch_ipv4_format(p->host_ip, ip),
                           p->host_port, proto_name(p->proto));
  socklen_t sl = sizeof(sa);
  if (p->host_port == 0) {
    if (getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
      return hutch_error_set(err, errno, "getsockname");
    p->host_port = ntohs(sa.sin_port);
  }
  size_t i;
  json_t *rec, *ep;
  size_t k;
  hutch_net_foreach_endpoint(all, i, rec, k, ep) {
    size_t j;
    json_t *jp;
    json_array_foreach(json_object_get(ep, "ports"), j, jp) {
      struct hutch_port_mapping o;
      if (hutch_net_record_port(jp, &o) < 0)
        continue;
      if (o.proto == p->proto && o.host_port == p->host_port &&
          (o.host_ip == 0 || p->host_ip == 0 || o.host_ip == p->host_ip))
        return hutch_error_say(err, EADDRINUSE, "port %u/%s is already published by %s",
                               p->host_port, proto_name(p->proto),
                               json_string_value(json_object_get(rec, "id")));
    }
  }
  return 0;
}

static int detach_locked(const struct hutch_net_ctx *ctx, const char *id, const char *network,
                         struct hutch_error **err);

/* Everything on the host and in the namespace for one endpoint. */
static int plumb(const struct hutch_network *net, int nsfd, const char *hostif, const char *ifname,
                 uint32_t ip, const uint8_t mac[6], struct hutch_error **err) {
  _cleanup_nl_ struct hutch_nl *nl = NULL;
  int r = hutch_nl_open(&nl);
  if (r < 0)
    return hutch_error_set(err, r, "netlink");
  char a[HUTCH_IPV4_STRLEN];
  struct hutch_nl_link bl;
  r = hutch_nl_link_get(nl, net->bridge, &bl);
  int br = r < 0 ? r : bl.ifindex;
  if (r == 0 && strcmp(bl.kind, "bridge") != 0)
    return hutch_error_set(err, EEXIST, "%s exists and is not a bridge", net->bridge);
  if (br == -ENODEV) {
    hutch_debug("create bridge %s mtu %u, address %s/%u", net->bridge, net->mtu,
                hutch_ipv4_format(net->gateway, a), net->subnet.prefix);
    r = hutch_nl_bridge_add(nl, net->bridge, net->mtu);
    if (r < 0)
      return hutch_error_set(err, r, "create bridge %s", net->bridge);
    br = hutch_nl_link_index(nl, net->bridge);
    if (br < 0)
      return hutch_error_set(err, br, "bridge %s", net->bridge);
    r = hutch_nl_addr_add(nl, br, net->gateway, net->subnet.prefix);
    if (r < 0)
      return hutch_error_set(err, r, "add %s/%u to %s", a, net->subnet.prefix, net->bridge);
    /* Published ports reached from 127.0.0.1 leave through the bridge with
     * a loopback source; without this the kernel drops them as martians. */
    char path[128];
    snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", net->bridge);
    r = write_sysctl(path, "1");
    if (r < 0)
      return hutch_error_set(err, r, "set %s", path);
  } else if (br < 0) {
    return hutch_error_set(err, br, "look up bridge %s", net->bridge);
  }
  r = hutch_nl_link_set_up(nl, br);
  if (r < 0)
    return hutch_error_set(err, r, "set %s up", net->bridge);
  if (!net->internal) {
    /* As docker and podman do: containers on a non-internal network reach
     * out through the host, which therefore routes. */
    r = write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
    if (r < 0)
      return hutch_error_set(err, r, "enable net.ipv4.ip_forward");
  }

  hutch_debug("veth %s <-> %s (in netns), master %s, mtu %u", hostif, ifname, net->bridge,
              net->mtu);
  r = hutch_nl_veth_add(nl, hostif, ifname, nsfd, net->mtu, mac);
  if (r < 0)
    return hutch_error_set(err, r, "create veth pair %s/%s", hostif, ifname);
  int hidx = hutch_nl_link_index(nl, hostif);
  if (hidx < 0)
    return hutch_error_set(err, hidx, "veth %s", hostif);
  r = hutch_nl_link_set_master(nl, hidx, br);
  if (r < 0)
    return hutch_error_set(err, r, "attach %s to %s", hostif, net->bridge);
  r = hutch_nl_link_set_up(nl, hidx);
  if (r < 0)
    return hutch_error_set(err, r, "set %s up", hostif);

  _cleanup_nl_ struct hutch_nl *in = NULL;
  r = hutch_nl_open_in_netns(nsfd, &in);
  if (r < 0)
    return hutch_error_set(err, r, "netlink in the container's namespace");
  int cidx = hutch_nl_link_index(in, ifname);
  if (cidx < 0)
    return hutch_error_set(err, cidx, "%s in the container", ifname);
  hutch_debug("netns: %s address %s/%u, up", ifname, hutch_ipv4_format(ip, a), net->subnet.prefix);
  r = hutch_nl_addr_add(in, cidx, ip, net->subnet.prefix);
  if (r < 0)
    return hutch_error_set(err, r, "add %s/%u to %s", a, net->subnet.prefix, ifname);
  r = hutch_nl_link_set_up(in, cidx);
  if (r < 0)
    return hutch_error_set(err, r, "set %s up", ifname);
  int lo = hutch_nl_link_index(in, "lo");
  if (lo > 0)
    hutch_nl_link_set_up(in, lo);
  if (!net->internal) {
    hutch_debug("netns: default via %s dev %s", hutch_ipv4_format(net->gateway, a), ifname);
    r = hutch_nl_route_add_default(in, net->gateway, cidx);
    /* A second network does not replace the first one's default route. */
    if (r < 0 && r != -EEXIST)
      return hutch_error_set(err, r, "add default route via %s", a);
  }
  return 0;
}

static json_t *ports_to_json(const struct hutch_port_mapping *ports, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++) {
    char ip[HUTCH_IPV4_STRLEN];
    json_array_append_new(
        a, json_pack("{s:s, s:i, s:i, s:s}", "host_ip", hutch_ipv4_format(ports[i].host_ip, ip),
                     "host_port", ports[i].host_port, "container_port", ports[i].container_port,
                     "proto", proto_name(ports[i].proto)));
  }
  return a;
}

static int fill_attachment(json_t *ep, struct hutch_net_attachment *a) {
  memset(a, 0, sizeof(*a));
  a->network = strdup(json_string_value(json_object_get(ep, "network")) ?: "");
  a->ifname = strdup(json_string_value(json_object_get(ep, "ifname")) ?: "");
  a->host_ifname = strdup(json_string_value(json_object_get(ep, "host_ifname")) ?: "");
  snprintf(a->ip, sizeof(a->ip), "%s", json_string_value(json_object_get(ep, "ip")) ?: "");
  snprintf(a->gateway, sizeof(a->gateway), "%s",
           json_string_value(json_object_get(ep, "gateway")) ?: "");
  snprintf(a->mac, sizeof(a->mac), "%s", json_string_value(json_object_get(ep, "mac")) ?: "");
  a->prefixlen = (unsigned)json_integer_value(json_object_get(ep, "prefixlen"));
  json_t *ports = json_object_get(ep, "ports");
  size_t n = json_array_size(ports);
  a->ports = calloc(n ? n : 1, sizeof(*a->ports));
  if (!a->network || !a->ifname || !a->host_ifname || !a->ports) {
    hutch_net_attachment_clear(a);
    return -ENOMEM;
  }
  for (size_t i = 0; i < n; i++)
    if (hutch_net_record_port(json_array_get(ports, i), &a->ports[a->n_ports]) == 0)
      a->n_ports++;
  return 0;
}

void hutch_net_attachment_clear(struct hutch_net_attachment *a) {
  free(a->network);
  free(a->ifname);
  free(a->host_ifname);
  free(a->ports);
  memset(a, 0, sizeof(*a));
}

static int attach_locked(const struct hutch_net_config *cfg, const struct hutch_network *net,
                         const char *netns_path, const char *id, struct hutch_net_attachment *out,
                         struct hutch_error **err) {
  const struct hutch_net_ctx *ctx = &cfg->ctx;
  const char *ifname = cfg->ifname ? cfg->ifname : "eth0";
  if (strlen(ifname) >= 16 || strchr(ifname, '/') || ifname[0] == '\0')
    return hutch_error_set(err, EINVAL, "interface name \"%s\" is not valid", ifname);
  if (net->internal && cfg->n_ports)
    return hutch_error_set(err, EINVAL, "network %s is internal: ports cannot be published",
                           net->name);
  uint32_t want_ip = 0;
  if (cfg->ip && hutch_ipv4_parse(cfg->ip, &want_ip) < 0)
    return hutch_error_set(err, EINVAL, "--ip \"%s\" is not an IPv4 address", cfg->ip);
  _cleanup_close_ int nsfd = hutch_netns_open(netns_path);
  if (nsfd == -EINVAL)
    return hutch_error_set(err, EINVAL, "%s is not a network namespace", netns_path);
  if (nsfd < 0)
    return hutch_error_set(err, nsfd, "open network namespace %s", netns_path);

  _cleanup_json_ json_t *rec = NULL;
  int r = hutch_net_record_load(ctx, id, &rec, err);
  if (r == -ENOENT && (err == NULL || *err == NULL)) {
    pid_t owner = cfg->owner_pid ? cfg->owner_pid : getpid();
    json_t *xh = json_array();
    for (char *const *h = cfg->extra_hosts; h && *h; h++) {
      _cleanup_free_ char *hn = NULL, *hip = NULL;
      if (hutch_hosts_parse_add_host(*h, &hn, &hip) < 0) {
        json_decref(xh);
        return hutch_error_set(err, EINVAL, "--add-host \"%s\": want name:address", *h);
      }
      json_array_append_new(xh, json_string(*h));
    }
    rec = json_pack("{s:s, s:s, s:b, s:I, s:I, s:s, s:s, s:s, s:o, s:[]}", "id", id, "netns",
                    netns_path, "own_netns", cfg->own_netns, "owner_pid", (json_int_t)owner,
                    "owner_start", (json_int_t)hutch_pid_start_time(owner), "name",
                    cfg->name ? cfg->name : "", "hostname", cfg->hostname ? cfg->hostname : "",
                    "hosts_path", cfg->hosts_path ? cfg->hosts_path : "", "extra_hosts", xh,
                    "networks");
    if (rec == NULL)
      return hutch_error_set(err, ENOMEM, "attachment record");
  } else if (r < 0) {
    return r;
  } else {
    const char *ns = json_string_value(json_object_get(rec, "netns"));
    if (ns == NULL || strcmp(ns, netns_path) != 0)
      return hutch_error_set(err, EINVAL, "container %s is attached with netns %s, not %s", id,
                             ns ? ns : "?", netns_path);
    size_t k;
    json_t *ep;
    json_array_foreach(json_object_get(rec, "networks"), k, ep) {
      const char *nn = json_string_value(json_object_get(ep, "network"));
      const char *in = json_string_value(json_object_get(ep, "ifname"));
      if (nn && strcmp(nn, net->name) == 0)
        return hutch_error_say(err, EEXIST, "container %s is already attached to network %s", id,
                               net->name);
      if (in && strcmp(in, ifname) == 0)
        return hutch_error_set(err, EEXIST, "container %s already has an interface %s", id, ifname);
    }
  }

  /* Published ports: check and choose ephemeral ones before anything. */
  _cleanup_free_ struct hutch_port_mapping *ports =
      calloc(cfg->n_ports ? cfg->n_ports : 1, sizeof(*ports));
  if (ports == NULL)
    return hutch_error_set(err, ENOMEM, "ports");
  {
    _cleanup_json_ json_t *all = NULL;
    r = hutch_net_attachments_all(ctx, &all, err);
    if (r < 0)
      return r;
    for (size_t i = 0; i < cfg->n_ports; i++) {
      ports[i] = cfg->ports[i];
      if (ports[i].proto == 0)
        ports[i].proto = IPPROTO_TCP;
      if (ports[i].proto != IPPROTO_TCP && ports[i].proto != IPPROTO_UDP)
        return hutch_error_set(err, EINVAL, "port %u: protocol must be tcp or udp",
                               ports[i].container_port);
      if (ports[i].container_port == 0)
        return hutch_error_set(err, EINVAL, "container port 0 cannot be published");
      r = reserve_port(all, &ports[i], err);
      if (r < 0)
        return r;
      for (size_t j = 0; j < i; j++)
        if (ports[j].proto == ports[i].proto && ports[j].host_port == ports[i].host_port)
          return hutch_error_set(err, EADDRINUSE, "host port %u/%s is published twice",
                                 ports[i].host_port, proto_name(ports[i].proto));
    }
  }

  _cleanup_free_ char *ipam_dir = hutch_net_path(ctx, "ipam");
  if (ipam_dir == NULL)
    return hutch_error_set(err, ENOMEM, "ipam path");
  uint32_t ip;
  r = hutch_ipam_allocate(ipam_dir, net->name, &net->subnet, net->gateway, want_ip, id, &ip, err);
  if (r < 0)
    return r;

  char hostif[16], ips[HUTCH_IPV4_STRLEN], gw[HUTCH_IPV4_STRLEN], macs[18];
  host_ifname(id, net->name, hostif);
  /* docker's scheme: 02:42 and the address, so a MAC names its owner. */
  uint8_t mac[6] = {0x02,       0x42, (uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8),
                    (uint8_t)ip};
  snprintf(macs, sizeof(macs), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
           mac[4], mac[5]);
  json_t *aliases = json_array();
  for (char *const *a = cfg->aliases; a && *a; a++)
    json_array_append_new(aliases, json_string(*a));
  json_t *ep =
      json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:o, s:o}", "network", net->name, "ifname",
                ifname, "host_ifname", hostif, "ip", hutch_ipv4_format(ip, ips), "prefixlen",
                (int)net->subnet.prefix, "gateway", hutch_ipv4_format(net->gateway, gw), "mac",
                macs, "aliases", aliases, "ports", ports_to_json(ports, cfg->n_ports));
  if (ep == NULL || json_array_append_new(json_object_get(rec, "networks"), ep) < 0) {
    struct hutch_error *e = NULL;
    hutch_ipam_release(ipam_dir, net->name, id, &e);
    hutch_error_free(e);
    return hutch_error_set(err, ENOMEM, "attachment record");
  }
  /* Record first: from here on a failure or a crash is undone from it. */
  r = hutch_net_record_save(ctx, id, rec, err);
  if (r < 0) {
    struct hutch_error *e = NULL;
    hutch_ipam_release(ipam_dir, net->name, id, &e);
    hutch_error_free(e);
    return r;
  }
  r = plumb(net, nsfd, hostif, ifname, ip, mac, err);
  if (r == 0)
    r = hutch_net_sync_nft(ctx, err);
  if (r < 0) {
    struct hutch_error *e = NULL;
    if (detach_locked(ctx, id, net->name, &e) < 0) {
      _cleanup_free_ char *t = hutch_error_text(e);
      hutch_warn("undo attach of %s to %s: %s, ignoring", id, net->name, t ? t : "");
    }
    hutch_error_free(e);
    return r;
  }
  hutch_net_refresh_hosts(ctx);
  if (out && fill_attachment(ep, out) < 0)
    return hutch_error_set(err, ENOMEM, "attachment");
  return 0;
}

int hutch_net_attach(const struct hutch_net_config *cfg, const char *netns_path,
                     const char *container_id, struct hutch_net_attachment *out,
                     struct hutch_error **err) {
  if (!id_ok(container_id))
    return hutch_error_set(err, EINVAL, "container id \"%s\" is not valid", container_id);
  _cleanup_network_ struct hutch_network *net = NULL;
  int r;
  /* Before taking the store lock: ensure_default takes it itself. */
  if (cfg->network == NULL || strcmp(cfg->network, HUTCH_NET_DEFAULT_NAME) == 0)
    r = hutch_network_ensure_default(&cfg->ctx, &net, err);
  else
    r = hutch_network_load(&cfg->ctx, cfg->network, &net, err);
  if (r < 0)
    return hutch_error_wrap(err, "attach %s", container_id);
  _cleanup_close_ int lock = hutch_net_store_lock(&cfg->ctx, err);
  if (lock < 0)
    return lock;
  r = attach_locked(cfg, net, netns_path, container_id, out, err);
  if (r < 0)
    return hutch_error_wrap(err, "attach %s to network %s", container_id, net->name);
  return 0;
}

/* Delete the bridges of networks nobody uses any more. */
static int gc_bridges(const struct hutch_net_ctx *ctx, char *const *names,
                      struct hutch_error **err) {
  int ret = 0;
  for (char *const *n = names; n && *n; n++) {
    size_t users = 0;
    _cleanup_network_ struct hutch_network *net = NULL;
    struct hutch_error *e = NULL;
    if (hutch_net_network_read(ctx, *n, &net, &e) < 0) {
      hutch_error_free(e);
      continue; /* network already removed: its bridge went with it */
    }
    int r = hutch_net_network_users(ctx, *n, &users, err);
    if (r == 0 && users == 0)
      r = hutch_net_bridge_remove(net, err);
    if (r < 0 && ret == 0)
      ret = r;
  }
  return ret;
}

static int detach_locked(const struct hutch_net_ctx *ctx, const char *id, const char *network,
                         struct hutch_error **err) {
  _cleanup_json_ json_t *rec = NULL;
  int r = hutch_net_record_load(ctx, id, &rec, err);
  if (r == -ENOENT)
    return 0;
  if (r < 0)
    return r;
  _cleanup_nl_ struct hutch_nl *nl = NULL;
  r = hutch_nl_open(&nl);
  if (r < 0)
    return hutch_error_set(err, r, "netlink");
  _cleanup_free_ char *ipam_dir = hutch_net_path(ctx, "ipam");
  if (ipam_dir == NULL)
    return hutch_error_set(err, ENOMEM, "ipam path");
  _cleanup_strv_ char **touched = NULL;
  json_t *eps = json_object_get(rec, "networks");
  for (size_t i = 0; i < json_array_size(eps);) {
    json_t *ep = json_array_get(eps, i);
    const char *nn = json_string_value(json_object_get(ep, "network"));
    const char *hostif = json_string_value(json_object_get(ep, "host_ifname"));
    if (nn == NULL || (network && strcmp(nn, network) != 0)) {
      i++;
      continue;
    }
    /* Deleting the host end takes the container end with it. */
    if (hostif) {
      int idx = hutch_nl_link_index(nl, hostif);
      if (idx > 0) {
        hutch_debug("delete veth %s", hostif);
        r = hutch_nl_link_del(nl, idx);
        if (r < 0 && r != -ENODEV)
          return hutch_error_set(err, r, "delete veth %s", hostif);
      } else if (idx != -ENODEV) {
        return hutch_error_set(err, idx, "look up veth %s", hostif);
      }
    }
    r = hutch_ipam_release(ipam_dir, nn, id, err);
    if (r < 0)
      return r;
    if (hutch_strv_push(&touched, nn) < 0)
      return hutch_error_set(err, ENOMEM, "detach");
    json_array_remove(eps, i);
  }
  if (json_array_size(eps) == 0) {
    const char *ns = json_string_value(json_object_get(rec, "netns"));
    if (network == NULL && ns && json_is_true(json_object_get(rec, "own_netns"))) {
      r = hutch_netns_delete(ns, err);
      if (r < 0)
        return r;
    }
    _cleanup_free_ char *path = hutch_net_record_path(ctx, id);
    if (path == NULL)
      return hutch_error_set(err, ENOMEM, "attachment path");
    if (unlink(path) < 0 && errno != ENOENT)
      return hutch_error_set(err, errno, "remove %s", path);
  } else {
    r = hutch_net_record_save(ctx, id, rec, err);
    if (r < 0)
      return r;
  }
  hutch_net_refresh_hosts(ctx);
  r = gc_bridges(ctx, touched, err);
  if (r < 0)
    return r;
  return hutch_net_sync_nft(ctx, err);
}

int hutch_net_detach(const struct hutch_net_ctx *ctx, const char *container_id, const char *network,
                     struct hutch_error **err) {
  if (!id_ok(container_id))
    return hutch_error_set(err, EINVAL, "container id \"%s\" is not valid", container_id);
  _cleanup_close_ int lock = hutch_net_store_lock(ctx, err);
  if (lock < 0)
    return lock;
  int r = detach_locked(ctx, container_id, network, err);
  if (r < 0)
    return hutch_error_wrap(err, "detach %s", container_id);
  return 0;
}

int hutch_net_set_owner(const struct hutch_net_ctx *ctx, const char *container_id, pid_t pid,
                        struct hutch_error **err) {
  if (!id_ok(container_id))
    return hutch_error_set(err, EINVAL, "container id \"%s\" is not valid", container_id);
  _cleanup_close_ int lock = hutch_net_store_lock(ctx, err);
  if (lock < 0)
    return lock;
  _cleanup_json_ json_t *rec = NULL;
  int r = hutch_net_record_load(ctx, container_id, &rec, err);
  if (r == -ENOENT)
    return hutch_error_set(err, ENOENT, "container %s is not attached to any network",
                           container_id);
  if (r < 0)
    return r;
  unsigned long long start = hutch_pid_start_time(pid);
  if (start == 0)
    return hutch_error_set(err, ESRCH, "owner pid %d of %s", (int)pid, container_id);
  json_object_set_new(rec, "owner_pid", json_integer(pid));
  json_object_set_new(rec, "owner_start", json_integer((json_int_t)start));
  return hutch_net_record_save(ctx, container_id, rec, err);
}

int hutch_net_attachments(const struct hutch_net_ctx *ctx, const char *container_id,
                          struct hutch_net_attachment **out, size_t *n, struct hutch_error **err) {
  *out = NULL;
  *n = 0;
  if (!id_ok(container_id))
    return hutch_error_set(err, EINVAL, "container id \"%s\" is not valid", container_id);
  _cleanup_json_ json_t *rec = NULL;
  int r = hutch_net_record_load(ctx, container_id, &rec, err);
  if (r == -ENOENT)
    return 0;
  if (r < 0)
    return r;
  json_t *eps = json_object_get(rec, "networks");
  size_t cnt = json_array_size(eps);
  struct hutch_net_attachment *v = calloc(cnt ? cnt : 1, sizeof(*v));
  if (v == NULL)
    return hutch_error_set(err, ENOMEM, "attachments");
  for (size_t i = 0; i < cnt; i++)
    if (fill_attachment(json_array_get(eps, i), &v[i]) < 0) {
      for (size_t k = 0; k < i; k++)
        hutch_net_attachment_clear(&v[k]);
      free(v);
      return hutch_error_set(err, ENOMEM, "attachments");
    }
  *out = v;
  *n = cnt;
  return 0;
}

int hutch_net_cleanup_stale(const struct hutch_net_ctx *ctx,
                            bool (*is_alive)(const char *container_id, void *ud), void *ud,
                            int *cleaned, struct hutch_error **err) {
  if (cleaned)
    *cleaned = 0;
  _cleanup_close_ int lock = hutch_net_store_lock(ctx, err);
  if (lock < 0)
    return lock;
  _cleanup_json_ json_t *all = NULL;
  int r = hutch_net_attachments_all(ctx, &all, err);
  if (r < 0)
    return r;
  int ret = 0;
  size_t i;
  json_t *rec;
  json_array_foreach(all, i, rec) {
    const char *id = json_string_value(json_object_get(rec, "id"));
    if (id == NULL || !id_ok(id))
      continue;
    bool alive = is_alive ? is_alive(id, ud) : owner_alive(rec);
    if (alive)
      continue;
    hutch_debug("container %s is gone: removing its network attachments", id);
    /* Keep going after one failure: the others still deserve cleaning. */
    struct hutch_error *e = NULL;
    r = detach_locked(ctx, id, NULL, &e);
    if (r < 0) {
      if (ret == 0) {
        ret = r;
        if (err && *err == NULL)
          *err = TAKE_PTR(e);
      }
      hutch_error_free(e);
      continue;
    }
    if (cleaned)
      (*cleaned)++;
  }
  if (ret < 0)
    return ret;
  /* Bridges and rules left by a crash between removing a record and
   * removing what it described. */
  struct hutch_network **nets;
  size_t n;
  r = hutch_network_list(ctx, &nets, &n, err);
  if (r < 0)
    return r;
  _cleanup_strv_ char **names = NULL;
  for (size_t k = 0; k < n && r == 0; k++)
    r = hutch_strv_push(&names, nets[k]->name);
  hutch_network_list_free(nets, n);
  if (r < 0)
    return hutch_error_set(err, r, "cleanup");
  r = gc_bridges(ctx, names, err);
  if (r < 0)
    return r;
  return hutch_net_sync_nft(ctx, err);
}
