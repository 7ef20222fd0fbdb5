/* libFuzzer target for image references: they come from the command line,
 * from image archives (RepoTags, OCI ref annotations) and from the store's
 * own index. A parse either fails cleanly or gives a reference whose
 * printed forms parse again to the same reference. */
#include "fuzz.h"

#include "image/reference.h"
#include "util/cleanup.h"

#include <stdio.h>

static int same(const char *a, const char *b) {
  return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  _cleanup_free_ char *s = fuzz_strndup(data, size);
  if (s == NULL)
    return 0;
  (void)hutch_digest_valid(s);
  struct hutch_reference *r = NULL;
  struct hutch_error *err = NULL;
  if (hutch_reference_parse(s, &r, &err) < 0) {
    hutch_error_free(err);
    return 0;
  }
  _cleanup_free_ char *name = hutch_reference_name(r);
  _cleanup_free_ char *str = hutch_reference_string(r);
  _cleanup_free_ char *store = hutch_reference_store_name(r);
  if (name == NULL || str == NULL || store == NULL)
    abort();
  /* the normalised form is itself a valid reference, and a fixed point */
  struct hutch_reference *again = NULL;
  if (hutch_reference_parse(str, &again, &err) < 0) {
    fprintf(stderr, "\"%s\" parsed, but its normal form \"%s\" does not: %s\n", s, str,
            err ? err->msg : "?");
    abort();
  }
  if (!same(r->domain, again->domain) || !same(r->path, again->path) || !same(r->tag, again->tag) ||
      !same(r->digest, again->digest)) {
    fprintf(stderr, "\"%s\" -> \"%s\" parses differently\n", s, str);
    abort();
  }
  if (r->digest && !hutch_digest_valid(r->digest))
    abort();
  hutch_reference_free(again);
  hutch_reference_free(r);
  return 0;
}
