/* docker image inspect's object, for the CLI and the API. */
#include "engine.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *strv_json(char **v) {
  json_t *a = json_array();
  for (size_t i = 0; v && v[i]; i++)
    json_array_append_new(a, json_string(v[i]));
  return a;
}

json_t *hutch_image_inspect(struct hutch_image *img) {
  json_error_t je;
  _cleanup_json_ json_t *cfg = json_loadb(img->config_json, img->config_len, 0, &je);
  json_t *tags = json_array(), *digests = json_array();
  for (size_t i = 0; img->names && img->names[i]; i++) {
    const char *n = img->names[i];
    if (strchr(n, '@')) {
      json_array_append_new(digests, json_string(n));
    } else {
      json_array_append_new(tags, json_string(n));
      _cleanup_free_ char *d = strndup(n, (size_t)(strrchr(n, ':') - n));
      _cleanup_free_ char *rd = NULL;
      if (d && asprintf(&rd, "%s@%s", d, img->manifest_digest) >= 0)
        json_array_append_new(digests, json_string(rd));
    }
  }
  /* overlayfs lists the upper-most lower layer first */
  _cleanup_free_ char *lower = hutch_lower_dir_join(img->layer_dirs, img->n_layers);
  json_t *c = json_object_get(cfg, "config");
  json_t *o = json_pack(
      "{s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:o, s:{s:s, s:o}, s:I, s:s, s:{s:s, s:{s:s}}}", "Id",
      img->id, "RepoTags", tags, "RepoDigests", digests, "Created",
      json_string_value(json_object_get(cfg, "created")) ?: "", "Author",
      json_string_value(json_object_get(cfg, "author")) ?: "", "Architecture",
      img->config->architecture ?: "", "Os", img->config->os ?: "", "Config",
      c ? json_incref(c) : json_object(), "RootFS", "Type", "layers", "Layers",
      strv_json(img->diff_ids), "Size", (json_int_t)img->size, "ManifestDigest",
      img->manifest_digest, "GraphDriver", "Name", "overlay", "Data", "LowerDir", lower);
  if (img->config->variant)
    json_object_set_new(o, "Variant", json_string(img->config->variant));
  /* docker 20.10's fields that clients read (compose: ContainerConfig's
   * Volumes): the builder's container_config, else an empty one */
  json_t *cc = json_object_get(cfg, "container_config");
  json_object_set_new(o, "ContainerConfig", json_is_object(cc) ? json_incref(cc) : json_object());
  json_object_set_new(o, "Parent", json_string(""));
  json_object_set_new(o, "Comment",
                      json_string(json_string_value(json_object_get(cfg, "comment")) ?: ""));
  json_object_set_new(o, "DockerVersion", json_string(""));
  json_object_set_new(o, "VirtualSize", json_integer((json_int_t)img->size));
  return o;
}
