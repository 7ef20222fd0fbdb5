/* Unit tests for image/manifest: manifest kinds, schema1 refusal, platform
 * selection, image config fields. */
#include "tap.h"

#include "image/manifest.h"
#include "util/cleanup.h"

#include <stdlib.h>

#define DA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DB "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define DC "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static struct hutch_manifest *parse(const char *s, const char *ct, char **msg) {
  struct hutch_manifest *m = NULL;
  struct hutch_error *e = NULL;
  hutch_manifest_parse(s, strlen(s), ct, &m, &e);
  if (msg)
    *msg = e && e->msg ? strdup(e->msg) : NULL;
  hutch_error_free(e);
  return m;
}

static void test_manifests(void) {
  const char *oci =
      "{\"schemaVersion\":2,\"mediaType\":\"" HUTCH_MT_OCI_MANIFEST "\","
      "\"config\":{\"mediaType\":\"" HUTCH_MT_OCI_CONFIG "\",\"digest\":\"" DA
      "\",\"size\":10},\"layers\":[{\"mediaType\":\"" HUTCH_MT_OCI_LAYER_GZIP "\",\"digest\":\"" DB
      "\",\"size\":20},{\"mediaType\":\"" HUTCH_MT_OCI_LAYER_ZSTD "\",\"digest\":\"" DC
      "\",\"size\":30}]}";
  struct hutch_manifest *m = parse(oci, NULL, NULL);
  ok(m && m->kind == HUTCH_MANIFEST_IMAGE, "OCI manifest");
  is_str(m->config.digest, DA, "config digest");
  is_int(m->n_layers, 2, "two layers");
  is_str(m->layers[1].media_type, HUTCH_MT_OCI_LAYER_ZSTD, "zstd layer media type");
  is_int(m->layers[1].size, 30, "layer size");
  hutch_manifest_free(m);

  const char *docker = "{\"schemaVersion\":2,\"mediaType\":\"" HUTCH_MT_DOCKER_MANIFEST "\","
                       "\"config\":{\"mediaType\":\"" HUTCH_MT_DOCKER_CONFIG "\",\"digest\":\"" DA
                       "\",\"size\":1},\"layers\":[{\"mediaType\":\"" HUTCH_MT_DOCKER_LAYER
                       "\",\"digest\":\"" DB "\",\"size\":2}]}";
  m = parse(docker, NULL, NULL);
  ok(m && m->kind == HUTCH_MANIFEST_IMAGE && m->n_layers == 1, "docker schema2 manifest");
  ok(hutch_layer_media_type_supported(m->layers[0].media_type), "docker gzip layer supported");
  hutch_manifest_free(m);
  ok(!hutch_layer_media_type_supported("application/vnd.example.unknown"), "unknown layer type");

  /* mediaType absent: the content type, then the shape decide */
  const char *bare = "{\"schemaVersion\":2,\"manifests\":[]}";
  m = parse(bare, NULL, NULL);
  ok(m && m->kind == HUTCH_MANIFEST_INDEX, "index recognised by shape");
  hutch_manifest_free(m);

  char *msg = NULL;
  m = parse("{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}", NULL, &msg);
  ok(m == NULL && msg && strstr(msg, "schema 1 is not supported"), "schema1 refused: %s", msg);
  free(msg);
  m = parse("{\"schemaVersion\":2}", "application/vnd.docker.distribution.manifest.v1+prettyjws",
            &msg);
  ok(m == NULL && msg && strstr(msg, "schema 1"), "schema1 content type refused");
  free(msg);
  m = parse("{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:zz\",\"size\":1},\"layers\":[]}",
            NULL, &msg);
  ok(m == NULL && msg && strstr(msg, "manifest.config.digest"), "bad digest named: %s", msg);
  free(msg);
  m = parse("not json", NULL, &msg);
  ok(m == NULL && msg, "garbage refused");
  free(msg);
}

