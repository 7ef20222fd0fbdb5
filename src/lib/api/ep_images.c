/* /images/…: list, pull (create), inspect, tag, delete, over the image
 * library (image/image.h). */
#include "api_int.h"
#include "map.h"

#include "image/filter.h"

#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hutch_store *api_store(struct api_req *r, struct hutch_error **err) {
  struct hutch_store *s = NULL;
  struct hutch_engine *e = api_engine(r, err);
  if (!e || hutch_engine_store(e, &s, err) < 0)
    return NULL;
  return s;
}

/* ?filters= as `hutch images --filter` takes them ("key=value" each). */
struct image_filter {
  struct hutch_image_filter f;
  time_t before, since;
};

static int image_filter_open(struct api_req *r, struct hutch_store *s, struct image_filter *x,
                             struct hutch_error **err) {
  const char *q = api_query(r, "filters");
  struct hutch_api_filters af = {0};
  if (q && *q && hutch_api_filters_parse(q, &af, err) < 0)
    return -1;
  _cleanup_strv_ char **kv = calloc(1, sizeof(char *));
  int rc = kv ? 0 : hutch_error_set(err, ENOMEM, "filters");
  for (size_t i = 0; rc == 0 && i < af.n; i++)
    for (char **v = af.v[i].values; rc == 0 && v && *v; v++) {
      _cleanup_free_ char *one = NULL;
      if (asprintf(&one, "%s=%s", af.v[i].key, *v) < 0 || hutch_strv_push(&kv, one) < 0)
        rc = hutch_error_set(err, ENOMEM, "filters");
    }
  hutch_api_filters_clear(&af);
  if (rc < 0 || hutch_image_filter_parse(kv, &x->f, err) < 0)
    return -1;
  return hutch_image_filter_times(s, &x->f, &x->before, &x->since, err);
}

static bool image_passes(struct hutch_store *s, const struct image_filter *x,
                         const struct hutch_image *img) {
  _cleanup_image_ struct hutch_image *full = NULL;
  if (x->f.labels && !img->config && hutch_image_lookup(s, img->id, &full, NULL) < 0)
    return false;
  return hutch_image_filter_image(&x->f, full ? full : img, x->before, x->since) &&
         hutch_image_filter_any_name(&x->f, img->names);
}

static enum MHD_Result images_list(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_store *s = api_store(r, &err);
  struct hutch_image **v = NULL;
  size_t n = 0;
  struct image_filter x = {0};
  if (!s || image_filter_open(r, s, &x, &err) < 0 || hutch_image_list(s, &v, &n, &err) < 0) {
    hutch_image_filter_free(&x.f);
    return api_error(r, err);
  }
  json_t *out = json_array();
  for (size_t i = 0; i < n; i++)
    if (image_passes(s, &x, v[i]))
      json_array_append_new(out, hutch_api_image_summary(v[i]));
  hutch_image_list_free(v, n);
  hutch_image_filter_free(&x.f);
  return api_json(r, 200, out);
}

static enum MHD_Result image_inspect(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_store *s = api_store(r, &err);
  _cleanup_image_ struct hutch_image *img = NULL;
  if (!s)
    return api_error(r, err);
  if (hutch_image_lookup(s, r->params[0], &img, NULL) < 0)
    return api_fail(r, 404, "No such image: %s", r->params[0]);
  return api_json(r, 200, hutch_image_inspect(img));
}

/* One line of docker's pull progress stream. */
static void status_line(json_t *lines, const char *status, const char *id) {
  json_t *j = json_pack("{s:s}", "status", status);
  if (id)
    json_object_set_new(j, "id", json_string(id));
  json_array_append_new(lines, j);
}

static void on_progress(void *ud, const struct hutch_pull_event *ev) {
  char id[13] = "";
  if (ev->digest) {
    const char *hex = strchr(ev->digest, ':');
    snprintf(id, sizeof(id), "%s", hex ? hex + 1 : ev->digest);
  }
  if (ev->kind == HUTCH_PULL_LAYER_EXISTS)
    status_line(ud, "Already exists", id);
  else if (ev->kind == HUTCH_PULL_LAYER_DONE)
    status_line(ud, "Pull complete", id);
}

/* A stream of JSON lines, all at once: the pull has finished by the time
 * the reply goes (progress is not streamed live; docs/api.md). */
