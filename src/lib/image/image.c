/* Image operations over the store and the registry client; see image.h.
 *
 * The index records, per manifest digest:
 *   {"config": digest, "layers": [{"digest", "diff_id", "media_type",
 *    "size"}], "size", "added", "manifest_media_type", "platform"}
 * and maps names to manifest digests, and holders to manifest digests. */
#include "image.h"

#include "reference.h"
#include "unpack.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void hutch_image_free(struct hutch_image *img) {
  if (img == NULL)
    return;
  free(img->id);
  free(img->manifest_digest);
  free(img->manifest_media_type);
  hutch_strv_free(img->names);
  hutch_strv_free(img->layer_dirs);
  hutch_strv_free(img->diff_ids);
  hutch_strv_free(img->layer_digests);
  hutch_image_config_free(img->config);
  free(img->config_json);
  free(img->platform);
  free(img->created);
  free(img);
}

void hutch_image_freep(struct hutch_image **img) {
  hutch_image_free(*img);
  *img = NULL;
}

void hutch_image_list_free(struct hutch_image **v, size_t n) {
  for (size_t i = 0; v && i < n; i++)
    hutch_image_free(v[i]);
  free(v);
}

/* Build the image struct from an index record. */
/* brief: for listings, without names (the caller adds them) and without
 * the config when the record has what a listing shows (created). */
static int image_from_record(struct hutch_store *s, json_t *index, const char *mdigest, bool brief,
                             struct hutch_image **out, struct hutch_error **err) {
  json_t *rec = json_object_get(json_object_get(index, "images"), mdigest);
  if (rec == NULL)
    return hutch_error_set(err, ENOENT, "image %s: not in the store", mdigest);
  _cleanup_image_ struct hutch_image *img = calloc(1, sizeof(*img));
  if (img == NULL)
    return hutch_error_set(err, ENOMEM, "image");
  img->manifest_digest = strdup(mdigest);
  img->id = strdup(json_string_value(json_object_get(rec, "config")) ?: "");
  const char *mt = json_string_value(json_object_get(rec, "manifest_media_type"));
  img->manifest_media_type = strdup(mt ? mt : HUTCH_MT_OCI_MANIFEST);
  const char *pf = json_string_value(json_object_get(rec, "platform"));
  img->platform = pf ? strdup(pf) : NULL;
  img->size = json_integer_value(json_object_get(rec, "size"));
  img->added = json_integer_value(json_object_get(rec, "added"));
  img->names = calloc(1, sizeof(char *));
  img->layer_dirs = calloc(1, sizeof(char *));
  img->diff_ids = calloc(1, sizeof(char *));
  img->layer_digests = calloc(1, sizeof(char *));
  const char *name;
  json_t *v;
  json_object_foreach(brief ? NULL : json_object_get(index, "names"), name, v) {
    if (json_string_value(v) && strcmp(json_string_value(v), mdigest) == 0)
      hutch_strv_push(&img->names, name);
  }
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(rec, "layers"), i, l) {
    const char *diff = json_string_value(json_object_get(l, "diff_id"));
    const char *dg = json_string_value(json_object_get(l, "digest"));
    _cleanup_free_ char *dir = diff ? hutch_store_layer_path(s, diff) : NULL;
    if (dir == NULL || dg == NULL)
      return hutch_error_set(err, EINVAL, "image %s: index record broken", mdigest);
    hutch_strv_push(&img->layer_dirs, dir);
    hutch_strv_push(&img->diff_ids, diff);
    hutch_strv_push(&img->layer_digests, dg);
  }
  img->n_layers = hutch_strv_len(img->layer_dirs);
  const char *created = json_string_value(json_object_get(rec, "created"));
  if (brief && created) {
    img->created = strdup(created);
    *out = TAKE_PTR(img);
    return 0;
  }
  int r = hutch_store_read_blob(s, img->id, &img->config_json, &img->config_len, err);
  if (r < 0)
    return hutch_error_wrap(err, "image %s", mdigest);
  r = hutch_image_config_parse(img->config_json, img->config_len, &img->config, err);
  if (r < 0)
    return hutch_error_wrap(err, "image %s", img->id);
  img->created = strdup(img->config->created ? img->config->created : "");
  *out = TAKE_PTR(img);
  return 0;
}

