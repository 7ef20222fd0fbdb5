/* /volumes/…: list, create, inspect, delete over the engine's volumes. */
#include "api_int.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <stdlib.h>

static enum MHD_Result vol_list(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  _cleanup_strv_ char **names = NULL;
  if (!e || hutch_volume_list(e, &names, &err) < 0)
    return api_error(r, err);
  json_t *vols = json_array();
  for (char **n = names; n && *n; n++) {
    json_t *v = hutch_volume_inspect(e, *n, NULL);
    if (v)
      json_array_append_new(vols, v);
  }
  return api_json(r, 200, json_pack("{s:o,s:[]}", "Volumes", vols, "Warnings"));
}

static enum MHD_Result vol_create(struct api_req *r) {
  struct hutch_error *err = NULL;
  _cleanup_json_ json_t *body = api_body_json(r, &err);
  const char *name = body ? json_string_value(json_object_get(body, "Name")) : NULL;
  struct hutch_engine *e = body ? api_engine(r, &err) : NULL;
  _cleanup_free_ char *made = NULL, *mp = NULL;
  if (!e ||
      hutch_volume_create(e, name && *name ? name : NULL, !(name && *name), &made, &mp, &err) < 0)
    return api_error(r, err);
  json_t *v = hutch_volume_inspect(e, made, &err);
  return v ? api_json(r, 201, v) : api_error(r, err);
}

static enum MHD_Result vol_inspect(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  json_t *v = e ? hutch_volume_inspect(e, r->params[0], &err) : NULL;
  return v ? api_json(r, 200, v) : api_error(r, err);
}

static enum MHD_Result vol_delete(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  if (!e || hutch_volume_remove(e, r->params[0], api_query_bool(r, "force"), &err) < 0)
    return api_error(r, err);
  return api_empty(r, 204);
}

const struct api_route hutch_api_volume_routes[] = {
    {"GET", "/volumes", vol_list},
    {"POST", "/volumes/create", vol_create},
    {"GET", "/volumes/{}", vol_inspect},
    {"DELETE", "/volumes/{}", vol_delete},
    {NULL, NULL, NULL},
};