static enum MHD_Result json_lines(struct api_req *r, json_t *lines) {
  _cleanup_json_ json_t *owned = lines;
  _cleanup_free_ char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f)
    return MHD_NO;
  size_t i;
  json_t *x;
  json_array_foreach(lines, i, x) {
    _cleanup_free_ char *s = json_dumps(x, JSON_COMPACT);
    fprintf(f, "%s\r\n", s ? s : "{}");
  }
  fclose(f);
  return api_text(r, 200, "application/json", text ? text : "");
}

static enum MHD_Result image_pull(struct api_req *r) {
  const char *from = api_query(r, "fromImage"), *tag = api_query(r, "tag");
  if (!from || !*from)
    return api_fail(r, 400, "fromImage is required (import with fromSrc is not supported)");
  _cleanup_free_ char *ref = NULL;
  const char *last = strrchr(from, '/');
  bool has_tag = strchr(last ? last : from, ':') || strchr(from, '@');
  if (asprintf(&ref, "%s%s%s", from,
               tag && *tag && !has_tag ? (strncmp(tag, "sha256:", 7) == 0 ? "@" : ":") : "",
               tag && *tag && !has_tag ? tag : "") < 0)
    return MHD_NO;
  struct hutch_error *err = NULL;
  struct hutch_store *s = api_store(r, &err);
  if (!s)
    return api_error(r, err);
  json_t *lines = json_array();
  _cleanup_free_ char *first = NULL;
  if (asprintf(&first, "Pulling from %s", from) >= 0)
    status_line(lines, first, tag && *tag ? tag : "latest");
  struct hutch_pull_opts po = {.progress = on_progress, .ud = lines};
  _cleanup_image_ struct hutch_image *img = NULL;
  if (hutch_image_pull(s, ref, &po, &img, &err) < 0) {
    _cleanup_free_ char *msg = err->plain ? strdup(err->msg) : hutch_error_text(err);
    hutch_error_free(err);
    json_array_append_new(lines,
                          json_pack("{s:{s:s},s:s}", "errorDetail", "message",
                                    msg ? msg : "pull failed", "error", msg ? msg : "pull failed"));
    return json_lines(r, lines);
  }
  _cleanup_free_ char *digest = NULL, *done = NULL;
  if (asprintf(&digest, "Digest: %s", img->manifest_digest) >= 0)
    status_line(lines, digest, NULL);
  if (asprintf(&done, "Status: Downloaded newer image for %s", ref) >= 0)
    status_line(lines, done, NULL);
  return json_lines(r, lines);
}

static enum MHD_Result image_tag(struct api_req *r) {
  const char *repo = api_query(r, "repo"), *tag = api_query(r, "tag");
  if (!repo || !*repo)
    return api_fail(r, 400, "repo is required");
  _cleanup_free_ char *dst = NULL;
  if (asprintf(&dst, "%s:%s", repo, tag && *tag ? tag : "latest") < 0)
    return MHD_NO;
  struct hutch_error *err = NULL;
  struct hutch_store *s = api_store(r, &err);
  if (!s || hutch_image_tag(s, r->params[0], dst, &err) < 0)
    return api_error(r, err);
  return api_empty(r, 201);
}

static enum MHD_Result image_delete(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_store *s = api_store(r, &err);
  _cleanup_strv_ char **log = NULL;
  if (!s || hutch_image_remove(s, r->params[0], api_query_bool(r, "force"), &log, &err) < 0)
    return api_error(r, err);
  json_t *out = json_array();
  for (char **l = log; l && *l; l++) {
    const char *colon = strstr(*l, ": ");
    if (!colon)
      continue;
    _cleanup_free_ char *key = strndup(*l, (size_t)(colon - *l));
    if (key)
      json_array_append_new(out, json_pack("{s:s}", key, colon + 2));
  }
  return api_json(r, 200, out);
}

const struct api_route hutch_api_image_routes[] = {
    {"GET", "/images/json", images_list},       {"POST", "/images/create", image_pull},
    {"GET", "/images/{*}/json", image_inspect}, {"POST", "/images/{*}/tag", image_tag},
    {"DELETE", "/images/{*}", image_delete},    {NULL, NULL, NULL},
};
