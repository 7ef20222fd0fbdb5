/* What inspect, port and ps show of a container's network: docker's
 * NetworkSettings from the record and the current attachments, the
 * published ports of a running container, and ps's PORTS column. */
#include "netsetup.h"

#include "engine.h"
#include "util/cleanup.h"
#include "util/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    for (size_t p = 0; a && p < a->n_ports; p++) {
      char key[16], ip[HUTCH_IPV4_STRLEN], port[8];
      hutch_port_key(&a->ports[p], key);
      snprintf(port, sizeof(port), "%u", a->ports[p].host_port);
      json_t *l = json_object_get(ports, key);
      if (!json_is_array(l)) {
        l = json_array();
        json_object_set_new(ports, key, l);
      }
      json_array_append_new(l, json_pack("{s:s, s:s}", "HostIp",
                                         hutch_ipv4_format(a->ports[p].host_ip, ip), "HostPort",
                                         port));
    }
  }
  for (size_t j = 0; j < n_atts; j++)
    hutch_net_attachment_clear(&atts[j]);
  free(atts);
  return ns;
}

int hutch_engine_net_ports(struct hutch_engine *e, const char *id, struct hutch_port_mapping **out,
                           size_t *n, struct hutch_error **err) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  struct hutch_net_attachment *atts = NULL;
  size_t n_atts = 0;
  *out = NULL;
  *n = 0;
  if (hutch_net_attachments(&nc.ctx, id, &atts, &n_atts, err) < 0)
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
  if (hutch_ctr_running(c) && hutch_engine_net_ports(e, c->id, &ports, &n, NULL) < 0)
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
