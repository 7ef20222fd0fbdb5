/* Image manifests and configs: OCI manifest and index, Docker schema2
 * manifest and manifest list (schema1 is refused), platform selection from
 * an index, and the image config the engine builds a container from. */
#pragma once

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HUTCH_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define HUTCH_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define HUTCH_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define HUTCH_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define HUTCH_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define HUTCH_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define HUTCH_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define HUTCH_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define HUTCH_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define HUTCH_MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
/* The Accept header for manifest requests, most wanted first. */
#define HUTCH_MANIFEST_ACCEPT                                                                      \
  HUTCH_MT_OCI_INDEX ", " HUTCH_MT_DOCKER_LIST ", " HUTCH_MT_OCI_MANIFEST                          \
                     ", " HUTCH_MT_DOCKER_MANIFEST

struct hutch_platform {
  char *os;
  char *architecture;
  char *variant; /* may be NULL */
};

struct hutch_descriptor {
  char *media_type;
  char *digest;
  int64_t size;
  struct hutch_platform platform; /* index entries only */
};

enum hutch_manifest_kind { HUTCH_MANIFEST_IMAGE, HUTCH_MANIFEST_INDEX };

struct hutch_manifest {
  enum hutch_manifest_kind kind;
  char *media_type;
  struct hutch_descriptor config;  /* image */
  struct hutch_descriptor *layers; /* image, lowest first */
  size_t n_layers;
  struct hutch_descriptor *manifests; /* index */
  size_t n_manifests;
};

/* content_type (from the registry, may be NULL) helps when the document
 * has no mediaType field. */
int hutch_manifest_parse(const char *data, size_t len, const char *content_type,
                         struct hutch_manifest **out, struct hutch_error **err);
void hutch_manifest_free(struct hutch_manifest *m);

/* "os/arch[/variant]" */
int hutch_platform_parse(const char *s, struct hutch_platform *out, struct hutch_error **err);
/* This machine: linux and the GOARCH-style name of uname's machine. */
int hutch_platform_host(struct hutch_platform *out);
void hutch_platform_clear(struct hutch_platform *p);
/* "linux/amd64" or "linux/arm64/v8" in a new string. */
char *hutch_platform_string(const struct hutch_platform *p);

/* The index entry for platform p, or an error listing what is there. */
int hutch_manifest_pick(const struct hutch_manifest *index, const struct hutch_platform *p,
                        const struct hutch_descriptor **out, struct hutch_error **err);

/* Is this a layer media type we can unpack? */
bool hutch_layer_media_type_supported(const char *mt);

struct hutch_image_config {
  char *architecture, *os, *variant, *created, *author;
  /* NULL when the config does not set them (NULL and empty differ for
   * Entrypoint and Cmd, as in docker) */
  char **env, **entrypoint, **cmd;
  char *working_dir, *user, *stop_signal;
  char **exposed_ports; /* "80/tcp" */
  char **volumes;       /* "/data" */
  char **labels;        /* "key=value" */
  char **diff_ids;      /* rootfs.diff_ids, lowest layer first */
  size_t n_diff_ids;
  /* HEALTHCHECK: Test NULL when the image has none; durations in ns, 0
   * for the default */
  char **health_test; /* ["CMD-SHELL", "…"], ["CMD", …] or ["NONE"] */
  long long health_interval, health_timeout, health_start_period;
  int health_retries;
};

int hutch_image_config_parse(const char *data, size_t len, struct hutch_image_config **out,
                             struct hutch_error **err);
void hutch_image_config_free(struct hutch_image_config *c);

/* A JSON array of strings (a, may be NULL) into a NULL-terminated vector:
 * NULL and null stay NULL, [] is an empty vector; errors name where. */
typedef struct json_t json_t;
int hutch_json_strv(json_t *a, const char *where, char ***out, struct hutch_error **err);
