/* Unit tests for engine/prune's filters: until and label as docker's
 * prune commands take them. */
#include "tap.h"

#include "engine/prune.h"

static bool passes(const char *filter, const char *created, json_t *labels) {
  struct hutch_prune_filter f = {.until_ns = -1};
  const int64_t now = 1700000000LL * 1000000000LL;
  if (filter && hutch_prune_filter_add(&f, filter, now, NULL) < 0)
    return false;
  bool m = hutch_prune_match(&f, created, labels);
  hutch_prune_filter_clear(&f);
  return m;
}

int main(void) {
  json_t *l = json_pack("{ss ss}", "keep", "1", "team", "a");
  const char *old = "2023-11-14T21:00:00Z", *new = "2023-11-14T22:13:19Z"; /* now - 1s */
  ok(passes(NULL, old, l), "no filter: everything");
  ok(passes("until=1h", old, l), "until=1h: created 73 minutes ago passes");
  ok(!passes("until=1h", new, l), "until=1h: created a second ago does not");
  ok(passes("until=2023-11-14T22:00:00Z", old, l), "until RFC 3339");
  ok(!passes("until=1h", "", l), "until: unknown creation time does not pass");
  ok(passes("label=keep", old, l), "label=KEY");
  ok(passes("label=keep=1", old, l), "label=KEY=VALUE");
  ok(!passes("label=keep=2", old, l), "label with another value");
  ok(!passes("label=keep", old, NULL), "label on an object without labels");
  ok(!passes("label!=keep=1", old, l), "label!= excludes");
  ok(passes("label!=keep=2", old, l), "label!= of another value passes");
  ok(passes("label!=keep", old, NULL), "label!= on no labels passes");
  struct hutch_prune_filter f = {.until_ns = -1};
  struct hutch_error *err = NULL;
  ok(hutch_prune_filter_add(&f, "colour=red", 0, &err) < 0, "unknown key refused");
  hutch_error_free(err);
  err = NULL;
  ok(hutch_prune_filter_add(&f, "until=someday", 0, &err) < 0, "bad until refused");
  hutch_error_free(err);
  ok(!hutch_prune_filter_any(&f), "nothing added");
  json_decref(l);
  return done_testing();
}
