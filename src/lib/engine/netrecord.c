/* The container's network as create settles it and its record keeps it:
 * the engine's context for the networking library (and the default
 * network), the plan of `create` (mode, netns path, hostname, published
 * ports, the /etc files via netetc.c) and how it goes into the container
 * record (HostConfig, Config.ExposedPorts, Hutch.Net, Hutch.NetNS); and the
 * helpers with which start, connect and inspect read Hutch.Net back. */
#include "netrecord.h"

#include "engine.h"
#include "linux/rootless.h"
#include "net/pasta.h"
#include "net/slirp.h"
#include "net/usernet.h"
#include "netetc.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the library's context ---- */

void hutch_engine_net_ctx(struct hutch_engine *e, struct hutch_engine_netctx *out) {
  memset(out, 0, sizeof(*out));
  snprintf(out->state_dir, sizeof(out->state_dir), "%s/networks", e->root);
  out->ctx.state_dir = out->state_dir;
  const char *t = getenv("HUTCH_NET_TABLE");
  out->ctx.nft_table = t && *t ? t : NULL;
}

int hutch_engine_net_default(struct hutch_engine *e, struct hutch_network **out,
                             struct hutch_error **err) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  const char *br = getenv("HUTCH_NET_DEFAULT_BRIDGE"), *sub = getenv("HUTCH_NET_DEFAULT_SUBNET");
  if ((br && *br) || (sub && *sub)) {
    struct hutch_network_opts no = {.bridge = br && *br ? br : NULL,
                                    .subnet = sub && *sub ? sub : NULL};
    struct hutch_error *ce = NULL;
    /* -EEXIST: made already (maybe by a concurrent hutch), load it below */
    if (hutch_network_create(&nc.ctx, HUTCH_NET_DEFAULT_NAME, &no, out, &ce) == 0) {
      hutch_error_free(ce);
      return 0;
    }
    int code = hutch_error_code(ce);
    if (code != -EEXIST) {
      if (err)
        *err = ce;
      else
        hutch_error_free(ce);
      return -1;
    }
    hutch_error_free(ce);
  }
  return hutch_network_ensure_default(&nc.ctx, out, err);
}

/* ---- create ---- */

void hutch_engine_net_plan_clear(struct hutch_engine_net_plan *p) {
  free(p->network_mode);
  free(p->netns_path);
  free(p->hostname);
  free(p->hostname_path);
  free(p->hosts_path);
  free(p->resolv_path);
  if (p->net)
    json_decref(p->net);
  if (p->port_bindings)
    json_decref(p->port_bindings);
  if (p->exposed)
    json_decref(p->exposed);
  memset(p, 0, sizeof(*p));
}

json_t *hutch_engine_net_strv_json(char *const *v) {
  json_t *a = json_array();
  for (; a && v && *v; v++)
    json_array_append_new(a, json_string(*v));
  return a;
}

char *hutch_engine_net_join(const char *dir, const char *name) {
  char *p = NULL;
  if (asprintf(&p, "%s/%s", dir, name) < 0)
    return NULL;
  return p;
}

json_t *hutch_engine_net_ports_json(const struct hutch_port_mapping *p, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++) {
    char ip[HUTCH_IPV4_STRLEN];
    json_array_append_new(a, json_pack("{s:s, s:i, s:i, s:s}", "host_ip",
                                       hutch_ipv4_format(p[i].host_ip, ip), "host_port",
                                       p[i].host_port, "container_port", p[i].container_port,
                                       "proto", p[i].proto == IPPROTO_UDP ? "udp" : "tcp"));
  }
  return a;
}

char *hutch_engine_net_ports_file(const char *netns_dir, const char *id) {
  char *p = NULL;
  return asprintf(&p, "%s/%s.ports", netns_dir, id) < 0 ? NULL : p;
}

