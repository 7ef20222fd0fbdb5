/* docker-archive and OCI layout archives; see archive.h.
 *
 * docker-archive: manifest.json ([{Config, RepoTags, Layers}]), the config
 * as <hex>.json, and each layer as an uncompressed <diff-id hex>/layer.tar.
 * OCI: oci-layout, index.json (ref.name annotations), blobs/sha256/<hex>.
 * Loading first extracts the outer tar into a temp dir with the same
 * contained unpacker as layers (archives from elsewhere are outside
 * input too, and docker's hold symlinks between layer dirs), then reads
 * files by path inside that dir. */
#include "image_archive.h"

#include "reference.h"
#include "unpack.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REF_NAME "org.opencontainers.image.ref.name"
#define CONTAINERD_NAME "io.containerd.image.name"

static const char *hex_of(const char *d) {
  return strncmp(d, "sha256:", 7) == 0 ? d + 7 : d;
}

/* ---- save ---- */

static int add_buf(struct archive *a, const char *name, const void *data, size_t len,
                   struct hutch_error **err) {
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, name);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, (la_int64_t)len);
  int r = 0;
  if (archive_write_header(a, e) != ARCHIVE_OK ||
      (len && archive_write_data(a, data, len) != (la_ssize_t)len))
    r = hutch_error_set(err, EIO, "write %s: %s", name, archive_error_string(a));
  archive_entry_free(e);
  return r;
}

static int add_fd(struct archive *a, const char *name, int fd, struct hutch_error **err) {
  struct stat st;
  if (fstat(fd, &st) < 0)
    return hutch_error_set(err, errno, "stat %s", name);
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, name);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, st.st_size);
  int r = 0;
  if (archive_write_header(a, e) != ARCHIVE_OK) {
    r = hutch_error_set(err, EIO, "write %s: %s", name, archive_error_string(a));
    goto out;
  }
  char buf[65536];
  ssize_t n;
  lseek(fd, 0, SEEK_SET);
  while ((n = read(fd, buf, sizeof(buf))) > 0)
    if (archive_write_data(a, buf, (size_t)n) != n) {
      r = hutch_error_set(err, EIO, "write %s: %s", name, archive_error_string(a));
      goto out;
    }
  if (n < 0)
    r = hutch_error_set(err, errno, "read %s", name);
out:
  archive_entry_free(e);
  return r;
}

static int add_blob(struct hutch_store *s, struct archive *a, const char *name, const char *digest,
                    struct hutch_error **err) {
  _cleanup_free_ char *p = hutch_store_blob_path(s, digest);
  _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return hutch_error_set(err, errno, "blob %s", digest);
  return add_fd(a, name, fd, err);
}

static bool listed(json_t *names, const char *n) {
  size_t i;
  json_t *v;
  json_array_foreach(names, i, v) {
    if (strcmp(json_string_value(v), n) == 0)
      return true;
  }
  return false;
}

