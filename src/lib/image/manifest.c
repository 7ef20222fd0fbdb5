/* Manifest, index and image config parsing (jansson); see manifest.h. */
#include "manifest.h"

#include "reference.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

static char *dup_str(json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? strdup(s) : NULL;
}

void hutch_platform_clear(struct hutch_platform *p) {
  free(p->os);
  free(p->architecture);
  free(p->variant);
  p->os = p->architecture = p->variant = NULL;
}

static void descriptor_clear(struct hutch_descriptor *d) {
  free(d->media_type);
  free(d->digest);
  hutch_platform_clear(&d->platform);
}

void hutch_manifest_free(struct hutch_manifest *m) {
  if (m == NULL)
    return;
  free(m->media_type);
  descriptor_clear(&m->config);
  for (size_t i = 0; i < m->n_layers; i++)
    descriptor_clear(&m->layers[i]);
  free(m->layers);
  for (size_t i = 0; i < m->n_manifests; i++)
    descriptor_clear(&m->manifests[i]);
  free(m->manifests);
  free(m);
}

static void manifest_freep(struct hutch_manifest **m) {
  hutch_manifest_free(*m);
}

static int parse_descriptor(json_t *j, const char *where, struct hutch_descriptor *d,
                            struct hutch_error **err) {
  if (!json_is_object(j))
    return hutch_error_set(err, EINVAL, "%s: must be an object", where);
  d->media_type = dup_str(j, "mediaType");
  d->digest = dup_str(j, "digest");
  json_t *size = json_object_get(j, "size");
  if (d->digest == NULL || !hutch_digest_valid(d->digest))
    return hutch_error_set(err, EINVAL, "%s.digest: must be a sha256 digest", where);
  if (!json_is_integer(size) || json_integer_value(size) < 0)
    return hutch_error_set(err, EINVAL, "%s.size: must be a non-negative integer", where);
  d->size = json_integer_value(size);
  json_t *p = json_object_get(j, "platform");
  if (json_is_object(p)) {
    d->platform.os = dup_str(p, "os");
    d->platform.architecture = dup_str(p, "architecture");
    d->platform.variant = dup_str(p, "variant");
  }
  return 0;
}

static int parse_descriptors(json_t *arr, const char *where, struct hutch_descriptor **out,
                             size_t *n, struct hutch_error **err) {
  if (!json_is_array(arr))
    return hutch_error_set(err, EINVAL, "%s: must be an array", where);
  *n = json_array_size(arr);
  *out = calloc(*n ? *n : 1, sizeof(**out));
  if (*out == NULL)
    return hutch_error_set(err, ENOMEM, "%s", where);
  for (size_t i = 0; i < *n; i++) {
    char w[64];
    snprintf(w, sizeof(w), "%s[%zu]", where, i);
    int r = parse_descriptor(json_array_get(arr, i), w, &(*out)[i], err);
    if (r < 0)
      return r;
  }
  return 0;
}

