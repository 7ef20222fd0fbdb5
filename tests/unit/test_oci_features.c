/* Unit tests for runtime/oci_features.c: every name the features document
 * lists is fed back to the code that would apply it (the spec parser, the
 * seccomp compiler, the capability conversion) and must be accepted and
 * interpreted; names it does not list are refused. */
#include "tap.h"

#include "linux/caps.h"
#include "linux/seccomp.h"
#include "runtime/oci_features.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
#define PROC "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"%s}"

/* Parse HEAD + PROC(proc_extra) + "," + frag; NULL (and the error on a
 * TAP comment line) when it does not parse. */
static struct spec *parse(const char *proc_extra, const char *frag) {
  _cleanup_free_ char *proc = NULL, *json = NULL;
  if (asprintf(&proc, PROC, proc_extra) < 0 ||
      asprintf(&json, HEAD "%s%s%s}", proc, *frag ? "," : "", frag) < 0)
    abort();
  struct spec *s = NULL;
  struct hutch_error *e = NULL;
  if (hutch_spec_parse(json, strlen(json), &s, &e) < 0)
    printf("#   %s\n", e && e->msg ? e->msg : "parse failed");
  hutch_error_free(e);
  return s;
}

/* The seccomp section parses and compiles. */
static bool seccomp_ok(const char *seccomp) {
  _cleanup_free_ char *frag = NULL;
  if (asprintf(&frag, "\"linux\":{\"seccomp\":%s}", seccomp) < 0)
    abort();
  _cleanup_spec_ struct spec *s = parse("", frag);
  if (s == NULL)
    return false;
  struct hutch_seccomp *sc = NULL;
  struct hutch_error *e = NULL;
  int r = hutch_seccomp_compile(&s->linux_.seccomp, &sc, &e);
  if (r < 0)
    printf("#   %s\n", e && e->msg ? e->msg : "compile failed");
  hutch_error_free(e);
  hutch_seccomp_free(sc);
  return r == 0;
}

static json_t *list(json_t *doc, const char *path) {
  json_t *v = doc;
  char buf[128];
  snprintf(buf, sizeof(buf), "%s", path);
  for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
    v = json_object_get(v, k);
  return v;
}

static void test_mount_options(json_t *doc) {
  json_t *a = list(doc, "mountOptions");
  ok(json_array_size(a) > 50, "mountOptions: listed");
  size_t i, bad = 0;
  json_t *v;
  json_array_foreach(a, i, v) {
    _cleanup_free_ char *frag = NULL;
    if (asprintf(&frag,
                 "\"mounts\":[{\"destination\":\"/m\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
                 "\"options\":[\"%s\"]}]",
                 json_string_value(v)) < 0)
      abort();
    _cleanup_spec_ struct spec *s = parse("", frag);
    /* Interpreted, not passed on to the filesystem as data. */
    if (s == NULL || s->n_mounts != 1 || s->mounts[0].data != NULL) {
      printf("#   mount option %s is not interpreted\n", json_string_value(v));
      bad++;
    }
  }
  is_int(bad, 0, "every listed mount option is interpreted by the parser");
  _cleanup_spec_ struct spec *s = parse(
      "", "\"mounts\":[{\"destination\":\"/m\",\"type\":\"tmpfs\",\"options\":[\"size=1m\"]}]");
  ok(s && s->mounts[0].data && strcmp(s->mounts[0].data, "size=1m") == 0,
     "an unlisted option goes to the filesystem as data");
}

/* How many names of the list at `path` fail check(pre + name + post). */
static size_t fails(json_t *doc, const char *path, bool (*check)(const char *), const char *pre,
                    const char *post) {
  size_t i, bad = 0;
  json_t *v;
  json_array_foreach(list(doc, path), i, v) {
    _cleanup_free_ char *text = NULL;
    if (asprintf(&text, "%s%s%s", pre, json_string_value(v), post) < 0)
      abort();
    bad += !check(text);
  }
  return bad;
}

