/* docker push; see push.h. */
#include "push.h"

#include "reference.h"
#include "unpack.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool uncompressed(const char *mt) {
  return !mt || strcmp(mt, HUTCH_MT_OCI_LAYER) == 0 ||
         strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar") == 0;
}

static bool zstd(const char *mt) {
  return mt && strstr(mt, "zstd") != NULL;
}

/* A repository of the same registry that has the image (it was pulled
 * from or pushed to there): blobs can be mounted from it. */
static char *mount_source(const struct hutch_image *img, const struct hutch_reference *to) {
  for (char **n = img->names; n && *n; n++) {
    _cleanup_reference_ struct hutch_reference *r = NULL;
    if (hutch_reference_parse(*n, &r, NULL) == 0 && strcmp(r->domain, to->domain) == 0 &&
        strcmp(r->path, to->path) != 0)
      return strdup(r->path);
  }
  return NULL;
}

struct push_ctx {
  struct hutch_store *s;
  const struct hutch_push_opts *o;
  struct hutch_registry *reg;
  const char *repo, *from;
};

static void report(const struct push_ctx *c, const char *digest, enum hutch_blob_push how) {
  struct hutch_push_event ev = {.digest = digest, .how = how, .mounted_from = c->from};
  if (c->o->progress)
    c->o->progress(c->o->ud, &ev);
}

/* One layer: the stored blob, or its gzip in a temporary file. */
static int push_layer(struct push_ctx *c, const struct hutch_descriptor *l, json_t *layers,
                      struct hutch_error **err) {
  const char *mt = l->media_type;
  if (zstd(mt) && !c->o->oci)
    return hutch_error_say(err, ENOTSUP, "layer %s is zstd-compressed: push it with --format oci",
                           l->digest);
  _cleanup_free_ char *path = hutch_store_blob_path(c->s, l->digest);
  _cleanup_close_ int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
  if (fd < 0)
    return hutch_error_set(err, errno ? errno : ENOMEM, "layer %s", l->digest);
  char digest[HUTCH_DIGEST_LEN];
  snprintf(digest, sizeof(digest), "%s", l->digest);
  uint64_t size = (uint64_t)l->size;
  _cleanup_free_ char *tmp = NULL;
  if (uncompressed(mt)) {
    if (asprintf(&tmp, "%s/tmp/push-XXXXXX", c->s->root) < 0)
      return hutch_error_set(err, ENOMEM, "push");
    int out = mkostemp(tmp, O_CLOEXEC);
    if (out < 0)
      return hutch_error_set(err, errno, "push: create %s", tmp);
    unlink(tmp); /* nothing left behind, whatever happens */
    int r = hutch_layer_gzip(fd, out, digest, &size, err);
    close(fd);
    fd = out;
    if (r < 0)
      return hutch_error_wrap(err, "layer %s", l->digest);
  }
  enum hutch_blob_push how;
  if (hutch_registry_push_blob(c->reg, c->repo, digest, fd, size, c->from, c->o->chunk, &how, err) <
      0)
    return -1;
  report(c, digest, how);
  const char *out_mt = c->o->oci ? (zstd(mt) ? HUTCH_MT_OCI_LAYER_ZSTD : HUTCH_MT_OCI_LAYER_GZIP)
                                 : HUTCH_MT_DOCKER_LAYER;
  json_array_append_new(layers, json_pack("{s:s, s:I, s:s}", "mediaType", out_mt, "size",
                                          (json_int_t)size, "digest", digest));
  return 0;
}

static int push_all(struct push_ctx *c, const struct hutch_image *img,
                    const struct hutch_manifest *m, const char *tag, struct hutch_error **err) {
  _cleanup_json_ json_t *layers = json_array();
  for (size_t i = 0; i < m->n_layers; i++)
    if (push_layer(c, &m->layers[i], layers, err) < 0)
      return -1;
  /* the config as it is: its digest is the image id */
  _cleanup_free_ char *cpath = hutch_store_blob_path(c->s, img->id);
  _cleanup_close_ int cfd = cpath ? open(cpath, O_RDONLY | O_CLOEXEC) : -1;
  enum hutch_blob_push how;
  if (cfd < 0)
    return hutch_error_set(err, errno ? errno : ENOMEM, "config %s", img->id);
  if (hutch_registry_push_blob(c->reg, c->repo, img->id, cfd, img->config_len, NULL, 0, &how, err) <
      0)
    return -1;
  const char *mmt = c->o->oci ? HUTCH_MT_OCI_MANIFEST : HUTCH_MT_DOCKER_MANIFEST;
  _cleanup_json_ json_t *man =
      json_pack("{s:i, s:s, s:{s:s, s:I, s:s}, s:O}", "schemaVersion", 2, "mediaType", mmt,
                "config", "mediaType", c->o->oci ? HUTCH_MT_OCI_CONFIG : HUTCH_MT_DOCKER_CONFIG,
                "size", (json_int_t)img->config_len, "digest", img->id, "layers", layers);
  _cleanup_free_ char *text = man ? json_dumps(man, JSON_INDENT(3)) : NULL;
  char md[HUTCH_DIGEST_LEN];
  if (!text || hutch_sha256_buf(text, strlen(text), md) < 0)
    return hutch_error_set(err, ENOMEM, "manifest");
  if (hutch_registry_put_manifest(c->reg, c->repo, tag, mmt, text, strlen(text), err) < 0)
    return -1;
  struct hutch_push_event ev = {.digest = md, .tag = tag, .size = strlen(text)};
  if (c->o->progress)
    c->o->progress(c->o->ud, &ev);
  return 0;
}

int hutch_image_push(struct hutch_store *s, const char *name, const struct hutch_push_opts *o,
                     struct hutch_error **err) {
  _cleanup_reference_ struct hutch_reference *ref = NULL;
  _cleanup_image_ struct hutch_image *img = NULL;
  if (hutch_reference_parse(name, &ref, err) < 0 || hutch_image_lookup(s, name, &img, err) < 0)
    return -1;
  _cleanup_free_ char *mdata = NULL, *from = mount_source(img, ref);
  size_t mlen;
  struct hutch_manifest *m = NULL;
  if (hutch_store_read_blob(s, img->manifest_digest, &mdata, &mlen, err) < 0 ||
      hutch_manifest_parse(mdata, mlen, NULL, &m, err) < 0)
    return hutch_error_wrap(err, "push %s", name);
  char *mount_from[] = {from, NULL};
  struct push_ctx c = {s, o, NULL, ref->path, from};
  int r = hutch_registry_open_push(ref->domain, ref->path, from ? mount_from : NULL, &o->registry,
                                   &c.reg, err);
  if (r == 0)
    r = push_all(&c, img, m, ref->digest ? ref->digest : (ref->tag ? ref->tag : "latest"), err);
  hutch_registry_free(c.reg);
  hutch_manifest_free(m);
  return r < 0 ? hutch_error_wrap(err, "push %s", name) : 0;
}
