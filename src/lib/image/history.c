/* docker image history (history.h). docker's daemon walks the config's
 * history in order and gives each entry without empty_layer the next
 * layer of RootFS; the CLI prints them newest first. */
#include "history.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *str_of(json_t *o, const char *key) {
  return strdup(json_string_value(json_object_get(o, key)) ?: "");
}

void hutch_history_free(struct hutch_history_entry *v, size_t n) {
  for (size_t i = 0; v && i < n; i++) {
    free(v[i].created);
    free(v[i].created_by);
    free(v[i].comment);
    free(v[i].author);
  }
  free(v);
}

int hutch_history_parse(const char *config_json, size_t len, const int64_t *layer_sizes,
                        size_t n_layers, struct hutch_history_entry **out, size_t *n,
                        struct hutch_error **err) {
  _cleanup_json_ json_t *cfg = json_loadb(config_json, len, 0, NULL);
  if (!json_is_object(cfg))
    return hutch_error_set(err, EINVAL, "image history: the config is not a JSON object");
  json_t *hist = json_object_get(cfg, "history");
  size_t nh = json_is_array(hist) ? json_array_size(hist) : 0;
  size_t total = nh ? nh : n_layers;
  struct hutch_history_entry *v = calloc(total ? total : 1, sizeof(*v));
  if (!v)
    return hutch_error_set(err, ENOMEM, "image history");
  size_t layer = 0;
  for (size_t i = 0; i < total; i++) {
    /* newest first: entry i of the output is entry total-1-i */
    struct hutch_history_entry *h = &v[total - 1 - i];
    json_t *e = nh ? json_array_get(hist, i) : NULL;
    h->created = nh ? str_of(e, "created") : str_of(cfg, "created");
    h->created_by = str_of(e, "created_by");
    h->comment = str_of(e, "comment");
    h->author = str_of(e, "author");
    h->empty_layer = json_is_true(json_object_get(e, "empty_layer"));
    if (!h->created || !h->created_by || !h->comment || !h->author) {
      hutch_history_free(v, total);
      return hutch_error_set(err, ENOMEM, "image history");
    }
    if (h->empty_layer)
      continue;
    if (layer >= n_layers) {
      hutch_history_free(v, total);
      return hutch_error_set(err, EINVAL,
                             "image history: more history entries with layers than the %zu "
                             "layers of the image",
                             n_layers);
    }
    h->size = layer_sizes ? layer_sizes[layer] : 0;
    layer++;
  }
  if (total)
    v[0].is_top = true;
  *out = v;
  *n = total;
  return 0;
}

int hutch_image_history(const struct hutch_image *img, struct hutch_history_entry **out, size_t *n,
                        struct hutch_error **err) {
  if (!img->config_json)
    return hutch_error_set(err, EINVAL, "image history: %s has no config", img->id);
  int64_t *sizes = calloc(img->n_layers + 1, sizeof(int64_t));
  if (!sizes)
    return hutch_error_set(err, ENOMEM, "image history");
  for (size_t i = 0; i < img->n_layers; i++)
    if (img->layer_dirs && img->layer_dirs[i])
      hutch_disk_usage(img->layer_dirs[i], &sizes[i]);
  int r = hutch_history_parse(img->config_json, img->config_len, sizes, img->n_layers, out, n, err);
  free(sizes);
  return r;
}