static int save_docker_image(struct hutch_store *s, struct archive *a, struct hutch_image *img,
                             const char *asked, json_t *manifest, json_t *done,
                             struct hutch_error **err) {
  char name[128];
  snprintf(name, sizeof(name), "%s.json", hex_of(img->id));
  int r = 0;
  if (!json_object_get(done, name)) {
    r = add_buf(a, name, img->config_json, img->config_len, err);
    json_object_set_new(done, name, json_true());
  }
  json_t *layers = json_array();
  for (size_t i = 0; r == 0 && i < img->n_layers; i++) {
    char lname[128];
    snprintf(lname, sizeof(lname), "%s/layer.tar", hex_of(img->diff_ids[i]));
    json_array_append_new(layers, json_string(lname));
    if (json_object_get(done, lname))
      continue;
    json_object_set_new(done, lname, json_true());
    /* docker-archive layers are plain tars: decompress into a temp file
     * (the tar header needs the size first) */
    _cleanup_free_ char *blob = hutch_store_blob_path(s, img->layer_digests[i]);
    _cleanup_close_ int bfd = open(blob, O_RDONLY | O_CLOEXEC);
    if (bfd < 0) {
      r = hutch_error_set(err, errno, "blob %s", img->layer_digests[i]);
      break;
    }
    _cleanup_free_ char *tmp = NULL;
    if (asprintf(&tmp, "%s/tmp/save-XXXXXX", s->root) < 0)
      return hutch_error_set(err, ENOMEM, "save");
    _cleanup_close_ int tfd = mkostemp(tmp, O_CLOEXEC);
    if (tfd < 0)
      return hutch_error_set(err, errno, "save: temp file");
    unlink(tmp);
    char diff[HUTCH_DIGEST_LEN];
    r = hutch_layer_decompress(bfd, tfd, diff, err);
    if (r == 0)
      r = add_fd(a, lname, tfd, err);
  }
  /* the name asked for, or all names when asked by id */
  json_t *tags = json_array();
  for (size_t i = 0; img->names && img->names[i]; i++) {
    if (strchr(img->names[i], '@'))
      continue;
    if (asked == NULL || strcmp(asked, img->names[i]) == 0)
      json_array_append_new(tags, json_string(img->names[i]));
  }
  json_t *entry = NULL;
  size_t i;
  json_t *m;
  json_array_foreach(manifest, i, m) {
    if (strcmp(json_string_value(json_object_get(m, "Config")), name) == 0)
      entry = m;
  }
  if (entry) {
    json_t *t;
    json_array_foreach(tags, i, t) {
      if (!listed(json_object_get(entry, "RepoTags"), json_string_value(t)))
        json_array_append(json_object_get(entry, "RepoTags"), t);
    }
    json_decref(tags);
    json_decref(layers);
  } else {
    json_array_append_new(
        manifest, json_pack("{s:s, s:o, s:o}", "Config", name, "RepoTags", tags, "Layers", layers));
  }
  return r;
}

static int save_oci_image(struct hutch_store *s, struct archive *a, struct hutch_image *img,
                          const char *asked, json_t *index, json_t *done,
                          struct hutch_error **err) {
  const char *blobs[64];
  size_t nb = 0;
  blobs[nb++] = img->manifest_digest;
  blobs[nb++] = img->id;
  int r = 0;
  for (size_t i = 0; r == 0; i++) {
    const char *d =
        i < nb ? blobs[i] : (i - nb < img->n_layers ? img->layer_digests[i - nb] : NULL);
    if (d == NULL)
      break;
    char name[128];
    snprintf(name, sizeof(name), "blobs/sha256/%s", hex_of(d));
    if (json_object_get(done, name))
      continue;
    json_object_set_new(done, name, json_true());
    r = add_blob(s, a, name, d, err);
  }
  if (r < 0)
    return r;
  _cleanup_free_ char *mp = hutch_store_blob_path(s, img->manifest_digest);
  struct stat st;
  if (stat(mp, &st) < 0)
    return hutch_error_set(err, errno, "blob %s", img->manifest_digest);
  bool any = false;
  json_t *manifests = json_object_get(index, "manifests");
  for (size_t i = 0; img->names && img->names[i]; i++) {
    if (strchr(img->names[i], '@') || (asked && strcmp(asked, img->names[i]) != 0))
      continue;
    any = true;
    json_array_append_new(manifests,
                          json_pack("{s:s, s:s, s:I, s:{s:s, s:s}}", "mediaType",
                                    img->manifest_media_type, "digest", img->manifest_digest,
                                    "size", (json_int_t)st.st_size, "annotations", REF_NAME,
                                    img->names[i], CONTAINERD_NAME, img->names[i]));
  }
  if (!any)
    json_array_append_new(
        manifests, json_pack("{s:s, s:s, s:I}", "mediaType", img->manifest_media_type, "digest",
                             img->manifest_digest, "size", (json_int_t)st.st_size));
  return 0;
}

