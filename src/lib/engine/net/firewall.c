/* The nft table brought in line with the attachment records: every
 * network in use (its bridge and subnet) and every published port. */
#include "netpriv.h"

#include "nft.h"

#include "util/cleanup.h"
#include "util/json.h"
#include "util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int hutch_net_sync_nft(const struct hutch_net_ctx *ctx, struct hutch_error **err) {
  const char *table = hutch_net_table(ctx);
  if (!hutch_nft_table_name_ok(table))
    return hutch_error_set(err, EINVAL, "nftables table name \"%s\" is not valid", table);
  _cleanup_json_ json_t *all = NULL;
  int r = hutch_net_attachments_all(ctx, &all, err);
  if (r < 0)
    return r;
  /* Collect the active networks (each once) and every published port. */
  struct hutch_network **nets = NULL;
  struct hutch_nft_network *nn = NULL;
  struct hutch_nft_port *ports = NULL;
  char *rules = NULL;
  size_t n_nets = 0, n_ports = 0;
  int ret = 0;
  size_t i;
  json_t *rec, *ep;
  size_t k;
  hutch_net_foreach_endpoint(all, i, rec, k, ep) {
    const char *name = json_string_value(json_object_get(ep, "network"));
    uint32_t cip;
    if (name == NULL || hutch_ipv4_parse(json_string_value(json_object_get(ep, "ip")), &cip) < 0)
      continue;
    bool seen = false;
    for (size_t m = 0; m < n_nets && !seen; m++)
      seen = strcmp(nets[m]->name, name) == 0;
    if (!seen) {
      struct hutch_network *net = NULL;
      struct hutch_error *e = NULL;
      if (hutch_net_network_read(ctx, name, &net, &e) < 0) {
        hutch_debug("attachment of %s names unknown network %s, ignoring",
                    json_string_value(json_object_get(rec, "id")), name);
        hutch_error_free(e);
        continue;
      }
      struct hutch_network **nv = realloc(nets, (n_nets + 1) * sizeof(*nets));
      if (nv == NULL) {
        hutch_network_free(net);
        ret = hutch_error_set(err, ENOMEM, "nftables rules");
        goto out;
      }
      nets = nv;
      nets[n_nets++] = net;
    }
    size_t j;
    json_t *jp;
    json_array_foreach(json_object_get(ep, "ports"), j, jp) {
      struct hutch_port_mapping pm;
      if (hutch_net_record_port(jp, &pm) < 0)
        continue;
      struct hutch_nft_port *pv = realloc(ports, (n_ports + 1) * sizeof(*ports));
      if (pv == NULL) {
        ret = hutch_error_set(err, ENOMEM, "nftables rules");
        goto out;
      }
      ports = pv;
      ports[n_ports++] =
          (struct hutch_nft_port){pm.host_ip, pm.host_port, cip, pm.container_port, pm.proto};
    }
  }
  if (n_nets == 0) {
    /* Nothing to remove when the table is already gone. */
    r = hutch_nft_table_exists(table, err);
    if (r <= 0) {
      ret = r;
      goto out;
    }
  }
  nn = calloc(n_nets ? n_nets : 1, sizeof(*nn));
  if (nn == NULL) {
    ret = hutch_error_set(err, ENOMEM, "nftables rules");
    goto out;
  }
  for (size_t m = 0; m < n_nets; m++)
    nn[m] = (struct hutch_nft_network){nets[m]->bridge, nets[m]->subnet, nets[m]->internal};
  rules = hutch_nft_render(table, nn, n_nets, ports, n_ports);
  if (rules == NULL) {
    ret = hutch_error_set(err, ENOMEM, "nftables rules");
    goto out;
  }
  hutch_debug("nft: table ip %s: %zu network(s), %zu published port(s)", table, n_nets, n_ports);
  ret = hutch_nft_apply(rules, false, err);
out:
  hutch_network_list_free(nets, n_nets);
  free(rules);
  free(nn);
  free(ports);
  return ret;
}
