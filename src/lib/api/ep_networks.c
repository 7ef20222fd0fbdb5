/* /networks/…: list, create, inspect, delete, connect, disconnect over
 * the networking library (engine/net/net.h) and the engine's attach
 * (engine/netsetup.h). Only the bridge driver exists. */
#include "api_int.h"

#include "engine/netrecord.h"
#include "engine/netsetup.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct hutch_engine *net_engine(struct api_req *r, struct hutch_engine_netctx *nc,
                                       struct hutch_error **err) {
  struct hutch_engine *e = api_engine(r, err);
  if (e)
    hutch_engine_net_ctx(e, nc);
  return e;
}

static const char *const net_filter_keys[] = {"driver", "id",   "label", "name",
                                              "scope",  "type", NULL};

/* docker's network filters: name and id parts, labels, driver bridge,
 * scope local, type builtin (the default network) or custom. */
static bool net_match(const struct hutch_api_filters *f, json_t *net) {
  const char *name = json_string_value(json_object_get(net, "Name"));
  const char *type = strcmp(name, HUTCH_NET_DEFAULT_NAME) == 0 ? "builtin" : "custom";
  return hutch_api_filter_any(hutch_api_filters_get(f, "name"), name, HUTCH_API_PART) &&
         hutch_api_filter_any(hutch_api_filters_get(f, "id"),
                              json_string_value(json_object_get(net, "Id")), HUTCH_API_PREFIX) &&
         hutch_api_labels_match(hutch_api_filters_get(f, "label"),
                                json_object_get(net, "Labels")) &&
         hutch_api_filter_any(hutch_api_filters_get(f, "driver"), "bridge", HUTCH_API_EXACT) &&
         hutch_api_filter_any(hutch_api_filters_get(f, "scope"), "local", HUTCH_API_EXACT) &&
         hutch_api_filter_any(hutch_api_filters_get(f, "type"), type, HUTCH_API_EXACT);
}

static enum MHD_Result net_list(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine_netctx nc;
  struct hutch_api_filters f = {0};
  struct hutch_engine *e = net_engine(r, &nc, &err);
  _cleanup_network_ struct hutch_network *def = NULL;
  struct hutch_network **v = NULL;
  size_t n = 0;
  if (!e || hutch_api_filters_parse(api_query(r, "filters"), &f, &err) < 0 ||
      hutch_api_filters_known(&f, net_filter_keys, &err) < 0 ||
      hutch_engine_net_default(e, &def, &err) < 0 ||
      hutch_network_list(&nc.ctx, &v, &n, &err) < 0) {
    hutch_api_filters_clear(&f);
    return api_error(r, err);
  }
  json_t *out = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *j = hutch_network_inspect(&nc.ctx, v[i], NULL);
    if (j && net_match(&f, j))
      json_array_append(out, j);
    json_decref(j);
  }
  hutch_network_list_free(v, n);
  hutch_api_filters_clear(&f);
  return api_json(r, 200, out);
}

static enum MHD_Result net_inspect(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine_netctx nc;
  struct hutch_engine *e = net_engine(r, &nc, &err);
  _cleanup_network_ struct hutch_network *n = NULL;
  if (!e || hutch_network_load(&nc.ctx, r->params[0], &n, &err) < 0)
    return api_error(r, err);
  json_t *j = hutch_network_inspect(&nc.ctx, n, &err);
  return j ? api_json(r, 200, j) : api_error(r, err);
}

/* The driver options of a create body: the bridge's name and mtu; others
 * are refused rather than ignored. */
static int api_net_options(json_t *opts, struct hutch_network_opts *no, struct hutch_error **err) {
  json_t *o;
  if (api_string_map(opts, "Options", &o, err) < 0)
    return -EINVAL;
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    const char *s = json_string_value(v);
    int64_t mtu;
    if (strcmp(k, "com.docker.network.bridge.name") == 0)
      no->bridge = s;
    else if (strcmp(k, "com.docker.network.driver.mtu") == 0 &&
             hutch_parse_int64(s, 68, 65535, &mtu) == 0)
      no->mtu = (unsigned)mtu;
    else
      return hutch_error_say(err, EINVAL, "network option %s=%s is not supported", k, s);
  }
  return 0;
}