static bool is_hex_prefix(const char *s) {
  if (strncmp(s, "sha256:", 7) == 0)
    s += 7;
  size_t n = 0;
  for (; s[n]; n++)
    if (!isdigit((unsigned char)s[n]) && !(s[n] >= 'a' && s[n] <= 'f'))
      return false;
  return n >= 3 && n <= 64;
}

/* Find the manifest digest for ref_or_id in index; *found points into it. */
static int resolve(json_t *index, const char *ref_or_id, const char **found,
                   struct hutch_error **err) {
  json_t *images = json_object_get(index, "images");
  json_t *names = json_object_get(index, "names");
  *found = NULL;
  struct hutch_reference *ref = NULL;
  struct hutch_error *perr = NULL;
  if (hutch_reference_parse(ref_or_id, &ref, &perr) == 0) {
    _cleanup_free_ char *sn = hutch_reference_store_name(ref);
    json_t *v = json_object_get(names, sn);
    if (v && json_object_get(images, json_string_value(v)))
      *found = json_string_value(v);
    else if (ref->digest && json_object_get(images, ref->digest))
      /* "name@digest" finds the image by its manifest digest */
      *found = json_object_iter_key(json_object_iter_at(images, ref->digest));
    hutch_reference_free(ref);
    if (*found) {
      hutch_error_free(perr);
      return 0;
    }
  }
  if (is_hex_prefix(ref_or_id)) {
    const char *hex = strncmp(ref_or_id, "sha256:", 7) == 0 ? ref_or_id + 7 : ref_or_id;
    size_t n = strlen(hex);
    const char *match = NULL;
    const char *key;
    json_t *rec;
    json_object_foreach(images, key, rec) {
      const char *cfg = json_string_value(json_object_get(rec, "config"));
      bool hit = strncmp(key + 7, hex, n) == 0 || (cfg && strncmp(cfg + 7, hex, n) == 0);
      if (!hit)
        continue;
      if (match && strcmp(match, key) != 0) {
        hutch_error_free(perr);
        return hutch_error_set(err, EINVAL, "image id prefix %s is ambiguous", ref_or_id);
      }
      match = key;
    }
    if (match) {
      *found = match;
      hutch_error_free(perr);
      return 0;
    }
  }
  if (perr && !is_hex_prefix(ref_or_id)) {
    int r = hutch_error_set(err, perr->errnum, "%s", perr->msg);
    hutch_error_free(perr);
    return r;
  }
  hutch_error_free(perr);
  return hutch_error_say(err, ENOENT, "no such image: %s", ref_or_id);
}

int hutch_image_lookup(struct hutch_store *s, const char *ref_or_id, struct hutch_image **out,
                       struct hutch_error **err) {
  _cleanup_json_ json_t *index = NULL;
  int r = hutch_store_index_read(s, &index, err);
  if (r < 0)
    return r;
  const char *md = NULL;
  r = resolve(index, ref_or_id, &md, err);
  if (r < 0)
    return r;
  return image_from_record(s, index, md, false, out, err);
}

static int cmp_added(const void *a, const void *b) {
  const struct hutch_image *x = *(struct hutch_image *const *)a;
  const struct hutch_image *y = *(struct hutch_image *const *)b;
  if (x->added != y->added)
    return x->added < y->added ? 1 : -1;
  return strcmp(x->manifest_digest, y->manifest_digest);
}