int hutch_manifest_parse(const char *data, size_t len, const char *content_type,
                         struct hutch_manifest **out, struct hutch_error **err) {
  json_error_t je;
  _cleanup_json_ json_t *j = json_loadb(data, len, 0, &je);
  if (j == NULL || !json_is_object(j))
    return hutch_error_set(err, EINVAL, "manifest: not a JSON object: %s", j ? "" : je.text);
  json_t *sv = json_object_get(j, "schemaVersion");
  const char *mt = json_string_value(json_object_get(j, "mediaType"));
  if (mt == NULL && content_type && *content_type)
    mt = content_type;
  if ((json_is_integer(sv) && json_integer_value(sv) == 1) ||
      (mt && strstr(mt, "distribution.manifest.v1"))) {
    return hutch_error_set(err, ENOTSUP,
                           "manifest schema 1 is not supported (deprecated since 2017); push the "
                           "image again with a current client");
  }
  if (!json_is_integer(sv) || json_integer_value(sv) != 2)
    return hutch_error_set(err, EINVAL, "manifest.schemaVersion: must be 2");
  _cleanup_(manifest_freep) struct hutch_manifest *m = calloc(1, sizeof(*m));
  if (m == NULL)
    return hutch_error_set(err, ENOMEM, "manifest");
  json_t *manifests = json_object_get(j, "manifests");
  bool index;
  if (mt && (strcmp(mt, HUTCH_MT_OCI_INDEX) == 0 || strcmp(mt, HUTCH_MT_DOCKER_LIST) == 0))
    index = true;
  else if (mt &&
           (strcmp(mt, HUTCH_MT_OCI_MANIFEST) == 0 || strcmp(mt, HUTCH_MT_DOCKER_MANIFEST) == 0))
    index = false;
  else if (mt && strcmp(mt, "application/json") != 0 &&
           strcmp(mt, "application/octet-stream") != 0 && strcmp(mt, "text/plain") != 0)
    return hutch_error_set(err, ENOTSUP, "manifest: unsupported media type \"%s\"", mt);
  else /* OCI lets the mediaType field be absent: go by shape */
    index = manifests != NULL;
  m->kind = index ? HUTCH_MANIFEST_INDEX : HUTCH_MANIFEST_IMAGE;
  m->media_type = strdup(mt && strchr(mt, '+') ? mt
                         : index               ? HUTCH_MT_OCI_INDEX
                                               : HUTCH_MT_OCI_MANIFEST);
  int r;
  if (index) {
    r = parse_descriptors(manifests, "manifest.manifests", &m->manifests, &m->n_manifests, err);
  } else {
    r = parse_descriptor(json_object_get(j, "config"), "manifest.config", &m->config, err);
    if (r == 0)
      r = parse_descriptors(json_object_get(j, "layers"), "manifest.layers", &m->layers,
                            &m->n_layers, err);
  }
  if (r < 0)
    return r;
  *out = TAKE_PTR(m);
  return 0;
}

int hutch_platform_parse(const char *s, struct hutch_platform *out, struct hutch_error **err) {
  memset(out, 0, sizeof(*out));
  _cleanup_free_ char *c = strdup(s);
  if (c == NULL)
    return hutch_error_set(err, ENOMEM, "platform");
  char *save = NULL;
  char *os = strtok_r(c, "/", &save);
  char *arch = strtok_r(NULL, "/", &save);
  char *variant = strtok_r(NULL, "/", &save);
  if (os == NULL || arch == NULL || strtok_r(NULL, "/", &save) != NULL)
    return hutch_error_set(err, EINVAL, "platform \"%s\": must be os/arch[/variant]", s);
  out->os = strdup(os);
  out->architecture = strdup(arch);
  out->variant = variant ? strdup(variant) : NULL;
  return 0;
}

int hutch_platform_host(struct hutch_platform *out) {
  static const struct {
    const char *machine, *arch, *variant;
  } map[] = {
      {"x86_64", "amd64", NULL},    {"aarch64", "arm64", NULL}, {"armv7l", "arm", "v7"},
      {"armv6l", "arm", "v6"},      {"i686", "386", NULL},      {"i386", "386", NULL},
      {"ppc64le", "ppc64le", NULL}, {"s390x", "s390x", NULL},   {"riscv64", "riscv64", NULL},
  };
  struct utsname u;
  memset(out, 0, sizeof(*out));
  if (uname(&u) < 0)
    return -errno;
  out->os = strdup("linux");
  out->architecture = strdup(u.machine);
  for (size_t i = 0; i < ARRAY_SIZE(map); i++)
    if (strcmp(u.machine, map[i].machine) == 0) {
      free(out->architecture);
      out->architecture = strdup(map[i].arch);
      out->variant = map[i].variant ? strdup(map[i].variant) : NULL;
    }
  return out->os && out->architecture ? 0 : -ENOMEM;
}

char *hutch_platform_string(const struct hutch_platform *p) {
  char *s = NULL;
  if (asprintf(&s, "%s/%s%s%s", p->os ? p->os : "?", p->architecture ? p->architecture : "?",
               p->variant ? "/" : "", p->variant ? p->variant : "") < 0)
    return NULL;
  return s;
}

/* arm64's only variant is v8, so "" and "v8" are the same platform there
 * (containerd's platforms package normalises the same way). */
static const char *norm_variant(const char *arch, const char *v) {
  if (v && strcmp(arch, "arm64") == 0 && strcmp(v, "v8") == 0)
    return NULL;
  return v && *v ? v : NULL;
}

