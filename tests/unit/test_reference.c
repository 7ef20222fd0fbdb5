/* Unit tests for image/reference: docker's normalisation and its errors. */
#include "tap.h"

#include "image/reference.h"
#include "util/cleanup.h"

#include <stdlib.h>

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check(const char *in, const char *want) {
  struct hutch_error *e = NULL;
  struct hutch_reference *r = NULL;
  int ret = hutch_reference_parse(in, &r, &e);
  ok(ret == 0, "parse %s", in);
  if (ret == 0) {
    _cleanup_free_ char *s = hutch_reference_string(r);
    is_str(s, want, "%s normalises", in);
  } else {
    printf("#   %s\n", e && e->msg ? e->msg : "?");
  }
  hutch_reference_free(r);
  hutch_error_free(e);
}

static void bad(const char *in, const char *why_substr) {
  struct hutch_error *e = NULL;
  struct hutch_reference *r = NULL;
  int ret = hutch_reference_parse(in, &r, &e);
  ok(ret < 0 && r == NULL, "reject \"%s\"", in);
  ok(e && e->msg && strstr(e->msg, why_substr), "error for \"%s\" says %s (%s)", in, why_substr,
     e && e->msg ? e->msg : "none");
  hutch_error_free(e);
}

int main(void) {
  check("alpine", "docker.io/library/alpine:latest");
  check("alpine:3.19", "docker.io/library/alpine:3.19");
  check("library/alpine", "docker.io/library/alpine:latest");
  check("docker.io/alpine", "docker.io/library/alpine:latest");
  check("index.docker.io/library/alpine:edge", "docker.io/library/alpine:edge");
  check("user/app", "docker.io/user/app:latest");
  check("ghcr.io/org/x:tag", "ghcr.io/org/x:tag");
  check("127.0.0.1:5000/x", "127.0.0.1:5000/x:latest");
  check("localhost/foo/bar:v1.2-rc_3", "localhost/foo/bar:v1.2-rc_3");
  check("localhost:5000/a.b__c-d---e", "localhost:5000/a.b__c-d---e:latest");
  check("alpine@sha256:" D64, "docker.io/library/alpine@sha256:" D64);
  check("quay.io/a/b:tag@sha256:" D64, "quay.io/a/b:tag@sha256:" D64);
  check("[::1]:5000/x", "[::1]:5000/x:latest");

  struct hutch_reference *r = NULL;
  struct hutch_error *e = NULL;
  ok(hutch_reference_parse("host:5000/ns/img@sha256:" D64, &r, &e) == 0, "parse digest-only");
  is_str(r->domain, "host:5000", "domain keeps port");
  is_str(r->path, "ns/img", "path");
  ok(r->tag == NULL, "no default tag when a digest is given");
  _cleanup_free_ char *sn = hutch_reference_store_name(r);
  is_str(sn, "host:5000/ns/img@sha256:" D64, "store name by digest");
  _cleanup_free_ char *nm = hutch_reference_name(r);
  is_str(nm, "host:5000/ns/img", "name");
  hutch_reference_free(r);

  bad("", "empty");
  bad("Alpine", "lowercase");
  bad("alpine:", "bad tag");
  bad("alpine:-x", "bad tag");
  bad("alpine@sha256:abc", "bad digest");
  bad("alpine@md5:" D64, "bad digest");
  bad("a//b", "component");
  bad("a_-b", "component");
  bad("-a", "component");
  bad("ex ample", "component");
  bad("bad_host!/x", "component");
  bad("registry-.io/x", "bad domain");
  bad("host:port/x", "bad domain");
  ok(hutch_digest_valid("sha256:" D64), "valid digest");
  ok(!hutch_digest_valid("sha256:" D64 "0"), "too long digest");
  ok(!hutch_digest_valid("sha256:"
                         "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"),
     "uppercase digest");
  return done_testing();
}