int hutch_image_list(struct hutch_store *s, struct hutch_image ***out, size_t *n,
                     struct hutch_error **err) {
  _cleanup_json_ json_t *index = NULL;
  int r = hutch_store_index_read(s, &index, err);
  if (r < 0)
    return r;
  json_t *images = json_object_get(index, "images");
  size_t cap = json_object_size(images);
  struct hutch_image **v = calloc(cap + 1, sizeof(*v));
  size_t k = 0;
  _cleanup_json_ json_t *pos = json_object(); /* manifest digest -> index in v */
  const char *key;
  json_t *rec;
  /* a build's intermediate images (unnamed, the parent of another) are
   * not listed, as docker's `images` leaves them out */
  _cleanup_json_ json_t *parents = json_object();
  json_object_foreach(images, key, rec) {
    const char *p = json_string_value(json_object_get(rec, "parent"));
    if (p)
      json_object_set_new(parents, p, json_true());
  }
  json_object_foreach(json_object_get(index, "names"), key, rec) {
    json_object_del(parents, json_string_value(rec) ?: "");
  }
  json_object_foreach(images, key, rec) {
    if (json_object_get(parents, key))
      continue;
    r = image_from_record(s, index, key, true, &v[k], err);
    if (r < 0) {
      hutch_image_list_free(v, k);
      return r;
    }
    json_object_set_new(pos, key, json_integer((json_int_t)k));
    k++;
  }
  json_object_foreach(json_object_get(index, "names"), key, rec) {
    json_t *at = json_object_get(pos, json_string_value(rec) ?: "");
    if (at)
      hutch_strv_push(&v[json_integer_value(at)]->names, key);
  }
  qsort(v, k, sizeof(*v), cmp_added);
  *out = v;
  *n = k;
  return 0;
}

/* Record an image and point name (may be NULL) at it, in one index update. */
static int index_add(struct hutch_store *s, const char *mdigest, const struct hutch_manifest *m,
                     const char *mt, const struct hutch_image_config *cfg, const char *platform,
                     const char *name, const char *parent, struct hutch_error **err) {
  char **diff_ids = cfg->diff_ids;
  json_t *index = NULL;
  int r = hutch_store_index_begin(s, &index, err);
  if (r < 0)
    return r;
  json_t *layers = json_array();
  int64_t size = m->config.size;
  for (size_t i = 0; i < m->n_layers; i++) {
    json_array_append_new(
        layers, json_pack("{s:s, s:s, s:s, s:I}", "digest", m->layers[i].digest, "diff_id",
                          diff_ids[i], "media_type",
                          m->layers[i].media_type ? m->layers[i].media_type : HUTCH_MT_OCI_LAYER,
                          "size", (json_int_t)m->layers[i].size));
    size += m->layers[i].size;
  }
  json_t *images = json_object_get(index, "images");
  json_t *old = json_object_get(images, mdigest);
  json_int_t added =
      old ? json_integer_value(json_object_get(old, "added")) : (json_int_t)time(NULL);
  json_t *rec = json_pack("{s:s, s:o, s:I, s:I, s:s}", "config", m->config.digest, "layers", layers,
                          "size", (json_int_t)size, "added", added, "manifest_media_type", mt);
  if (platform)
    json_object_set_new(rec, "platform", json_string(platform));
  if (parent)
    json_object_set_new(rec, "parent", json_string(parent));
  /* for listings, which then need not read every config blob */
  json_object_set_new(rec, "created", json_string(cfg->created ? cfg->created : ""));
  json_object_set_new(images, mdigest, rec);
  if (name)
    json_object_set_new(json_object_get(index, "names"), name, json_string(mdigest));
  r = hutch_store_index_commit(s, index, err);
  hutch_store_index_end(s);
  json_decref(index);
  return r;
}

/* Unpack every layer of m (blobs present) and check them against the
 * config; fills diff_ids (one per layer). */
static int unpack_layers(struct hutch_store *s, const struct hutch_manifest *m,
                         const struct hutch_image_config *cfg, const struct hutch_pull_opts *opts,
                         struct hutch_error **err) {
  for (size_t i = 0; i < m->n_layers; i++) {
    const struct hutch_descriptor *l = &m->layers[i];
    struct hutch_pull_event ev = {HUTCH_PULL_LAYER_EXTRACTING, i, m->n_layers, l->digest, 0, 0};
    bool have = hutch_store_has_layer(s, cfg->diff_ids[i]);
    if (opts && opts->progress && !have)
      opts->progress(opts->ud, &ev);
    char diff[HUTCH_DIGEST_LEN];
    int r = hutch_store_unpack_layer(s, l->digest, cfg->diff_ids[i], diff, err);
    if (r < 0)
      return r;
    ev.kind = HUTCH_PULL_LAYER_DONE;
    if (opts && opts->progress)
      opts->progress(opts->ud, &ev);
  }
  return 0;
}