int hutch_manifest_pick(const struct hutch_manifest *index, const struct hutch_platform *p,
                        const struct hutch_descriptor **out, struct hutch_error **err) {
  const struct hutch_descriptor *loose = NULL;
  const char *want_v = norm_variant(p->architecture, p->variant);
  for (size_t i = 0; i < index->n_manifests; i++) {
    const struct hutch_descriptor *d = &index->manifests[i];
    if (!d->platform.os || !d->platform.architecture || strcmp(d->platform.os, p->os) != 0 ||
        strcmp(d->platform.architecture, p->architecture) != 0)
      continue;
    const char *have_v = norm_variant(d->platform.architecture, d->platform.variant);
    if ((want_v == NULL && have_v == NULL) || (want_v && have_v && strcmp(want_v, have_v) == 0)) {
      *out = d;
      return 0;
    }
    /* a variantless entry serves any variant; a variant we did not ask for
     * is only a fallback when nothing better is listed */
    if (loose == NULL && (have_v == NULL || want_v == NULL))
      loose = d;
  }
  if (loose) {
    *out = loose;
    return 0;
  }
  _cleanup_free_ char *want = hutch_platform_string(p);
  char have[1024] = "";
  size_t o = 0;
  for (size_t i = 0; i < index->n_manifests && o < sizeof(have) - 64; i++) {
    _cleanup_free_ char *s = hutch_platform_string(&index->manifests[i].platform);
    o += (size_t)snprintf(have + o, sizeof(have) - o, "%s%s", i ? ", " : "", s ? s : "?");
  }
  return hutch_error_set(err, ENOENT, "no image for platform %s in the index (it has: %s)",
                         want ? want : "?", index->n_manifests ? have : "nothing");
}

bool hutch_layer_media_type_supported(const char *mt) {
  static const char *ok[] = {
      HUTCH_MT_OCI_LAYER,
      HUTCH_MT_OCI_LAYER_GZIP,
      HUTCH_MT_OCI_LAYER_ZSTD,
      HUTCH_MT_DOCKER_LAYER,
      "application/vnd.docker.image.rootfs.diff.tar",
      "application/vnd.docker.image.rootfs.diff.tar.zstd",
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  };
  if (mt == NULL)
    return false;
  for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
    if (strcmp(mt, ok[i]) == 0)
      return true;
  return false;
}

void hutch_image_config_free(struct hutch_image_config *c) {
  if (c == NULL)
    return;
  free(c->architecture);
  free(c->os);
  free(c->variant);
  free(c->created);
  free(c->author);
  hutch_strv_free(c->env);
  hutch_strv_free(c->entrypoint);
  hutch_strv_free(c->cmd);
  free(c->working_dir);
  free(c->user);
  free(c->stop_signal);
  hutch_strv_free(c->exposed_ports);
  hutch_strv_free(c->volumes);
  hutch_strv_free(c->labels);
  hutch_strv_free(c->diff_ids);
  hutch_strv_free(c->health_test);
  free(c);
}

static void config_freep(struct hutch_image_config **c) {
  hutch_image_config_free(*c);
}

/* A JSON array of strings into a NULL-terminated vector; NULL stays NULL,
 * [] becomes an empty vector. */
int hutch_json_strv(json_t *a, const char *where, char ***out, struct hutch_error **err) {
  *out = NULL;
  if (a == NULL || json_is_null(a))
    return 0;
  if (!json_is_array(a))
    return hutch_error_set(err, EINVAL, "%s: must be an array of strings", where);
  *out = calloc(1, sizeof(char *));
  if (*out == NULL)
    return hutch_error_set(err, ENOMEM, "%s", where);
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) {
    if (!json_is_string(v))
      return hutch_error_set(err, EINVAL, "%s[%zu]: must be a string", where, i);
    if (hutch_strv_push(out, json_string_value(v)) < 0)
      return hutch_error_set(err, ENOMEM, "%s", where);
  }
  return 0;
}