static enum MHD_Result net_create(struct api_req *r) {
  struct hutch_error *err = NULL;
  _cleanup_json_ json_t *body = api_body_json(r, &err);
  if (!body)
    return api_error(r, err);
  const char *name = json_string_value(json_object_get(body, "Name"));
  const char *driver = json_string_value(json_object_get(body, "Driver"));
  if (!name || !*name)
    return api_fail(r, 400, "network name is required");
  if (driver && *driver && strcmp(driver, "bridge") != 0)
    return api_fail(r, 400, "only the bridge driver exists");
  if (strcmp(name, "bridge") == 0 || strcmp(name, "host") == 0 || strcmp(name, "none") == 0)
    return api_fail(r, 403, "%s is a pre-defined network and cannot be created", name);
  json_t *cfg = json_array_get(json_object_get(json_object_get(body, "IPAM"), "Config"), 0);
  struct hutch_network_opts no = {
      .subnet = json_string_value(json_object_get(cfg, "Subnet")),
      .gateway = json_string_value(json_object_get(cfg, "Gateway")),
      .internal = json_is_true(json_object_get(body, "Internal")),
  };
  if (api_net_options(json_object_get(body, "Options"), &no, &err) < 0 ||
      api_string_map(json_object_get(body, "Labels"), "Labels", &no.labels, &err) < 0)
    return api_error(r, err);
  struct hutch_engine_netctx nc;
  struct hutch_engine *e = net_engine(r, &nc, &err);
  _cleanup_network_ struct hutch_network *net = NULL;
  if (!e || hutch_network_create(&nc.ctx, name, &no, &net, &err) < 0)
    return api_error(r, err);
  return api_json(r, 201, json_pack("{s:s,s:s}", "Id", net->id, "Warning", ""));
}

static enum MHD_Result net_delete(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine_netctx nc;
  struct hutch_engine *e = net_engine(r, &nc, &err);
  if (!e || hutch_engine_network_remove(e, r->params[0], &err) < 0)
    return api_error(r, err);
  return api_empty(r, 204);
}

static enum MHD_Result connect_or_not(struct api_req *r, bool connect) {
  struct hutch_error *err = NULL;
  _cleanup_json_ json_t *body = api_body_json(r, &err);
  const char *ref = body ? json_string_value(json_object_get(body, "Container")) : NULL;
  if (body && !ref)
    return api_fail(r, 400, "Container is required");
  struct hutch_engine *e = body ? api_engine(r, &err) : NULL;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (!e || hutch_ctr_open(e, ref, true, &c, &err) < 0)
    return api_error(r, err);
  json_t *ep = json_object_get(body, "EndpointConfig");
  _cleanup_strv_ char **aliases = NULL;
  size_t i;
  json_t *a;
  json_array_foreach(json_object_get(ep, "Aliases"), i, a) {
    if (json_is_string(a))
      hutch_strv_push(&aliases, json_string_value(a));
  }
  const char *ip =
      json_string_value(json_object_get(json_object_get(ep, "IPAMConfig"), "IPv4Address"));
  int rc = connect
               ? hutch_engine_net_connect(e, c, r->params[0], ip && *ip ? ip : NULL, aliases, &err)
               : hutch_engine_net_disconnect(e, c, r->params[0],
                                             json_is_true(json_object_get(body, "Force")), &err);
  return rc < 0 ? api_error(r, err) : api_empty(r, 200);
}

static enum MHD_Result net_connect(struct api_req *r) {
  return connect_or_not(r, true);
}

static enum MHD_Result net_disconnect(struct api_req *r) {
  return connect_or_not(r, false);
}

const struct api_route hutch_api_network_routes[] = {
    {"GET", "/networks", net_list},
    {"POST", "/networks/create", net_create},
    {"GET", "/networks/{}", net_inspect},
    {"DELETE", "/networks/{}", net_delete},
    {"POST", "/networks/{}/connect", net_connect},
    {"POST", "/networks/{}/disconnect", net_disconnect},
    {NULL, NULL, NULL},
};