static int check_manifest(const struct hutch_manifest *m, const struct hutch_image_config *cfg,
                          struct hutch_error **err) {
  for (size_t i = 0; i < m->n_layers; i++)
    if (!hutch_layer_media_type_supported(m->layers[i].media_type))
      return hutch_error_set(err, ENOTSUP, "layer %s: unsupported media type \"%s\"",
                             m->layers[i].digest,
                             m->layers[i].media_type ? m->layers[i].media_type : "(none)");
  if (cfg->n_diff_ids != m->n_layers)
    return hutch_error_set(
        err, EINVAL, "image config lists %zu layers (rootfs.diff_ids) but the manifest has %zu",
        cfg->n_diff_ids, m->n_layers);
  return 0;
}

struct pull_progress {
  const struct hutch_pull_opts *opts;
  size_t *map; /* fetch index → layer index */
  const struct hutch_manifest *m;
};

static void on_fetch(void *ud, size_t idx, int state, uint64_t done, uint64_t total) {
  struct pull_progress *p = ud;
  size_t layer = p->map[idx];
  struct hutch_pull_event ev = {state == 0   ? HUTCH_PULL_LAYER_PROGRESS
                                : state == 1 ? HUTCH_PULL_LAYER_DOWNLOADED
                                             : HUTCH_PULL_LAYER_EXISTS,
                                layer,
                                p->m->n_layers,
                                p->m->layers[layer].digest,
                                done,
                                total};
  p->opts->progress(p->opts->ud, &ev);
}

