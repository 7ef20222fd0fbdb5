/* The build cache: key → image (manifest digest), kept in the image
 * store's index under "build_cache", so that rmi and prune see the same
 * images it names: an entry whose image is gone is a miss. The key is
 * docker classic builder's: the parent image, the instruction's text,
 * and what else decides the result (the build args in scope; for COPY
 * and ADD a digest of the copied content, times left out). */
#include "builder.h"

#include "image/digest.h"
#include "util/cleanup.h"
#include "util/json.h"

#include <errno.h>
#include <string.h>

void hutch_build_cache_key(const struct hutch_image *parent, const char *text, const char *extra,
                           char key[72]) {
  struct hutch_sha256 h;
  const char *p = parent ? parent->id : "scratch";
  if (hutch_sha256_init(&h) < 0) {
    key[0] = '\0';
    return;
  }
  hutch_sha256_update(&h, p, strlen(p) + 1);
  hutch_sha256_update(&h, text, strlen(text) + 1);
  hutch_sha256_update(&h, extra ? extra : "", strlen(extra ? extra : "") + 1);
  hutch_sha256_final(&h, key);
}

int hutch_build_cache_get(struct hutch_store *s, const char *key, struct hutch_image **img,
                          struct hutch_error **err) {
  _cleanup_json_ json_t *index = NULL;
  if (!key[0] || hutch_store_index_read(s, &index, err) < 0)
    return key[0] ? -1 : 0;
  const char *md = json_string_value(json_object_get(json_object_get(index, "build_cache"), key));
  if (!md || !json_object_get(json_object_get(index, "images"), md))
    return 0;
  struct hutch_error *lerr = NULL;
  if (hutch_image_lookup(s, md, img, &lerr) < 0) {
    hutch_error_free(lerr); /* gone meanwhile: a miss */
    return 0;
  }
  return 1;
}

int hutch_build_cache_put(struct hutch_store *s, const char *key, const char *manifest_digest,
                          struct hutch_error **err) {
  json_t *index = NULL;
  if (!key[0])
    return 0;
  if (hutch_store_index_begin(s, &index, err) < 0)
    return -1;
  json_t *c = json_object_get(index, "build_cache");
  if (!json_is_object(c)) {
    c = json_object();
    json_object_set_new(index, "build_cache", c);
  }
  /* drop the entries of images that are gone, so the map does not grow */
  json_t *images = json_object_get(index, "images");
  const char *k;
  json_t *v;
  void *tmp;
  json_object_foreach_safe(c, tmp, k, v) {
    if (!json_object_get(images, json_string_value(v) ?: ""))
      json_object_del(c, k);
  }
  json_object_set_new(c, key, json_string(manifest_digest));
  int r = hutch_store_index_commit(s, index, err);
  hutch_store_index_end(s);
  json_decref(index);
  return r;
}