int hutch_image_save(struct hutch_store *s, char *const *refs, size_t n,
                     enum hutch_archive_format format, int fd, struct hutch_error **err) {
  struct archive *a = archive_write_new();
  if (a == NULL)
    return hutch_error_set(err, ENOMEM, "save");
  archive_write_set_format_pax_restricted(a);
  if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
    archive_write_free(a);
    return hutch_error_set(err, EIO, "save: %s", archive_error_string(a));
  }
  _cleanup_json_ json_t *done = json_object();
  _cleanup_json_ json_t *manifest = json_array();
  _cleanup_json_ json_t *index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
                                           HUTCH_MT_OCI_INDEX, "manifests");
  int r = 0;
  if (format == HUTCH_ARCHIVE_OCI) {
    const char *layout = "{\"imageLayoutVersion\":\"1.0.0\"}";
    r = add_buf(a, "oci-layout", layout, strlen(layout), err);
  }
  for (size_t i = 0; r == 0 && i < n; i++) {
    _cleanup_image_ struct hutch_image *img = NULL;
    r = hutch_image_lookup(s, refs[i], &img, err);
    if (r < 0)
      break;
    /* "save alpine" saves the name alpine resolves to, not every name */
    _cleanup_reference_ struct hutch_reference *ref = NULL;
    _cleanup_free_ char *asked = NULL;
    if (hutch_reference_parse(refs[i], &ref, NULL) == 0) {
      asked = hutch_reference_store_name(ref);
      bool named = false;
      for (size_t k = 0; img->names && img->names[k]; k++)
        named = named || strcmp(img->names[k], asked) == 0;
      if (!named) {
        free(asked);
        asked = NULL;
      }
    }
    if (format == HUTCH_ARCHIVE_DOCKER)
      r = save_docker_image(s, a, img, asked, manifest, done, err);
    else
      r = save_oci_image(s, a, img, asked, index, done, err);
  }
  if (r == 0) {
    json_t *top = format == HUTCH_ARCHIVE_DOCKER ? manifest : index;
    _cleanup_free_ char *t = json_dumps(top, JSON_COMPACT);
    r = add_buf(a, format == HUTCH_ARCHIVE_DOCKER ? "manifest.json" : "index.json", t, strlen(t),
                err);
  }
  if (archive_write_close(a) != ARCHIVE_OK && r == 0)
    r = hutch_error_set(err, EIO, "save: %s", archive_error_string(a));
  archive_write_free(a);
  return r;
}

/* ---- load ---- */

static int read_in(int rootfd, const char *path, char **data, size_t *len,
                   struct hutch_error **err) {
  _cleanup_close_ int fd = hutch_open_in_root(rootfd, path, O_RDONLY, 0);
  if (fd < 0)
    return hutch_error_set(err, fd, "archive: %s", path);
  int r = hutch_read_fd(fd, data, len);
  if (r < 0)
    return hutch_error_set(err, r, "archive: read %s", path);
  return 0;
}

/* Copy the file at path (inside the extracted archive) into the store;
 * when want is given, the content must have that digest. */
static int import_blob(struct hutch_store *s, int rootfd, const char *path, const char *want,
                       char digest[static HUTCH_DIGEST_LEN], uint64_t *size,
                       struct hutch_error **err) {
  _cleanup_close_ int fd = hutch_open_in_root(rootfd, path, O_RDONLY, 0);
  if (fd < 0)
    return hutch_error_set(err, fd, "archive: %s", path);
  int r = hutch_store_put_blob_fd(s, fd, digest, size, err);
  if (r < 0)
    return r;
  if (want && strcmp(want, digest) != 0)
    return hutch_error_set(err, 0, "archive: %s: digest mismatch (content is %s)", path, digest);
  return 0;
}

static const char *layer_media_type(struct hutch_store *s, const char *digest) {
  _cleanup_free_ char *p = hutch_store_blob_path(s, digest);
  _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
  unsigned char m[4] = {0};
  if (fd >= 0 && read(fd, m, 4) == 4) {
    if (m[0] == 0x1f && m[1] == 0x8b)
      return HUTCH_MT_OCI_LAYER_GZIP;
    if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
      return HUTCH_MT_OCI_LAYER_ZSTD;
  }
  return HUTCH_MT_OCI_LAYER;
}

static void note(char ***loaded, const char *fmt, const char *arg) {
  _cleanup_free_ char *l = NULL;
  if (loaded && asprintf(&l, fmt, arg) >= 0)
    hutch_strv_push(loaded, l);
}