int hutch_image_pull(struct hutch_store *s, const char *refstr, const struct hutch_pull_opts *opts,
                     struct hutch_image **out, struct hutch_error **err) {
  _cleanup_reference_ struct hutch_reference *ref = NULL;
  int r = hutch_reference_parse(refstr, &ref, err);
  if (r < 0)
    return r;
  struct hutch_platform plat = {0};
  if (opts && opts->platform)
    r = hutch_platform_parse(opts->platform, &plat, err);
  else if ((r = hutch_platform_host(&plat)) < 0)
    r = hutch_error_set(err, r, "platform of this machine");
  if (r < 0)
    return r;
  _cleanup_free_ char *platstr = hutch_platform_string(&plat);
  _cleanup_free_ char *store_name = hutch_reference_store_name(ref);
  _cleanup_free_ char *full = hutch_reference_string(ref);
  _cleanup_registry_ struct hutch_registry *reg = NULL;
  _cleanup_free_ char *mdata = NULL, *ctype = NULL;
  struct hutch_manifest *m = NULL;
  struct hutch_image_config *cfg = NULL;
  _cleanup_free_ char *cdata = NULL;
  _cleanup_free_ struct hutch_blob_fetch *fetch = NULL;
  _cleanup_free_ size_t *map = NULL;
  char **paths = NULL;
  size_t nfetch = 0;
  size_t mlen = 0, clen = 0;
  char mdigest[HUTCH_DIGEST_LEN], picked[HUTCH_DIGEST_LEN];

  r = hutch_registry_open(ref->domain, ref->path, opts ? &opts->registry : NULL, &reg, err);
  if (r < 0)
    goto out;
  const char *want = ref->digest ? ref->digest : ref->tag;
  for (int depth = 0;; depth++) {
    r = hutch_registry_get_manifest(reg, ref->path, want, &mdata, &mlen, &ctype, err);
    if (r < 0)
      goto out;
    hutch_sha256_buf(mdata, mlen, mdigest);
    if (strncmp(want, "sha256:", 7) == 0 && strcmp(mdigest, want) != 0) {
      r = hutch_error_set(err, 0, "manifest %s: digest mismatch (registry sent %s)", want, mdigest);
      goto out;
    }
    r = hutch_manifest_parse(mdata, mlen, ctype, &m, err);
    if (r < 0) {
      hutch_error_wrap(err, "%s", full);
      goto out;
    }
    if (m->kind == HUTCH_MANIFEST_IMAGE)
      break;
    if (depth > 0) {
      r = hutch_error_set(err, EINVAL, "%s: index points to another index", full);
      goto out;
    }
    const struct hutch_descriptor *d = NULL;
    r = hutch_manifest_pick(m, &plat, &d, err);
    if (r < 0) {
      hutch_error_wrap(err, "%s", full);
      goto out;
    }
    snprintf(picked, sizeof(picked), "%s", d->digest);
    want = picked;
    hutch_manifest_free(m);
    m = NULL;
    free(mdata);
    free(ctype);
    mdata = ctype = NULL;
  }
  if (opts && opts->progress) {
    struct hutch_pull_event ev = {HUTCH_PULL_RESOLVED, 0, m->n_layers, mdigest, 0, 0};
    opts->progress(opts->ud, &ev);
  }
  /* the config: small, fetched first, verified, parsed */
  if (hutch_store_has_blob(s, m->config.digest))
    r = hutch_store_read_blob(s, m->config.digest, &cdata, &clen, err);
  else
    r = hutch_registry_get_blob(reg, ref->path, m->config.digest, m->config.size, &cdata, &clen,
                                err);
  if (r < 0)
    goto out;
  r = hutch_image_config_parse(cdata, clen, &cfg, err);
  if (r == 0)
    r = check_manifest(m, cfg, err);
  if (r < 0) {
    hutch_error_wrap(err, "%s", full);
    goto out;
  }
  char cd[HUTCH_DIGEST_LEN];
  if ((r = hutch_store_put_blob(s, cdata, clen, cd, err)) < 0)
    goto out;

  /* layers: fetch what is missing, in parallel */
  fetch = calloc(m->n_layers + 1, sizeof(*fetch));
  map = calloc(m->n_layers + 1, sizeof(*map));
  paths = calloc(2 * m->n_layers + 1, sizeof(char *));
  for (size_t i = 0; i < m->n_layers; i++) {
    const struct hutch_descriptor *l = &m->layers[i];
    bool dup = false;
    for (size_t k = 0; k < nfetch; k++)
      dup = dup || strcmp(fetch[k].digest, l->digest) == 0;
    if (hutch_store_has_blob(s, l->digest) || dup) {
      if (opts && opts->progress && !dup) {
        struct hutch_pull_event ev = {
            HUTCH_PULL_LAYER_EXISTS, i, m->n_layers, l->digest, (uint64_t)l->size,
            (uint64_t)l->size};
        opts->progress(opts->ud, &ev);
      }
      continue;
    }
    paths[2 * nfetch] = hutch_store_partial_path(s, l->digest);
    paths[2 * nfetch + 1] = hutch_store_blob_path(s, l->digest);
    fetch[nfetch] =
        (struct hutch_blob_fetch){l->digest, l->size, paths[2 * nfetch], paths[2 * nfetch + 1]};
    map[nfetch] = i;
    if (opts && opts->progress) {
      struct hutch_pull_event ev = {HUTCH_PULL_LAYER_WAITING, i, m->n_layers, l->digest, 0,
                                    (uint64_t)l->size};
      opts->progress(opts->ud, &ev);
    }
    nfetch++;
  }
  /* what failed or killed pulls left, but not what this one resumes */
  {
    _cleanup_free_ char **keep = calloc(nfetch + 1, sizeof(char *));
    for (size_t k = 0; keep && k < nfetch; k++)
      keep[k] = (char *)fetch[k].digest;
    if (keep)
      hutch_store_sweep_partials(s, keep);
  }
  struct pull_progress pp = {opts, map, m};
  r = hutch_registry_fetch_blobs(reg, ref->path, fetch, nfetch,
                                 opts && opts->progress ? on_fetch : NULL, &pp, err);
  if (r < 0) {
    hutch_error_wrap(err, "%s", full);
    goto out;
  }
  r = unpack_layers(s, m, cfg, opts, err);
  if (r < 0) {
    hutch_error_wrap(err, "%s", full);
    goto out;
  }
  char stored[HUTCH_DIGEST_LEN];
  if ((r = hutch_store_put_blob(s, mdata, mlen, stored, err)) < 0)
    goto out;
  /* the index is written last: until here the image does not exist */
  r = index_add(s, mdigest, m, m->media_type, cfg, platstr, store_name, NULL, err);
  if (r < 0)
    goto out;
  if (out)
    r = hutch_image_lookup(s, mdigest, out, err);
out:
  if (paths)
    hutch_strv_free(paths);
  hutch_manifest_free(m);
  hutch_image_config_free(cfg);
  hutch_platform_clear(&plat);
  return r;
}

