/* What inspect, port and ps show of a container's network: docker's
 * NetworkSettings from the record and the current attachments, the
 * published ports of a running container, and ps's PORTS column. */
#include "netsetup.h"

#include "engine.h"
#include "linux/rootless.h"
#include "util/cleanup.h"
#include "util/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A rootless user-mode network's ports: the record's, which its helper
 * published at start (NULL for the other modes). */
/* A rootless container on pasta or slirp4netns: the ports its helper
 * publishes (a new reference), those start chose host ports for if there
 * are any, else the record's; NULL for any other network. */
static json_t *usernet_ports(struct hutch_engine *e, struct hutch_ctr *c) {
  json_t *net = hutch_engine_net_of(c);
  if (!hutch_engine_net_is_usernet(json_string_value(json_object_get(net, "mode"))))
    return NULL;
  _cleanup_free_ char *path = hutch_engine_net_ports_file(e->netns_dir, c->id);
  json_t *chosen = path ? json_load_file(path, 0, NULL) : NULL;
  if (json_is_array(chosen))
    return chosen;
  json_decref(chosen);
  return json_incref(json_object_get(net, "ports"));
}

/* docker's Ports: {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]} */
static void add_port(json_t *ports, const struct hutch_port_mapping *m) {
  char key[16], ip[HUTCH_IPV4_STRLEN], port[8];
  hutch_port_key(m, key);
  snprintf(port, sizeof(port), "%u", m->host_port);
  json_t *l = json_object_get(ports, key);
  if (!json_is_array(l)) {
    l = json_array();
    json_object_set_new(ports, key, l);
  }
  json_array_append_new(
      l, json_pack("{s:s, s:s}", "HostIp", hutch_ipv4_format(m->host_ip, ip), "HostPort", port));
}

/* A running rootless container on pasta or slirp4netns: the address its
 * helper gave and the ports it publishes (as root mode's bridge shows). */
static void usernet_inspect(json_t *up, json_t *ns) {
  _cleanup_free_ struct hutch_port_mapping *m = NULL;
  size_t n = 0;
  if (hutch_engine_net_ports_from_json(up, &m, &n) < 0)
    n = 0;
  for (size_t i = 0; i < n; i++)
    add_port(json_object_get(ns, "Ports"), &m[i]);
  json_object_set_new(ns, "IPAddress", json_string("10.0.2.100"));
  json_object_set_new(ns, "Gateway", json_string("10.0.2.2"));
  json_object_set_new(ns, "IPPrefixLen", json_integer(24));
}