static void test_seccomp(json_t *doc) {
  is_int(fails(doc, "linux.seccomp.actions", seccomp_ok,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/x.sock\","
               "\"syscalls\":[{\"names\":[\"getppid\"],\"action\":\"",
               "\"}]}"),
         0, "every listed seccomp action parses and compiles");
  ok(json_array_size(list(doc, "linux.seccomp.actions")) == 9, "nine actions");
  is_int(fails(doc, "linux.seccomp.operators", seccomp_ok,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
               "[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
               "\"value\":8,\"valueTwo\":8,\"op\":\"",
               "\"}]}]}"),
         0, "every listed seccomp operator parses and compiles");
  is_int(fails(doc, "linux.seccomp.knownFlags", seccomp_ok,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"", "\"]}"),
         0, "every listed seccomp flag parses and compiles");
  is_int(fails(doc, "linux.seccomp.archs", seccomp_ok,
               "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"", "\"]}"),
         0, "every listed seccomp architecture compiles");
  ok(!seccomp_ok("{\"defaultAction\":\"SCMP_ACT_BOGUS\"}"), "an unlisted action is refused");
  ok(!seccomp_ok("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_X\"]}"),
     "an unlisted flag is refused");
}

/* The fragment parses. */
static bool frag_ok(const char *frag) {
  _cleanup_spec_ struct spec *s = parse("", frag);
  return s != NULL;
}

static void test_linux(json_t *doc) {
  is_int(
      fails(doc, "linux.namespaces", frag_ok, "\"linux\":{\"namespaces\":[{\"type\":\"", "\"}]}"),
      0, "every listed namespace parses");
  is_int(json_array_size(list(doc, "linux.namespaces")), SPEC_NS__MAX, "all namespace types");
  _cleanup_spec_ struct spec *s = parse("", "\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]}");
  ok(s == NULL, "an unlisted namespace is refused");
  size_t i, bad = 0;
  json_t *v;
  json_array_foreach(list(doc, "linux.capabilities"), i, v) {
    char extra[128];
    snprintf(extra, sizeof(extra), ",\"capabilities\":{\"bounding\":[\"%s\"]}",
             json_string_value(v));
    _cleanup_spec_ struct spec *cs = parse(extra, "");
    struct hutch_caps caps;
    struct hutch_error *e = NULL;
    if (cs == NULL || hutch_caps_from_spec(&cs->process.caps, &caps, &e) < 0) {
      printf("#   capability %s refused\n", json_string_value(v));
      bad++;
    }
    hutch_error_free(e);
  }
  is_int(bad, 0, "every listed capability is accepted");
  is_int(fails(doc, "hooks", frag_ok, "\"hooks\":{\"", "\":[{\"path\":\"/bin/true\"}]}"), 0,
         "every listed hook parses");
  is_int(json_array_size(list(doc, "hooks")), SPEC_HOOK__MAX, "all hook kinds");
  ok(json_is_false(list(doc, "linux.cgroup.systemd")) &&
         json_is_true(list(doc, "linux.cgroup.v1")) && json_is_true(list(doc, "linux.cgroup.v2")),
     "cgroup: v1 and v2 driven directly, systemd not (--systemd-cgroup is refused)");
  ok(json_is_false(list(doc, "linux.intelRdt.enabled")), "intelRdt: not supported");
  ok(json_is_true(list(doc, "linux.mountExtensions.idmap.enabled")), "idmap mounts: supported");
}

int main(void) {
  _cleanup_json_ json_t *doc = hutch_runtime_features();
  ok(json_is_object(doc), "features document built");
  if (doc == NULL)
    return done_testing();
  is_str(json_string_value(json_object_get(doc, "ociVersionMax")), HUTCH_OCI_VERSION,
         "ociVersionMax is the spec version implemented");
  is_str(json_string_value(json_object_get(doc, "ociVersionMin")), "1.0.0", "ociVersionMin");
  test_mount_options(doc);
  test_seccomp(doc);
  test_linux(doc);
  return done_testing();
}