int hutch_image_commit(struct hutch_store *s, const char *manifest, size_t len, const char *name,
                       struct hutch_image **out, struct hutch_error **err) {
  return hutch_image_commit_child(s, manifest, len, name, NULL, out, err);
}

int hutch_image_commit_child(struct hutch_store *s, const char *manifest, size_t len,
                             const char *name, const char *parent, struct hutch_image **out,
                             struct hutch_error **err) {
  struct hutch_manifest *m = NULL;
  struct hutch_image_config *cfg = NULL;
  _cleanup_free_ char *cdata = NULL;
  /* declared before the first goto: the error paths jump over its
   * initialisation and its cleanup would free garbage */
  _cleanup_free_ char *plat = NULL;
  size_t clen = 0;
  char mdigest[HUTCH_DIGEST_LEN];
  int r = hutch_manifest_parse(manifest, len, NULL, &m, err);
  if (r < 0)
    return r;
  if (m->kind != HUTCH_MANIFEST_IMAGE) {
    r = hutch_error_set(err, EINVAL, "not an image manifest");
    goto out;
  }
  if ((r = hutch_store_read_blob(s, m->config.digest, &cdata, &clen, err)) < 0 ||
      (r = hutch_image_config_parse(cdata, clen, &cfg, err)) < 0 ||
      (r = check_manifest(m, cfg, err)) < 0)
    goto out;
  for (size_t i = 0; i < m->n_layers; i++)
    if (!hutch_store_has_blob(s, m->layers[i].digest)) {
      r = hutch_error_set(err, ENOENT, "layer %s: blob missing", m->layers[i].digest);
      goto out;
    }
  if ((r = unpack_layers(s, m, cfg, NULL, err)) < 0)
    goto out;
  if ((r = hutch_store_put_blob(s, manifest, len, mdigest, err)) < 0)
    goto out;
  if (cfg->os && cfg->architecture &&
      asprintf(&plat, "%s/%s%s%s", cfg->os, cfg->architecture, cfg->variant ? "/" : "",
               cfg->variant ? cfg->variant : "") < 0)
    plat = NULL;
  r = index_add(s, mdigest, m, m->media_type, cfg, plat, name, parent, err);
  if (r == 0 && out)
    r = hutch_image_lookup(s, mdigest, out, err);
out:
  hutch_manifest_free(m);
  hutch_image_config_free(cfg);
  return r;
}

static void rfc3339_now(char *buf, size_t n) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int hutch_image_import(struct hutch_store *s, int fd, const char *name, struct hutch_image **out,
                       struct hutch_error **err) {
  _cleanup_free_ char *store_name = NULL;
  if (name) {
    _cleanup_reference_ struct hutch_reference *ref = NULL;
    int r = hutch_reference_parse(name, &ref, err);
    if (r < 0)
      return r;
    store_name = hutch_reference_store_name(ref);
  }
  /* Store the layer uncompressed, whatever the input's compression: its
   * digest is then its diff-id and save can write it as is. */
  _cleanup_free_ char *tmp = NULL;
  if (asprintf(&tmp, "%s/tmp/import-XXXXXX", s->root) < 0)
    return hutch_error_set(err, ENOMEM, "import");
  _cleanup_close_ int tfd = mkostemp(tmp, O_CLOEXEC);
  if (tfd < 0)
    return hutch_error_set(err, errno, "import: create %s", tmp);
  char diff[HUTCH_DIGEST_LEN];
  int r = hutch_layer_decompress(fd, tfd, diff, err);
  if (r < 0) {
    unlink(tmp);
    return hutch_error_wrap(err, "import");
  }
  struct stat st;
  fstat(tfd, &st);
  r = hutch_store_commit_blob_file(s, tmp, diff, err);
  if (r < 0) {
    unlink(tmp);
    return r;
  }
  struct hutch_platform plat = {0};
  hutch_platform_host(&plat);
  char now[64];
  rfc3339_now(now, sizeof(now));
  _cleanup_json_ json_t *cfg = json_pack(
      "{s:s, s:s, s:s, s:{}, s:{s:s, s:[s]}, s:[{s:s, s:s}]}", "created", now, "architecture",
      plat.architecture, "os", plat.os, "config", "rootfs", "type", "layers", "diff_ids", diff,
      "history", "created", now, "created_by", "hutch import");
  if (plat.variant)
    json_object_set_new(cfg, "variant", json_string(plat.variant));
  hutch_platform_clear(&plat);
  _cleanup_free_ char *ctext = json_dumps(cfg, JSON_COMPACT);
  char cd[HUTCH_DIGEST_LEN];
  r = hutch_store_put_blob(s, ctext, strlen(ctext), cd, err);
  if (r < 0)
    return r;
  _cleanup_json_ json_t *man =
      json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}]}", "schemaVersion", 2,
                "mediaType", HUTCH_MT_OCI_MANIFEST, "config", "mediaType", HUTCH_MT_OCI_CONFIG,
                "digest", cd, "size", (json_int_t)strlen(ctext), "layers", "mediaType",
                HUTCH_MT_OCI_LAYER, "digest", diff, "size", (json_int_t)st.st_size);
  _cleanup_free_ char *mtext = json_dumps(man, JSON_COMPACT);
  return hutch_image_commit(s, mtext, strlen(mtext), store_name, out, err);
}

