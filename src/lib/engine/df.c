/* docker system df (df.h): one listing each of images, containers and
 * volumes, then the sizes on disk. Containers count their overlay's
 * upper dir (docker's SizeRw), images what the store says they take,
 * volumes their _data. */
#include "df.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int count_volume_users(struct hutch_engine *e, struct hutch_df *df,
                              struct hutch_error **err) {
  _cleanup_strv_ char **names = NULL;
  if (hutch_volume_list(e, &names, err) < 0)
    return -1;
  size_t n = hutch_strv_len(names);
  df->volumes = calloc(n ? n : 1, sizeof(*df->volumes));
  if (!df->volumes)
    return hutch_error_set(err, ENOMEM, "system df");
  for (size_t i = 0; i < n; i++) {
    struct hutch_df_volume *v = &df->volumes[df->n_volumes++];
    v->name = strdup(names[i]);
    _cleanup_strv_ char **users = NULL;
    if (hutch_volume_users(e, names[i], &users, NULL) == 0)
      v->links = (int)hutch_strv_len(users);
    for (size_t c = 0; c < df->n_ctrs; c++)
      for (char **u = users; u && *u; u++)
        if (strcmp(*u, df->ctrs[c]->id) == 0)
          df->ctr_volumes[c]++;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s/_data", e->volumes_dir, names[i]);
    hutch_disk_usage(path, &v->size);
  }
  return 0;
}

static bool has_layer(const struct hutch_image *img, const char *digest) {
  for (size_t l = 0; l < img->n_layers; l++)
    if (img->layer_digests[l] && strcmp(img->layer_digests[l], digest) == 0)
      return true;
  return false;
}

/* docker's SHARED SIZE: the bytes of an image's layers (their blobs in
 * the store, as its SIZE counts them) that another image has too. */
static void count_shared(const struct hutch_store *s, struct hutch_df *df) {
  for (size_t i = 0; i < df->n_images; i++) {
    const struct hutch_image *img = df->images[i];
    for (size_t l = 0; l < img->n_layers; l++) {
      const char *d = img->layer_digests[l];
      bool shared = false;
      for (size_t j = 0; d && j < df->n_images && !shared; j++)
        shared = j != i && has_layer(df->images[j], d);
      _cleanup_free_ char *path = shared ? hutch_store_blob_path(s, d) : NULL;
      struct stat st;
      if (path && stat(path, &st) == 0)
        df->image_shared[i] += st.st_size;
    }
  }
}

int hutch_engine_df(struct hutch_engine *e, struct hutch_df *df, struct hutch_error **err) {
  memset(df, 0, sizeof(*df));
  struct hutch_store *s;
  if (hutch_engine_store(e, &s, err) < 0 ||
      hutch_image_list(s, &df->images, &df->n_images, err) < 0 ||
      hutch_ctr_list_all(e, true, &df->ctrs, &df->n_ctrs, err) < 0)
    goto fail;
  df->image_users = calloc(df->n_images + 1, sizeof(int));
  df->image_shared = calloc(df->n_images + 1, sizeof(int64_t));
  df->ctr_size = calloc(df->n_ctrs + 1, sizeof(int64_t));
  df->ctr_volumes = calloc(df->n_ctrs + 1, sizeof(int));
  if (!df->image_users || !df->image_shared || !df->ctr_size || !df->ctr_volumes) {
    hutch_error_set(err, ENOMEM, "system df");
    goto fail;
  }
  for (size_t c = 0; c < df->n_ctrs; c++) {
    struct hutch_ctr *ct = df->ctrs[c];
    for (size_t i = 0; i < df->n_images; i++)
      if (strcmp(df->images[i]->id, ct->cfg.image_id) == 0)
        df->image_users[i]++;
    _cleanup_free_ char *upper = hutch_ctr_path(ct, "upper");
    if (upper)
      hutch_disk_usage(upper, &df->ctr_size[c]);
  }
  count_shared(s, df);
  if (count_volume_users(e, df, err) < 0)
    goto fail;
  return 0;
fail:
  hutch_df_clear(df);
  return -1;
}

void hutch_df_clear(struct hutch_df *df) {
  hutch_image_list_free(df->images, df->n_images);
  hutch_ctr_list_free(df->ctrs, df->n_ctrs);
  for (size_t i = 0; i < df->n_volumes; i++)
    free(df->volumes[i].name);
  free(df->volumes);
  free(df->image_users);
  free(df->image_shared);
  free(df->ctr_size);
  free(df->ctr_volumes);
  memset(df, 0, sizeof(*df));
}

void hutch_df_summary(struct hutch_engine *e, const struct hutch_df *df,
                      struct hutch_df_row rows[4]) {
  memset(rows, 0, 4 * sizeof(rows[0]));
  rows[0].type = "Images";
  rows[1].type = "Containers";
  rows[2].type = "Local Volumes";
  rows[3].type = "Build Cache";
  rows[0].total = (long)df->n_images;
  for (size_t i = 0; i < df->n_images; i++) {
    rows[0].size += df->images[i]->size;
    if (df->image_users[i])
      rows[0].active++;
    else
      rows[0].reclaimable += df->images[i]->size;
  }
  rows[1].total = (long)df->n_ctrs;
  for (size_t c = 0; c < df->n_ctrs; c++) {
    rows[1].size += df->ctr_size[c];
    const char *st = hutch_ctr_status(e, df->ctrs[c]);
    if (strcmp(st, "running") == 0 || strcmp(st, "paused") == 0 || strcmp(st, "restarting") == 0)
      rows[1].active++;
    else
      rows[1].reclaimable += df->ctr_size[c];
  }
  rows[2].total = (long)df->n_volumes;
  for (size_t v = 0; v < df->n_volumes; v++) {
    rows[2].size += df->volumes[v].size;
    if (df->volumes[v].links)
      rows[2].active++;
    else
      rows[2].reclaimable += df->volumes[v].size;
  }
}
