/* From the engine's records to docker's list JSON, and the list filters:
 * the record is the model, this is output. */
#include "map.h"

#include "engine/net/ipam.h"
#include "engine/netflags.h"
#include "engine/netsetup.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

static json_t *ports_json(struct hutch_engine *e, struct hutch_ctr *c) {
  json_t *a = json_array();
  struct hutch_port_mapping *p = NULL;
  size_t n = 0;
  if (!hutch_ctr_running(c) || hutch_engine_net_ports(e, c, &p, &n, NULL) < 0)
    return a;
  for (size_t i = 0; i < n; i++) {
    char key[16];
    hutch_port_key(&p[i], key);
    const char *proto = strchr(key, '/');
    char ip[16];
    json_array_append_new(a,
                          json_pack("{s:s,s:i,s:i,s:s}", "IP", hutch_ipv4_format(p[i].host_ip, ip),
                                    "PrivatePort", (int)p[i].container_port, "PublicPort",
                                    (int)p[i].host_port, "Type", proto ? proto + 1 : "tcp"));
  }
  free(p);
  return a;
}

json_t *hutch_api_ctr_summary(struct hutch_engine *e, struct hutch_ctr *c) {
  char status[128], name[300];
  hutch_ctr_status_text(e, c, status, sizeof(status));
  snprintf(name, sizeof(name), "/%s", c->name ? c->name : "");
  json_t *labels = c->cfg.labels ? json_deep_copy(c->cfg.labels) : json_object();
  _cleanup_json_ json_t *net = c->rec ? hutch_engine_net_inspect(e, c) : NULL;
  json_t *nets = json_object_get(net, "Networks");
  return json_pack(
      "{s:s,s:[s],s:s,s:s,s:s,s:I,s:o,s:o,s:s,s:s,s:{s:s},s:{s:O},s:o}", "Id", c->id, "Names", name,
      "Image", c->image_name ? c->image_name : "", "ImageID",
      c->cfg.image_id ? c->cfg.image_id : "", "Command", c->command ? c->command : "", "Created",
      (json_int_t)hutch_time_unix(c->created), "Ports", ports_json(e, c), "Labels", labels, "State",
      hutch_ctr_status(e, c), "Status", status, "HostConfig", "NetworkMode",
      c->cfg.network_mode && *c->cfg.network_mode ? c->cfg.network_mode : "default",
      "NetworkSettings", "Networks", nets ? nets : json_object(), "Mounts", json_array());
}

static bool any_prefix(char **want, const char *s) {
  for (char **w = want; *w; w++)
    if (hutch_str_has_prefix(s, *w))
      return true;
  return false;
}

static bool any_substr(char **want, const char *s) {
  for (char **w = want; *w; w++)
    if (strstr(s, **w == '/' ? *w + 1 : *w))
      return true;
  return false;
}

static bool any_equal(char **want, const char *s) {
  for (char **w = want; *w; w++)
    if (strcmp(*w, s) == 0)
      return true;
  return false;
}

bool hutch_api_ctr_matches(struct hutch_engine *e, struct hutch_ctr *c,
                           const struct hutch_api_filters *f) {
  char **v;
  if ((v = hutch_api_filters_get(f, "id")) && !any_prefix(v, c->id))
    return false;
  if ((v = hutch_api_filters_get(f, "name")) && !any_substr(v, c->name ? c->name : ""))
    return false;
  if ((v = hutch_api_filters_get(f, "status")) && !any_equal(v, hutch_ctr_status(e, c)))
    return false;
  if ((v = hutch_api_filters_get(f, "ancestor")) &&
      !any_equal(v, c->image_name ? c->image_name : ""))
    return false;
  if ((v = hutch_api_filters_get(f, "label")) && !hutch_api_labels_match(v, c->cfg.labels))
    return false;
  return true;
}

json_t *hutch_api_image_summary(const struct hutch_image *img) {
  json_t *tags = json_array(), *digests = json_array();
  for (char **n = img->names; n && *n; n++)
    json_array_append_new(tags, json_string(*n));
  if (img->manifest_digest && img->names && img->names[0]) {
    _cleanup_free_ char *repo = strdup(img->names[0]);
    char *colon = repo ? strrchr(repo, ':') : NULL;
    if (colon && !strchr(colon, '/'))
      *colon = '\0';
    if (repo) {
      _cleanup_free_ char *d = NULL;
      if (asprintf(&d, "%s@%s", repo, img->manifest_digest) >= 0)
        json_array_append_new(digests, json_string(d));
    }
  }
  return json_pack(
      "{s:s,s:s,s:o,s:o,s:I,s:I,s:I,s:I,s:{},s:i}", "Id", img->id, "ParentId", "", "RepoTags", tags,
      "RepoDigests", digests, "Created",
      (json_int_t)(img->created && *img->created ? hutch_time_unix(img->created) : img->added),
      "Size", (json_int_t)img->size, "SharedSize", (json_int_t)-1, "VirtualSize",
      (json_int_t)img->size, "Labels", "Containers", -1);
}