int hutch_image_tag(struct hutch_store *s, const char *src, const char *dst,
                    struct hutch_error **err) {
  _cleanup_reference_ struct hutch_reference *ref = NULL;
  int r = hutch_reference_parse(dst, &ref, err);
  if (r < 0)
    return r;
  if (ref->digest)
    return hutch_error_set(err, EINVAL, "tag %s: a tag cannot name a digest", dst);
  _cleanup_free_ char *sn = hutch_reference_store_name(ref);
  json_t *index = NULL;
  r = hutch_store_index_begin(s, &index, err);
  if (r < 0)
    return r;
  const char *md = NULL;
  r = resolve(index, src, &md, err);
  if (r == 0) {
    json_object_set_new(json_object_get(index, "names"), sn, json_string(md));
    r = hutch_store_index_commit(s, index, err);
  }
  hutch_store_index_end(s);
  json_decref(index);
  return r;
}

/* holds: hutch_store_holds(); "" holds every image */
static const char *holder_of(json_t *holds, const char *md) {
  const char *k;
  json_t *v;
  json_object_foreach(holds, k, v) {
    const char *h = json_string_value(v);
    if (h && (*h == '\0' || strcmp(h, md) == 0))
      return k;
  }
  return NULL;
}

static size_t names_of(json_t *index, const char *md, char ***out) {
  const char *k;
  json_t *v;
  json_object_foreach(json_object_get(index, "names"), k, v) {
    if (json_string_value(v) && strcmp(json_string_value(v), md) == 0)
      hutch_strv_push(out, k);
  }
  return hutch_strv_len(*out);
}

static void logf_push(char ***log, const char *fmt, const char *arg) {
  if (log == NULL)
    return;
  _cleanup_free_ char *s = NULL;
  if (asprintf(&s, fmt, arg) >= 0)
    hutch_strv_push(log, s);
}

