/* docker image history: the config's history entries, newest first, each
 * matched to the layer it made (entries with empty_layer made none), as
 * docker's daemon does. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

struct hutch_history_entry {
  char *created; /* RFC 3339, "" when unknown */
  char *created_by, *comment, *author;
  bool empty_layer;
  int64_t size; /* bytes of the layer it made (0 for empty_layer) */
  bool is_top;  /* the newest entry: docker shows the image id there */
};

/* From a config blob and the sizes of its layers (lowest first, n_layers
 * of them): newest first. A config without history gives one entry per
 * layer, as docker shows such images. -EINVAL with *err for a config
 * that is not JSON or whose history has more non-empty entries than
 * there are layers. */
int hutch_history_parse(const char *config_json, size_t len, const int64_t *layer_sizes,
                        size_t n_layers, struct hutch_history_entry **out, size_t *n,
                        struct hutch_error **err);
/* The image's history, its layer sizes measured on disk. */
int hutch_image_history(const struct hutch_image *img, struct hutch_history_entry **out, size_t *n,
                        struct hutch_error **err);
void hutch_history_free(struct hutch_history_entry *v, size_t n);