json_t *hutch_engine_net_inspect(struct hutch_engine *e, struct hutch_ctr *c) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  json_t *net = hutch_engine_net_of(c);
  struct hutch_net_attachment *atts = NULL;
  size_t n_atts = 0;
  struct hutch_error *err = NULL;
  if (hutch_net_attachments(&nc.ctx, c->id, &atts, &n_atts, &err) < 0) {
    hutch_error_free(err);
    n_atts = 0;
  }
  const char *netns = c->cfg.netns;
  json_t *ports = json_object(), *networks = json_object();
  /* every exposed port, null unless published (docker's shape) */
  const char *k;
  json_t *v;
  json_object_foreach(c->cfg.exposed_ports, k, v) json_object_set_new(ports, k, json_null());
  json_t *ns = json_pack("{s:s, s:s, s:b, s:s, s:o, s:s, s:s, s:i, s:s}", "Bridge", "", "SandboxID",
                         "", "HairpinMode", 0, "SandboxKey", netns ? netns : "", "Ports", ports,
                         "Gateway", "", "IPAddress", "", "IPPrefixLen", 0, "MacAddress", "");
  json_object_set_new(ns, "Networks", networks);
  const char *mode = c->cfg.network_mode;
  if (mode && (strcmp(mode, "none") == 0 || strcmp(mode, "host") == 0))
    json_object_set_new(networks, mode,
                        json_pack("{s:n, s:s, s:s, s:s, s:i, s:s}", "Aliases", "NetworkID", "",
                                  "Gateway", "", "IPAddress", "", "IPPrefixLen", 0, "MacAddress",
                                  ""));
  size_t i;
  json_t *nw;
  json_array_foreach(json_object_get(net, "networks"), i, nw) {
    const char *name = json_string_value(json_object_get(nw, "name"));
    if (name == NULL)
      continue;
    const struct hutch_net_attachment *a = NULL;
    for (size_t j = 0; j < n_atts; j++)
      if (strcmp(atts[j].network, name) == 0)
        a = &atts[j];
    _cleanup_network_ struct hutch_network *nobj = NULL;
    struct hutch_error *le = NULL;
    hutch_network_load(&nc.ctx, name, &nobj, &le);
    hutch_error_free(le);
    json_t *aliases = json_object_get(nw, "aliases");
    json_t *ep = json_pack("{s:O, s:s, s:s, s:s, s:s, s:i, s:s}", "Aliases",
                           json_array_size(aliases) ? aliases : json_null(), "NetworkID",
                           nobj ? nobj->id : "", "EndpointID", a ? a->host_ifname : "", "Gateway",
                           a ? a->gateway : "", "IPAddress", a ? a->ip : "", "IPPrefixLen",
                           a ? (int)a->prefixlen : 0, "MacAddress", a ? a->mac : "");
    json_object_set_new(networks, name, ep);
    if (a && strcmp(name, HUTCH_NET_DEFAULT_NAME) == 0) {
      json_object_set_new(ns, "IPAddress", json_string(a->ip));
      json_object_set_new(ns, "Gateway", json_string(a->gateway));
      json_object_set_new(ns, "MacAddress", json_string(a->mac));
      json_object_set_new(ns, "IPPrefixLen", json_integer(a->prefixlen));
    }
    for (size_t p = 0; a && p < a->n_ports; p++)
      add_port(ports, &a->ports[p]);
  }
  for (size_t j = 0; j < n_atts; j++)
    hutch_net_attachment_clear(&atts[j]);
  free(atts);
  _cleanup_json_ json_t *up = usernet_ports(e, c);
  if (up && hutch_ctr_running(c))
    usernet_inspect(up, ns);
  return ns;
}

int hutch_engine_net_ports(struct hutch_engine *e, struct hutch_ctr *c,
                           struct hutch_port_mapping **out, size_t *n, struct hutch_error **err) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  struct hutch_net_attachment *atts = NULL;
  size_t n_atts = 0;
  *out = NULL;
  *n = 0;
  /* a listing's brief record (ps) has no configuration, where a rootless
   * container's ports are */
  _cleanup_ctr_ struct hutch_ctr *full = NULL;
  if (c->rec == NULL && hutch_rootless() && hutch_ctr_open(e, c->id, false, &full, NULL) == 0)
    c = full;
  _cleanup_json_ json_t *up = usernet_ports(e, c);
  if (up && hutch_engine_net_ports_from_json(up, out, n) < 0)
    return hutch_error_set(err, ENOMEM, "ports");
  if (up)
    return 0;
  if (hutch_net_attachments(&nc.ctx, c->id, &atts, &n_atts, err) < 0)
    return -1;
  int ret = 0;
  for (size_t j = 0; j < n_atts; j++) {
    for (size_t p = 0; p < atts[j].n_ports && ret == 0; p++)
      if (hutch_port_mapping_push(out, n, &atts[j].ports[p]) < 0)
        ret = hutch_error_set(err, ENOMEM, "ports");
    hutch_net_attachment_clear(&atts[j]);
  }
  free(atts);
  return ret;
}

char *hutch_engine_net_ports_text(struct hutch_engine *e, struct hutch_ctr *c) {
  _cleanup_free_ struct hutch_port_mapping *ports = NULL;
  size_t n = 0;
  if (hutch_ctr_running(c) && hutch_engine_net_ports(e, c, &ports, &n, NULL) < 0)
    n = 0;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    char key[16], ip[HUTCH_IPV4_STRLEN];
    hutch_port_key(&ports[i], key);
    fprintf(f, "%s%s:%u->%s", i ? ", " : "", hutch_ipv4_format(ports[i].host_ip, ip),
            ports[i].host_port, key);
  }
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}