static int strv_from_keys(json_t *o, const char *where, bool with_values, char ***out,
                          struct hutch_error **err) {
  *out = NULL;
  if (o == NULL || json_is_null(o))
    return 0;
  if (!json_is_object(o))
    return hutch_error_set(err, EINVAL, "%s: must be an object", where);
  *out = calloc(1, sizeof(char *));
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    _cleanup_free_ char *s = NULL;
    if (with_values) {
      if (!json_is_string(v))
        return hutch_error_set(err, EINVAL, "%s.%s: must be a string", where, k);
      if (asprintf(&s, "%s=%s", k, json_string_value(v)) < 0)
        s = NULL;
    } else {
      s = strdup(k);
    }
    if (*out == NULL || s == NULL || hutch_strv_push(out, s) < 0)
      return hutch_error_set(err, ENOMEM, "%s", where);
  }
  return 0;
}

int hutch_image_config_parse(const char *data, size_t len, struct hutch_image_config **out,
                             struct hutch_error **err) {
  json_error_t je;
  _cleanup_json_ json_t *j = json_loadb(data, len, 0, &je);
  if (j == NULL || !json_is_object(j))
    return hutch_error_set(err, EINVAL, "image config: not a JSON object: %s", j ? "" : je.text);
  _cleanup_(config_freep) struct hutch_image_config *c = calloc(1, sizeof(*c));
  if (c == NULL)
    return hutch_error_set(err, ENOMEM, "image config");
  c->architecture = dup_str(j, "architecture");
  c->os = dup_str(j, "os");
  c->variant = dup_str(j, "variant");
  c->created = dup_str(j, "created");
  c->author = dup_str(j, "author");
  json_t *cfg = json_object_get(j, "config");
  if (cfg && !json_is_null(cfg) && !json_is_object(cfg))
    return hutch_error_set(err, EINVAL, "image config.config: must be an object");
  int r = 0;
  if (json_is_object(cfg)) {
    c->working_dir = dup_str(cfg, "WorkingDir");
    c->user = dup_str(cfg, "User");
    c->stop_signal = dup_str(cfg, "StopSignal");
    if ((r = hutch_json_strv(json_object_get(cfg, "Env"), "config.Env", &c->env, err)) < 0 ||
        (r = hutch_json_strv(json_object_get(cfg, "Entrypoint"), "config.Entrypoint",
                             &c->entrypoint, err)) < 0 ||
        (r = hutch_json_strv(json_object_get(cfg, "Cmd"), "config.Cmd", &c->cmd, err)) < 0 ||
        (r = strv_from_keys(json_object_get(cfg, "ExposedPorts"), "config.ExposedPorts", false,
                            &c->exposed_ports, err)) < 0 ||
        (r = strv_from_keys(json_object_get(cfg, "Volumes"), "config.Volumes", false, &c->volumes,
                            err)) < 0 ||
        (r = strv_from_keys(json_object_get(cfg, "Labels"), "config.Labels", true, &c->labels,
                            err)) < 0)
      return r;
    json_t *hc = json_object_get(cfg, "Healthcheck");
    if (json_is_object(hc)) {
      if ((r = hutch_json_strv(json_object_get(hc, "Test"), "config.Healthcheck.Test",
                               &c->health_test, err)) < 0)
        return r;
      c->health_interval = json_integer_value(json_object_get(hc, "Interval"));
      c->health_timeout = json_integer_value(json_object_get(hc, "Timeout"));
      c->health_start_period = json_integer_value(json_object_get(hc, "StartPeriod"));
      c->health_retries = (int)json_integer_value(json_object_get(hc, "Retries"));
    }
  }
  json_t *rootfs = json_object_get(j, "rootfs");
  if (!json_is_object(rootfs))
    return hutch_error_set(err, EINVAL, "image config.rootfs: missing");
  r = hutch_json_strv(json_object_get(rootfs, "diff_ids"), "rootfs.diff_ids", &c->diff_ids, err);
  if (r < 0)
    return r;
  if (c->diff_ids == NULL)
    return hutch_error_set(err, EINVAL, "image config.rootfs.diff_ids: missing");
  c->n_diff_ids = hutch_strv_len(c->diff_ids);
  for (size_t i = 0; i < c->n_diff_ids; i++)
    if (!hutch_digest_valid(c->diff_ids[i]))
      return hutch_error_set(err, EINVAL, "image config.rootfs.diff_ids[%zu]: not a sha256 digest",
                             i);
  *out = TAKE_PTR(c);
  return 0;
}