/* Name from an archive: a full reference, or NULL for none. */
static char *store_name_of(const char *n) {
  if (n == NULL || (!strchr(n, '/') && !strchr(n, ':')))
    return NULL; /* a bare tag ("latest") names no repository */
  _cleanup_reference_ struct hutch_reference *ref = NULL;
  if (hutch_reference_parse(n, &ref, NULL) < 0)
    return NULL;
  return hutch_reference_store_name(ref);
}

static int load_docker(struct hutch_store *s, int rootfd, char ***loaded,
                       struct hutch_error **err) {
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  int r = read_in(rootfd, "manifest.json", &data, &len, err);
  if (r < 0)
    return r;
  json_error_t je;
  _cleanup_json_ json_t *man = json_loadb(data, len, 0, &je);
  if (!json_is_array(man))
    return hutch_error_set(err, EINVAL, "archive: manifest.json: not an array");
  size_t i;
  json_t *m;
  json_array_foreach(man, i, m) {
    const char *cpath = json_string_value(json_object_get(m, "Config"));
    json_t *layers = json_object_get(m, "Layers");
    if (cpath == NULL || !json_is_array(layers))
      return hutch_error_set(err, EINVAL, "archive: manifest.json[%zu]: needs Config and Layers",
                             i);
    char cd[HUTCH_DIGEST_LEN];
    uint64_t csize = 0;
    if ((r = import_blob(s, rootfd, cpath, NULL, cd, &csize, err)) < 0)
      return r;
    json_t *ldesc = json_array();
    size_t k;
    json_t *l;
    json_array_foreach(layers, k, l) {
      char ld[HUTCH_DIGEST_LEN];
      uint64_t lsize = 0;
      const char *lp = json_string_value(l);
      if (lp == NULL || (r = import_blob(s, rootfd, lp, NULL, ld, &lsize, err)) < 0) {
        json_decref(ldesc);
        return r < 0 ? r : hutch_error_set(err, EINVAL, "archive: bad layer path");
      }
      json_array_append_new(ldesc,
                            json_pack("{s:s, s:s, s:I}", "mediaType", layer_media_type(s, ld),
                                      "digest", ld, "size", (json_int_t)lsize));
    }
    _cleanup_json_ json_t *om =
        json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
                  HUTCH_MT_OCI_MANIFEST, "config", "mediaType", HUTCH_MT_OCI_CONFIG, "digest", cd,
                  "size", (json_int_t)csize, "layers", ldesc);
    _cleanup_free_ char *mt = json_dumps(om, JSON_COMPACT);
    json_t *tags = json_object_get(m, "RepoTags");
    _cleanup_free_ char *first = store_name_of(json_string_value(json_array_get(tags, 0)));
    _cleanup_image_ struct hutch_image *img = NULL;
    r = hutch_image_commit(s, mt, strlen(mt), first, &img, err);
    if (r < 0)
      return r;
    json_t *t;
    json_array_foreach(tags, k, t) {
      _cleanup_free_ char *sn = store_name_of(json_string_value(t));
      if (sn == NULL)
        continue;
      if (k > 0 && (r = hutch_image_tag(s, img->manifest_digest, sn, err)) < 0)
        return r;
      note(loaded, "Loaded image: %s", sn);
    }
    if (json_array_size(tags) == 0)
      note(loaded, "Loaded image ID: %s", img->id);
  }
  return 0;
}

static int load_oci_manifest(struct hutch_store *s, int rootfd, const char *digest,
                             const char *name, char ***loaded, struct hutch_error **err);