int hutch_engine_net_ports_from_json(json_t *a, struct hutch_port_mapping **out, size_t *n) {
  *out = calloc(json_array_size(a) + 1, sizeof(**out));
  *n = 0;
  if (*out == NULL)
    return -ENOMEM;
  size_t i;
  json_t *p;
  json_array_foreach(a, i, p) {
    struct hutch_port_mapping *m = &(*out)[(*n)++];
    if (hutch_ipv4_parse(json_string_value(json_object_get(p, "host_ip")) ?: "0.0.0.0",
                         &m->host_ip) < 0)
      m->host_ip = 0;
    m->host_port = (uint16_t)json_integer_value(json_object_get(p, "host_port"));
    m->container_port = (uint16_t)json_integer_value(json_object_get(p, "container_port"));
    const char *proto = json_string_value(json_object_get(p, "proto"));
    m->proto = proto && strcmp(proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
  }
  return 0;
}

/* docker's PortBindings: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} */
static json_t *port_bindings_json(const struct hutch_port_mapping *p, size_t n) {
  json_t *o = json_object();
  for (size_t i = 0; o && i < n; i++) {
    char key[16], ip[HUTCH_IPV4_STRLEN], port[8] = "";
    hutch_port_key(&p[i], key);
    if (p[i].host_port)
      snprintf(port, sizeof(port), "%u", p[i].host_port);
    json_t *l = json_object_get(o, key);
    if (l == NULL) {
      l = json_array();
      json_object_set_new(o, key, l);
    }
    json_array_append_new(l, json_pack("{s:s, s:s}", "HostIp",
                                       p[i].host_ip ? hutch_ipv4_format(p[i].host_ip, ip) : "",
                                       "HostPort", port));
  }
  return o;
}

/* --network container:REF: the other container's namespace and files. */
static int prepare_container_mode(struct hutch_engine *e, const char *ref,
                                  struct hutch_engine_net_plan *p, struct hutch_error **err) {
  _cleanup_ctr_ struct hutch_ctr *other = NULL;
  if (hutch_ctr_open(e, ref, false, &other, err) < 0)
    return -1;
  if (!hutch_ctr_running(other))
    return hutch_error_set(err, EINVAL, "cannot join network of a non running container: %s", ref);
  json_t *on = json_object_get(json_object_get(other->rec, "Hutch"), "Net");
  const char *omode = json_string_value(json_object_get(on, "mode"));
  if (omode && strcmp(omode, "container") == 0)
    return hutch_error_set(err, EINVAL,
                           "container %s shares the network of another container itself", ref);
  const char *ns = other->cfg.netns;
  if (*ns && !(p->netns_path = strdup(ns)))
    return hutch_error_set(err, ENOMEM, "netns");
  const char *paths[] = {other->cfg.hostname_path, other->cfg.hosts_path,
                         other->cfg.resolv_conf_path};
  char **dst[] = {&p->hostname_path, &p->hosts_path, &p->resolv_path};
  for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
    if (*paths[i])
      *dst[i] = strdup(paths[i]);
  p->hostname = strdup(other->cfg.hostname);
  if (asprintf(&p->network_mode, "container:%s", other->id) < 0)
    p->network_mode = NULL;
  json_object_set_new(p->net, "container", json_string(other->id));
  if (!p->hostname || !p->network_mode)
    return hutch_error_set(err, ENOMEM, "network");
  return 0;
}

bool hutch_engine_net_is_usernet(const char *mode) {
  return mode && (strcmp(mode, HUTCH_PASTA_MODE) == 0 || strcmp(mode, HUTCH_SLIRP_MODE) == 0);
}

/* Rootless, there is no bridge: the default network is user-mode, pasta
 * when it is installed, else slirp4netns; --network pasta|slirp4netns
 * (podman's names) choose. *out is NULL for every other mode. */
static int usernet_mode(enum hutch_netmode mode, const char *arg, const struct hutch_run_opts *o,
                        const char **out, struct hutch_error **err) {
  *out = NULL;
  bool named = mode == HUTCH_NETMODE_USER && hutch_engine_net_is_usernet(arg);
  if (named && !hutch_rootless())
    return hutch_error_say(err, EINVAL,
                           "--network %s: a rootless network mode (hutch runs as root: use the "
                           "default bridge network or a user-defined one)",
                           arg);
  if (named)
    *out = strcmp(arg, HUTCH_PASTA_MODE) == 0 ? HUTCH_PASTA_MODE : HUTCH_SLIRP_MODE;
  else if (mode == HUTCH_NETMODE_BRIDGE && hutch_rootless())
    *out = hutch_usernet_in_path("pasta") ? HUTCH_PASTA_MODE : HUTCH_SLIRP_MODE;
  if (*out == NULL)
    return 0;
  if (o->ip || o->net_aliases)
    return hutch_error_say(err, EINVAL, "--ip and --network-alias: not with the %s network", *out);
  hutch_debug("rootless network: %s%s", *out,
              named                                 ? " (--network)"
              : strcmp(*out, HUTCH_PASTA_MODE) == 0 ? " (pasta found in PATH)"
                                                    : " (no pasta in PATH)");
  return 0;
}

int hutch_engine_net_prepare(struct hutch_engine *e, const struct hutch_run_opts *o, const char *id,
                             const char *name, const char *ctr_dir, char *const *exposed,
                             struct hutch_engine_net_plan *out, struct hutch_error **err) {
  memset(out, 0, sizeof(*out));
  if (hutch_engine_net_validate(o, err) < 0)
    return -1;
  struct hutch_engine_net_plan p = {0};
  _cleanup_free_ char *arg = NULL;
  _cleanup_free_ struct hutch_port_mapping *ports = NULL;
  size_t n_ports = 0;
  hutch_netmode_parse(o->network, &p.mode, &arg, NULL);
  static const char *const mode_names[] = {"bridge", "none", "host", "container", "user"};
  p.net = json_pack(
      "{s:s, s:[], s:s, s:o, s:o, s:o, s:o}", "mode", mode_names[p.mode], "networks", "name",
      name ? name : "", "extra_hosts", hutch_engine_net_strv_json(o->add_hosts), "dns",
      hutch_engine_net_strv_json(o->dns), "dns_search", hutch_engine_net_strv_json(o->dns_search),
      "dns_options", hutch_engine_net_strv_json(o->dns_options));
  p.exposed = json_object();
  if (p.net == NULL || p.exposed == NULL) {
    hutch_error_set(err, ENOMEM, "network");
    goto fail;
  }

  if (p.mode == HUTCH_NETMODE_CONTAINER) {
    if (prepare_container_mode(e, arg, &p, err) < 0)
      goto fail;
    json_object_set_new(p.net, "hostname", json_string(p.hostname));
    json_object_set_new(p.net, "ports", json_array());
    p.port_bindings = json_object();
    *out = p;
    return 0;
  }

  const char *usernet = NULL;
  if (usernet_mode(p.mode, arg, o, &usernet, err) < 0)
    goto fail;
  if (usernet) {
    free(arg);
    arg = strdup(usernet);
    json_object_set_new(p.net, "mode", json_string(usernet));
  } else if (p.mode == HUTCH_NETMODE_USER) {
    /* fail at create, as docker does, not at the first start */
    struct hutch_engine_netctx nc;
    hutch_engine_net_ctx(e, &nc);
    _cleanup_network_ struct hutch_network *net = NULL;
    if (hutch_network_load(&nc.ctx, arg, &net, err) < 0)
      goto fail;
    free(arg);
    arg = strdup(net->name);
  }
  if (!usernet && (p.mode == HUTCH_NETMODE_BRIDGE || p.mode == HUTCH_NETMODE_USER)) {
    json_t *nw =
        json_pack("{s:s, s:o, s:o}", "name", arg, "ip", o->ip ? json_string(o->ip) : json_null(),
                  "aliases", hutch_engine_net_strv_json(o->net_aliases));
    json_array_append_new(json_object_get(p.net, "networks"), nw);
  }
  p.network_mode = strdup(p.mode == HUTCH_NETMODE_NONE   ? "none"
                          : p.mode == HUTCH_NETMODE_HOST ? "host"
                                                         : arg);
  if (p.mode != HUTCH_NETMODE_HOST)
    p.netns_path = hutch_engine_net_join(e->netns_dir, id);

  /* hostname: -h, the host's with --network host, else the short id */
  char host_hn[256] = "";
  gethostname(host_hn, sizeof(host_hn) - 1);
  if (o->hostname)
    p.hostname = strdup(o->hostname);
  else if (p.mode == HUTCH_NETMODE_HOST)
    p.hostname = strdup(host_hn);
  else
    p.hostname = strndup(id, 12);
  json_object_set_new(p.net, "hostname", json_string(p.hostname ? p.hostname : ""));

  /* ports: -p, then -P for every exposed port (the image's and --expose) */
  for (char **s = o->publish; s && *s; s++)
    if (hutch_publish_parse(*s, &ports, &n_ports, err) < 0)
      goto fail;
  for (char **x = o->expose; x && *x; x++) {
    char key[24];
    uint16_t f, l;
    int proto;
    if (hutch_expose_parse(*x, &f, &l, &proto, err) < 0)
      goto fail;
    for (unsigned k = f; k <= l; k++) {
      snprintf(key, sizeof(key), "%u/%s", k, proto == IPPROTO_UDP ? "udp" : "tcp");
      json_object_set_new(p.exposed, key, json_object());
    }
  }
  if (o->publish_all) {
    if (hutch_publish_all(exposed, &ports, &n_ports, err) < 0)
      goto fail;
    _cleanup_strv_ char **keys = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(p.exposed, k, v) hutch_strv_push(&keys, k);
    if (hutch_publish_all(keys, &ports, &n_ports, err) < 0)
      goto fail;
  }
  json_object_set_new(p.net, "ports", hutch_engine_net_ports_json(ports, n_ports));
  p.port_bindings = port_bindings_json(ports, n_ports);

  /* the /etc files */
  p.hostname_path = hutch_engine_net_join(ctr_dir, "hostname");
  p.hosts_path = hutch_engine_net_join(ctr_dir, "hosts");
  p.resolv_path = hutch_engine_net_join(ctr_dir, "resolv.conf");
  if (!p.network_mode || !p.hostname || !p.hostname_path || !p.hosts_path || !p.resolv_path ||
      (p.mode != HUTCH_NETMODE_HOST && !p.netns_path)) {
    hutch_error_set(err, ENOMEM, "network");
    goto fail;
  }
  if (hutch_engine_net_write_etc(&p, o, name, err) < 0)
    goto fail;
  *out = p;
  return 0;
fail:
  hutch_engine_net_plan_clear(&p);
  return -1;
}

void hutch_engine_net_record(const struct hutch_engine_net_plan *p, json_t *rec) {
  json_t *hc = json_object_get(rec, "HostConfig"), *cfg = json_object_get(rec, "Config");
  json_t *h = json_object_get(rec, "Hutch"), *n = p->net;
  json_object_set_new(hc, "NetworkMode", json_string(p->network_mode));
  json_object_set(hc, "PortBindings", p->port_bindings ? p->port_bindings : json_object());
  json_object_set(hc, "Dns", json_object_get(n, "dns"));
  json_object_set(hc, "DnsSearch", json_object_get(n, "dns_search"));
  json_object_set(hc, "DnsOptions", json_object_get(n, "dns_options"));
  json_object_set(hc, "ExtraHosts", json_object_get(n, "extra_hosts"));
  bool all = false;
  size_t i;
  json_t *pj;
  json_array_foreach(json_object_get(n, "ports"), i,
                     pj) if (json_integer_value(json_object_get(pj, "host_port")) == 0) all = true;
  json_object_set_new(hc, "PublishAllPorts", json_boolean(all));
  json_t *ep = json_object_get(cfg, "ExposedPorts");
  if (!json_is_object(ep)) {
    ep = json_object();
    json_object_set_new(cfg, "ExposedPorts", ep);
  }
  if (p->exposed)
    json_object_update(ep, p->exposed);
  json_object_set_new(cfg, "Hostname", json_string(p->hostname ? p->hostname : ""));
  json_object_set_new(rec, "HostnamePath", json_string(p->hostname_path ? p->hostname_path : ""));
  json_object_set_new(rec, "HostsPath", json_string(p->hosts_path ? p->hosts_path : ""));
  json_object_set_new(rec, "ResolvConfPath", json_string(p->resolv_path ? p->resolv_path : ""));
  json_object_set(h, "Net", n);
  json_object_set_new(
      h, "NetNS",
      json_string(p->netns_path && p->mode != HUTCH_NETMODE_CONTAINER ? p->netns_path : ""));
}

/* ---- reading Hutch.Net back ---- */

json_t *hutch_engine_net_of(struct hutch_ctr *c) {
  return json_object_get(json_object_get(c->rec, "Hutch"), "Net");
}

bool hutch_engine_net_owns_netns(json_t *net) {
  const char *m = json_string_value(json_object_get(net, "mode"));
  return m == NULL || strcmp(m, "bridge") == 0 || strcmp(m, "none") == 0 || strcmp(m, "user") == 0;
}

const char *hutch_engine_net_name_at(json_t *net, size_t i) {
  json_t *nw = json_array_get(json_object_get(net, "networks"), i);
  return nw ? json_string_value(json_object_get(nw, "name")) ?: "" : NULL;
}
