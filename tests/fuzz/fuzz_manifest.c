/* libFuzzer target for what a registry or an image archive hands us as
 * JSON: manifests and indexes (under each Content-Type a registry may
 * send, and none), platform selection from an index, and image configs.
 * The first input byte picks the Content-Type; the rest is the document. */
#include "fuzz.h"

#include "image/manifest.h"
#include "util/cleanup.h"
#include "util/log.h"

static const char *const content_types[] = {
    NULL,
    HUTCH_MT_OCI_MANIFEST,
    HUTCH_MT_OCI_INDEX,
    HUTCH_MT_DOCKER_MANIFEST,
    HUTCH_MT_DOCKER_LIST,
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
    "application/json",
    "text/html",
};
#define N_TYPES (sizeof(content_types) / sizeof(content_types[0]))

static void walk_manifest(const struct hutch_manifest *m) {
  /* touch every field, so ASan sees any that point at freed or unset memory */
  size_t sum = strlen(m->media_type ? m->media_type : "");
  if (m->kind == HUTCH_MANIFEST_IMAGE) {
    sum += strlen(m->config.digest ? m->config.digest : "");
    for (size_t i = 0; i < m->n_layers; i++) {
      sum += strlen(m->layers[i].media_type ? m->layers[i].media_type : "");
      sum += strlen(m->layers[i].digest ? m->layers[i].digest : "");
      (void)hutch_layer_media_type_supported(m->layers[i].media_type);
    }
  } else {
    struct hutch_platform want[3] = {0};
    struct hutch_error *err = NULL;
    hutch_platform_host(&want[0]);
    if (hutch_platform_parse("linux/arm64/v8", &want[1], &err) < 0)
      abort();
    if (hutch_platform_parse("windows/amd64", &want[2], &err) < 0)
      abort();
    for (size_t k = 0; k < 3; k++) {
      const struct hutch_descriptor *d = NULL;
      if (hutch_manifest_pick(m, &want[k], &d, &err) == 0) {
        if (d < m->manifests || d >= m->manifests + m->n_manifests)
          abort();
      }
      hutch_error_free(err);
      err = NULL;
      hutch_platform_clear(&want[k]);
    }
    for (size_t i = 0; i < m->n_manifests; i++) {
      _cleanup_free_ char *p = hutch_platform_string(&m->manifests[i].platform);
      sum += p ? strlen(p) : 0;
    }
  }
  if (sum == (size_t)-1)
    abort();
}

static size_t strv_total(char **v) {
  size_t n = 0;
  for (; v && *v; v++)
    n += strlen(*v);
  return n;
}

static void walk_config(const struct hutch_image_config *c) {
  size_t sum = strv_total(c->env) + strv_total(c->entrypoint) + strv_total(c->cmd) +
               strv_total(c->exposed_ports) + strv_total(c->volumes) + strv_total(c->labels);
  for (size_t i = 0; i < c->n_diff_ids; i++)
    sum += strlen(c->diff_ids[i]);
  const char *s[] = {c->architecture, c->os,   c->variant,     c->created,
                     c->author,       c->user, c->working_dir, c->stop_signal};
  for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
    sum += s[i] ? strlen(s[i]) : 0;
  if (sum == (size_t)-1)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int quiet;
  if (!quiet) {
    hutch_log_set_level(HUTCH_LOG_ERROR);
    quiet = 1;
  }
  if (size < 1)
    return 0;
  const char *ct = content_types[data[0] % N_TYPES];
  const char *doc = (const char *)data + 1;
  size_t len = size - 1;

  struct hutch_manifest *m = NULL;
  struct hutch_error *err = NULL;
  if (hutch_manifest_parse(doc, len, ct, &m, &err) == 0) {
    walk_manifest(m);
    hutch_manifest_free(m);
  }
  hutch_error_free(err);

  struct hutch_image_config *c = NULL;
  err = NULL;
  if (hutch_image_config_parse(doc, len, &c, &err) == 0) {
    walk_config(c);
    hutch_image_config_free(c);
  }
  hutch_error_free(err);

  /* --platform values */
  _cleanup_free_ char *s = fuzz_strndup((const uint8_t *)doc, len);
  struct hutch_platform p = {0};
  err = NULL;
  if (s && hutch_platform_parse(s, &p, &err) == 0) {
    _cleanup_free_ char *back = hutch_platform_string(&p);
    if (back == NULL)
      abort();
    hutch_platform_clear(&p);
  }
  hutch_error_free(err);
  return 0;
}
