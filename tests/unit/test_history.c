/* Unit tests for image/history: entries matched to layers, newest first. */
#include "tap.h"

#include "image/history.h"

#include <string.h>

int main(void) {
  const char *cfg =
      "{\"created\":\"2024-01-02T00:00:00Z\",\"history\":["
      "{\"created\":\"2024-01-01T00:00:00Z\",\"created_by\":\"ADD rootfs\"},"
      "{\"created\":\"2024-01-01T00:00:01Z\",\"created_by\":\"ENV A=1\",\"empty_layer\":true},"
      "{\"created\":\"2024-01-01T00:00:02Z\",\"created_by\":\"RUN make\",\"comment\":\"c\"},"
      "{\"created\":\"2024-01-01T00:00:03Z\",\"created_by\":\"CMD sh\",\"empty_layer\":true}]}";
  int64_t sizes[] = {1000, 20};
  struct hutch_history_entry *v = NULL;
  size_t n = 0;
  ok(hutch_history_parse(cfg, strlen(cfg), sizes, 2, &v, &n, NULL) == 0, "parse");
  is_int(n, 4, "four entries");
  is_str(v[0].created_by, "CMD sh", "newest first");
  ok(v[0].is_top && !v[1].is_top, "only the newest is the image");
  ok(v[0].empty_layer && v[0].size == 0, "empty_layer: no size");
  is_int(v[1].size, 20, "RUN made the second layer");
  is_str(v[1].comment, "c", "comment");
  is_int(v[3].size, 1000, "ADD made the first layer");
  is_str(v[3].created, "2024-01-01T00:00:00Z", "created");
  hutch_history_free(v, n);

  const char *none = "{\"created\":\"2024-01-02T00:00:00Z\"}";
  ok(hutch_history_parse(none, strlen(none), sizes, 2, &v, &n, NULL) == 0 && n == 2,
     "no history: one entry per layer");
  ok(v[0].size == 20 && v[1].size == 1000 && strcmp(v[1].created, "2024-01-02T00:00:00Z") == 0,
     "with the layers' sizes and the image's time");
  hutch_history_free(v, n);

  struct hutch_error *err = NULL;
  ok(hutch_history_parse(cfg, strlen(cfg), sizes, 1, &v, &n, &err) < 0,
     "more layer entries than layers: refused");
  hutch_error_free(err);
  err = NULL;
  ok(hutch_history_parse("[1]", 3, sizes, 2, &v, &n, &err) < 0, "not an object: refused");
  hutch_error_free(err);
  return done_testing();
}