static void test_pick(void) {
  const char *idx =
      "{\"schemaVersion\":2,\"mediaType\":\"" HUTCH_MT_OCI_INDEX "\",\"manifests\":["
      "{\"mediaType\":\"" HUTCH_MT_OCI_MANIFEST "\",\"digest\":\"" DA "\",\"size\":1,"
      "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
      "{\"mediaType\":\"" HUTCH_MT_OCI_MANIFEST "\",\"digest\":\"" DC "\",\"size\":1,"
      "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}},"
      "{\"mediaType\":\"" HUTCH_MT_OCI_MANIFEST "\",\"digest\":\"" DB "\",\"size\":1,"
      "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";
  struct hutch_manifest *m = parse(idx, NULL, NULL);
  ok(m && m->kind == HUTCH_MANIFEST_INDEX && m->n_manifests == 3, "OCI index with 3 entries");
  struct hutch_platform p;
  const struct hutch_descriptor *d = NULL;
  struct hutch_error *e = NULL;
  hutch_platform_parse("linux/amd64", &p, NULL);
  ok(hutch_manifest_pick(m, &p, &d, &e) == 0 && strcmp(d->digest, DB) == 0, "amd64 picked");
  hutch_platform_clear(&p);
  hutch_platform_parse("linux/arm64", &p, NULL);
  ok(hutch_manifest_pick(m, &p, &d, &e) == 0 && strcmp(d->digest, DA) == 0,
     "arm64 matches arm64/v8");
  hutch_platform_clear(&p);
  hutch_platform_parse("linux/arm/v7", &p, NULL);
  ok(hutch_manifest_pick(m, &p, &d, &e) < 0 && e && strstr(e->msg, "linux/arm/v7") &&
         strstr(e->msg, "linux/amd64"),
     "missing platform names wanted and available: %s", e ? e->msg : "");
  hutch_error_free(e);
  e = NULL;
  hutch_platform_clear(&p);
  ok(hutch_platform_parse("linux", &p, &e) < 0 && e, "platform without arch refused");
  hutch_error_free(e);
  e = NULL;
  hutch_platform_host(&p);
  is_str(p.os, "linux", "host os");
  ok(p.architecture && strcmp(p.architecture, "x86_64") != 0, "host arch in GOARCH form (%s)",
     p.architecture);
  hutch_platform_clear(&p);
  hutch_manifest_free(m);
}

static void test_config(void) {
  const char *cfg =
      "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"
      "\"Env\":[\"PATH=/bin\",\"A=b\"],\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[],"
      "\"WorkingDir\":\"/srv\",\"User\":\"1000:1000\",\"ExposedPorts\":{\"80/tcp\":{}},"
      "\"Volumes\":{\"/data\":{}},\"StopSignal\":\"SIGINT\",\"Labels\":{\"k\":\"v\"}},"
      "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" DA "\",\"" DB "\"]}}";
  struct hutch_image_config *c = NULL;
  struct hutch_error *e = NULL;
  ok(hutch_image_config_parse(cfg, strlen(cfg), &c, &e) == 0, "config parses");
  is_str(c->env[0], "PATH=/bin", "Env");
  is_str(c->entrypoint[1], "-c", "Entrypoint");
  ok(c->cmd && c->cmd[0] == NULL, "empty Cmd is an empty vector, not NULL");
  is_str(c->working_dir, "/srv", "WorkingDir");
  is_str(c->user, "1000:1000", "User");
  is_str(c->exposed_ports[0], "80/tcp", "ExposedPorts");
  is_str(c->volumes[0], "/data", "Volumes");
  is_str(c->stop_signal, "SIGINT", "StopSignal");
  is_str(c->labels[0], "k=v", "Labels");
  is_int(c->n_diff_ids, 2, "two diff ids");
  is_str(c->diff_ids[1], DB, "diff id order kept");
  hutch_image_config_free(c);
  c = NULL;
  const char *nocmd = "{\"rootfs\":{\"diff_ids\":[]}}";
  ok(hutch_image_config_parse(nocmd, strlen(nocmd), &c, &e) == 0 && c->cmd == NULL &&
         c->entrypoint == NULL,
     "absent Cmd is NULL");
  hutch_image_config_free(c);
  const char *bad = "{\"config\":{\"Env\":[1]},\"rootfs\":{\"diff_ids\":[]}}";
  ok(hutch_image_config_parse(bad, strlen(bad), &c, &e) < 0 && e && strstr(e->msg, "config.Env[0]"),
     "bad Env names the field: %s", e ? e->msg : "");
  hutch_error_free(e);
}

int main(void) {
  test_manifests();
  test_pick();
  test_config();
  return done_testing();
}
