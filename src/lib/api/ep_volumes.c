/* /volumes/…: list, create, inspect, delete over the engine's volumes. */
#include "api_int.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

static const char *const vol_filter_keys[] = {"name", "label", "driver", "dangling", NULL};

/* docker's volume filters: a part of the name, labels, driver local,
 * dangling (used by no container or not). */
static bool vol_match(struct hutch_engine *e, const struct hutch_api_filters *f, json_t *v) {
  const char *name = json_string_value(json_object_get(v, "Name"));
  if (!hutch_api_filter_any(hutch_api_filters_get(f, "name"), name, HUTCH_API_PART) ||
      !hutch_api_labels_match(hutch_api_filters_get(f, "label"), json_object_get(v, "Labels")) ||
      !hutch_api_filter_any(hutch_api_filters_get(f, "driver"), "local", HUTCH_API_EXACT))
    return false;
  char **dangling = hutch_api_filters_get(f, "dangling");
  if (!dangling)
    return true;
  _cleanup_strv_ char **users = NULL;
  if (hutch_volume_users(e, name, &users, NULL) < 0)
    return false;
  return hutch_api_bool(dangling[0]) == !(users && users[0]);
}

static enum MHD_Result vol_list(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_api_filters f = {0};
  struct hutch_engine *e = api_engine(r, &err);
  _cleanup_strv_ char **names = NULL;
  if (!e || hutch_api_filters_parse(api_query(r, "filters"), &f, &err) < 0 ||
      hutch_api_filters_known(&f, vol_filter_keys, &err) < 0 ||
      hutch_volume_list(e, &names, &err) < 0) {
    hutch_api_filters_clear(&f);
    return api_error(r, err);
  }
  json_t *vols = json_array();
  for (char **n = names; n && *n; n++) {
    json_t *v = hutch_volume_inspect(e, *n, NULL);
    if (v && vol_match(e, &f, v))
      json_array_append(vols, v);
    json_decref(v);
  }
  hutch_api_filters_clear(&f);
  return api_json(r, 200, json_pack("{s:o,s:[]}", "Volumes", vols, "Warnings"));
}

static enum MHD_Result vol_create(struct api_req *r) {
  struct hutch_error *err = NULL;
  _cleanup_json_ json_t *body = api_body_json(r, &err);
  const char *name = body ? json_string_value(json_object_get(body, "Name")) : NULL;
  const char *driver = body ? json_string_value(json_object_get(body, "Driver")) : NULL;
  json_t *labels = NULL;
  if (body && driver && *driver && strcmp(driver, "local") != 0)
    return api_fail(r, 400, "volume driver %s is not supported: only local", driver);
  struct hutch_engine *e = body ? api_engine(r, &err) : NULL;
  _cleanup_free_ char *made = NULL, *mp = NULL;
  if (!e || api_string_map(json_object_get(body, "Labels"), "Labels", &labels, &err) < 0 ||
      hutch_volume_create(e, name && *name ? name : NULL, !(name && *name), labels, &made, &mp,
                          &err) < 0)
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
