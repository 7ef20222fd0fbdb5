/* Storing built images; see image_write.h. */
#include "image_write.h"

#include "image/reference.h"
#include "util/cleanup.h"
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void hutch_build_now(char buf[64]) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char base[40];
  strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, 64, "%s.%09ldZ", base, ts.tv_nsec);
}

int hutch_build_write_layer(struct hutch_store *s, hutch_layer_fill_fn fill, void *ud,
                            struct hutch_new_layer *out, struct hutch_error **err) {
  _cleanup_free_ char *tmp = NULL;
  if (asprintf(&tmp, "%s/tmp/layer-XXXXXX", s->root) < 0)
    return hutch_error_set(err, ENOMEM, "layer");
  _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0)
    return hutch_error_set(err, errno, "layer: create %s", tmp);
  struct hutch_tar_writer *w = NULL;
  int r = hutch_tar_writer_open(fd, &w, err);
  if (r == 0 && fill(w, ud, err) < 0) {
    hutch_tar_writer_abort(w);
    r = -1;
  } else if (r == 0) {
    r = hutch_tar_writer_close(w, out->diff_id, out->content_id, err);
  }
  struct stat st;
  if (r == 0 && fstat(fd, &st) < 0)
    r = hutch_error_set(err, errno, "layer: stat");
  if (r < 0) {
    unlink(tmp);
    return r;
  }
  out->size = (uint64_t)st.st_size;
  out->tmp = TAKE_PTR(tmp);
  return 0;
}

int hutch_build_layer_keep(struct hutch_store *s, struct hutch_new_layer *l,
                           struct hutch_error **err) {
  int r = hutch_store_commit_blob_file(s, l->tmp, l->diff_id, err);
  hutch_build_layer_drop(l);
  return r;
}

void hutch_build_layer_drop(struct hutch_new_layer *l) {
  if (l->tmp)
    unlink(l->tmp);
  free(l->tmp);
  l->tmp = NULL;
}

static int fill_upper(struct hutch_tar_writer *w, void *ud, struct hutch_error **err) {
  const char *upper = ud;
  _cleanup_close_ int fd = open(upper, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return hutch_error_set(err, errno, "open %s", upper);
  return hutch_tar_add_upper(w, fd, err);
}

int hutch_build_layer_from_upper(struct hutch_store *s, const char *upper,
                                 struct hutch_new_layer *out, struct hutch_error **err) {
  if (hutch_build_write_layer(s, fill_upper, (void *)upper, out, err) < 0)
    return -1;
  return hutch_build_layer_keep(s, out, err);
}

static json_t *descriptor(const char *mt, const char *digest, int64_t size) {
  return json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", digest, "size", (json_int_t)size);
}

/* The parent's layer descriptors, from its manifest blob. */
static int parent_layers(struct hutch_store *s, const struct hutch_image *parent, json_t *layers,
                         struct hutch_error **err) {
  if (!parent)
    return 0;
  _cleanup_free_ char *data = NULL;
  size_t len;
  struct hutch_manifest *m = NULL;
  if (hutch_store_read_blob(s, parent->manifest_digest, &data, &len, err) < 0 ||
      hutch_manifest_parse(data, len, NULL, &m, err) < 0)
    return hutch_error_wrap(err, "parent image %s", parent->id);
  for (size_t i = 0; i < m->n_layers; i++)
    json_array_append_new(layers, descriptor(m->layers[i].media_type ?: HUTCH_MT_OCI_LAYER,
                                             m->layers[i].digest, m->layers[i].size));
  hutch_manifest_free(m);
  return 0;
}

int hutch_build_store_image(struct hutch_store *s, const struct hutch_image *parent,
                            const struct hutch_build_config *bc,
                            const struct hutch_new_layer *layer, const char *name,
                            struct hutch_image **out, struct hutch_error **err) {
  _cleanup_free_ char *store_name = NULL;
  if (name) {
    _cleanup_reference_ struct hutch_reference *ref = NULL;
    if (hutch_reference_parse(name, &ref, err) < 0)
      return -1;
    store_name = hutch_reference_store_name(ref);
  }
  _cleanup_free_ char *cfg = NULL;
  if (hutch_build_config_dump(bc, &cfg, err) < 0)
    return -1;
  char cd[HUTCH_DIGEST_LEN];
  if (hutch_store_put_blob(s, cfg, strlen(cfg), cd, err) < 0)
    return -1;
  _cleanup_json_ json_t *layers = json_array();
  if (parent_layers(s, parent, layers, err) < 0)
    return -1;
  if (layer)
    json_array_append_new(layers,
                          descriptor(HUTCH_MT_OCI_LAYER, layer->diff_id, (int64_t)layer->size));
  _cleanup_json_ json_t *man = json_pack(
      "{s:i, s:s, s:o, s:O}", "schemaVersion", 2, "mediaType", HUTCH_MT_OCI_MANIFEST, "config",
      descriptor(HUTCH_MT_OCI_CONFIG, cd, (int64_t)strlen(cfg)), "layers", layers);
  _cleanup_free_ char *mtext = man ? json_dumps(man, JSON_COMPACT) : NULL;
  if (!mtext)
    return hutch_error_set(err, ENOMEM, "manifest");
  return hutch_image_commit_child(s, mtext, strlen(mtext), store_name,
                                  parent ? parent->manifest_digest : NULL, out, err);
}