int hutch_image_remove(struct hutch_store *s, const char *ref_or_id, bool force, char ***log,
                       struct hutch_error **err) {
  json_t *index = NULL;
  int r = hutch_store_index_begin(s, &index, err);
  if (r < 0)
    return r;
  const char *md0 = NULL;
  _cleanup_free_ char *md = NULL;
  _cleanup_strv_ char **names = NULL;
  _cleanup_reference_ struct hutch_reference *ref = NULL;
  _cleanup_free_ char *sn = NULL;
  _cleanup_json_ json_t *holds = NULL;
  r = resolve(index, ref_or_id, &md0, err);
  if (r < 0)
    goto out;
  md = strdup(md0);
  json_t *names_obj = json_object_get(index, "names");
  json_t *images = json_object_get(index, "images");
  r = hutch_store_holds(s, index, &holds, err);
  if (r < 0)
    goto out;
  const char *holder = holder_of(holds, md);
  size_t nn = names_of(index, md, &names);
  /* by name: remove just that name */
  if (hutch_reference_parse(ref_or_id, &ref, NULL) == 0)
    sn = hutch_reference_store_name(ref);
  bool by_name = sn && json_object_get(names_obj, sn);
  if (!by_name && nn > 1 && !force) {
    r = hutch_error_set(err, EBUSY,
                        "image %s is referenced by %zu names; remove them by name or use --force",
                        ref_or_id, nn);
    goto out;
  }
  if (holder && !force && (!by_name || nn == 1)) {
    r = hutch_error_say(err, EBUSY, "image %s is in use by container %s", ref_or_id, holder);
    goto out;
  }
  if (by_name) {
    json_object_del(names_obj, sn);
    logf_push(log, "Untagged: %s", sn);
    nn--;
  } else {
    for (size_t i = 0; names && names[i]; i++) {
      json_object_del(names_obj, names[i]);
      logf_push(log, "Untagged: %s", names[i]);
    }
    nn = 0;
  }
  if (nn == 0 && !holder) {
    const char *cfg = json_string_value(json_object_get(json_object_get(images, md), "config"));
    logf_push(log, "Deleted: %s", cfg ? cfg : md);
    json_object_del(images, md);
  }
  r = hutch_store_index_commit(s, index, err);
out:
  hutch_store_index_end(s);
  json_decref(index);
  if (r == 0)
    r = hutch_store_gc(s, false, NULL, err);
  return r;
}

int hutch_image_prune(struct hutch_store *s, bool all, char ***deleted, uint64_t *freed,
                      struct hutch_error **err) {
  json_t *index = NULL;
  int r = hutch_store_index_begin(s, &index, err);
  if (r < 0)
    return r;
  json_t *images = json_object_get(index, "images");
  json_t *names = json_object_get(index, "names");
  _cleanup_json_ json_t *holds = NULL;
  if (hutch_store_holds(s, index, &holds, err) < 0) {
    hutch_store_index_end(s);
    json_decref(index);
    return -1;
  }
  const char *key;
  json_t *rec;
  void *tmp;
  json_object_foreach_safe(images, tmp, key, rec) {
    _cleanup_strv_ char **nv = NULL;
    size_t nn = names_of(index, key, &nv);
    if (holder_of(holds, key) || (nn > 0 && !all))
      continue;
    for (size_t i = 0; nv && nv[i]; i++)
      json_object_del(names, nv[i]);
    const char *cfg = json_string_value(json_object_get(rec, "config"));
    logf_push(deleted, "deleted: %s", cfg ? cfg : key);
    json_object_del(images, key);
  }
  r = hutch_store_index_commit(s, index, err);
  hutch_store_index_end(s);
  json_decref(index);
  if (r == 0)
    r = hutch_store_gc(s, true, freed, err);
  return r;
}

int hutch_image_hold(struct hutch_store *s, const char *holder, const char *image,
                     struct hutch_error **err) {
  json_t *index = NULL;
  int r = hutch_store_index_begin(s, &index, err);
  if (r < 0)
    return r;
  /* the index lock keeps an rmi from deleting it between lookup and hold;
   * the hold itself is a file: the index is not rewritten */
  const char *md = NULL;
  r = resolve(index, image, &md, err);
  if (r == 0) {
    r = hutch_store_hold_set(s, holder, md);
    if (r < 0)
      r = hutch_error_set(err, r, "hold image %s for %s", image, holder);
  }
  hutch_store_index_end(s);
  json_decref(index);
  return r;
}

int hutch_image_release(struct hutch_store *s, const char *holder, struct hutch_error **err) {
  int r = hutch_store_hold_clear(s, holder);
  if (r < 0)
    return hutch_error_set(err, r, "release the image hold of %s", holder);
  /* a hold from before holds/ existed is in the index */
  _cleanup_json_ json_t *snap = NULL;
  if (hutch_store_index_read(s, &snap, err) < 0)
    return -1;
  if (!json_object_get(json_object_get(snap, "holds"), holder))
    return 0;
  json_t *index = NULL;
  r = hutch_store_index_begin(s, &index, err);
  if (r < 0)
    return r;
  if (json_object_del(json_object_get(index, "holds"), holder) == 0)
    r = hutch_store_index_commit(s, index, err);
  hutch_store_index_end(s);
  json_decref(index);
  return r;
}