static int load_oci(struct hutch_store *s, int rootfd, char ***loaded, struct hutch_error **err) {
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  int r = read_in(rootfd, "index.json", &data, &len, err);
  if (r < 0)
    return r;
  json_error_t je;
  _cleanup_json_ json_t *idx = json_loadb(data, len, 0, &je);
  json_t *ms = json_object_get(idx, "manifests");
  if (!json_is_array(ms))
    return hutch_error_set(err, EINVAL, "archive: index.json: no manifests");
  size_t i;
  json_t *d;
  json_array_foreach(ms, i, d) {
    const char *dg = json_string_value(json_object_get(d, "digest"));
    json_t *ann = json_object_get(d, "annotations");
    const char *n = json_string_value(json_object_get(ann, CONTAINERD_NAME));
    if (n == NULL)
      n = json_string_value(json_object_get(ann, REF_NAME));
    if (dg == NULL || !hutch_digest_valid(dg))
      return hutch_error_set(err, EINVAL, "archive: index.json: manifests[%zu].digest", i);
    r = load_oci_manifest(s, rootfd, dg, n, loaded, err);
    if (r < 0)
      return r;
  }
  return 0;
}

static int load_oci_manifest(struct hutch_store *s, int rootfd, const char *digest,
                             const char *name, char ***loaded, struct hutch_error **err) {
  char path[128], got[HUTCH_DIGEST_LEN];
  snprintf(path, sizeof(path), "blobs/sha256/%s", hex_of(digest));
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  int r = read_in(rootfd, path, &data, &len, err);
  if (r < 0)
    return r;
  hutch_sha256_buf(data, len, got);
  if (strcmp(got, digest) != 0)
    return hutch_error_set(err, 0, "archive: manifest %s: digest mismatch", digest);
  struct hutch_manifest *m = NULL;
  r = hutch_manifest_parse(data, len, NULL, &m, err);
  if (r < 0)
    return r;
  if (m->kind == HUTCH_MANIFEST_INDEX) {
    struct hutch_platform p = {0};
    const struct hutch_descriptor *pick = NULL;
    hutch_platform_host(&p);
    r = hutch_manifest_pick(m, &p, &pick, err);
    hutch_platform_clear(&p);
    if (r == 0)
      r = load_oci_manifest(s, rootfd, pick->digest, name, loaded, err);
    hutch_manifest_free(m);
    return r;
  }
  uint64_t sz;
  char d[HUTCH_DIGEST_LEN];
  snprintf(path, sizeof(path), "blobs/sha256/%s", hex_of(m->config.digest));
  r = import_blob(s, rootfd, path, m->config.digest, d, &sz, err);
  for (size_t i = 0; r == 0 && i < m->n_layers; i++) {
    snprintf(path, sizeof(path), "blobs/sha256/%s", hex_of(m->layers[i].digest));
    r = import_blob(s, rootfd, path, m->layers[i].digest, d, &sz, err);
  }
  hutch_manifest_free(m);
  if (r < 0)
    return r;
  _cleanup_free_ char *sn = store_name_of(name);
  _cleanup_image_ struct hutch_image *img = NULL;
  r = hutch_image_commit(s, data, len, sn, &img, err);
  if (r < 0)
    return r;
  if (sn)
    note(loaded, "Loaded image: %s", sn);
  else
    note(loaded, "Loaded image ID: %s", img->id);
  return 0;
}

int hutch_image_load(struct hutch_store *s, int fd, char ***loaded, struct hutch_error **err) {
  _cleanup_free_ char *tmp = NULL;
  if (asprintf(&tmp, "%s/tmp/load-XXXXXX", s->root) < 0 || mkdtemp(tmp) == NULL)
    return hutch_error_set(err, errno ? errno : ENOMEM, "load: temp dir");
  int r;
  _cleanup_close_ int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    r = hutch_error_set(err, errno, "load: open %s", tmp);
    goto out;
  }
  struct hutch_unpack_result res;
  r = hutch_layer_unpack(fd, dfd, &res, err);
  if (r < 0) {
    hutch_error_wrap(err, "load: read archive");
    goto out;
  }
  if (faccessat(dfd, "oci-layout", F_OK, 0) == 0 && faccessat(dfd, "index.json", F_OK, 0) == 0)
    r = load_oci(s, dfd, loaded, err);
  else if (faccessat(dfd, "manifest.json", F_OK, 0) == 0)
    r = load_docker(s, dfd, loaded, err);
  else
    r = hutch_error_set(err, EINVAL,
                        "load: neither a docker archive (manifest.json) nor an OCI layout");
out:
  hutch_rm_rf(tmp);
  return r;
}
