/* Unit tests for engine/events: the journal's lines, docker's filters and
 * output, append + walk with rotation. */
#include "tap.h"

#include "engine/events.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct hutch_event sample(void) {
  struct hutch_event ev = {.time_ns = 1700000000123456789LL,
                           .type = "container",
                           .action = "die",
                           .id = "abcdef0123456789"};
  hutch_event_attr_add(&ev, "name", "web");
  hutch_event_attr_add(&ev, "image", "busybox");
  hutch_event_attr_add(&ev, "exitCode", "3");
  hutch_event_attr_add(&ev, "team", "a");
  return ev;
}

static bool matches(const char *const *filters, const struct hutch_event *ev) {
  struct hutch_event_filter f = {0};
  for (; *filters; filters++)
    if (hutch_event_filter_add(&f, *filters, NULL) < 0)
      return false;
  bool m = hutch_event_match(&f, ev);
  hutch_event_filter_clear(&f);
  return m;
}

#define MATCH(want, ev, ...)                                                                       \
  do {                                                                                             \
    const char *fl[] = {__VA_ARGS__, NULL};                                                        \
    ok(matches(fl, ev) == (want), "%s: %s", #__VA_ARGS__, (want) ? "matches" : "no match");        \
  } while (0)

static void test_format(void) {
  struct hutch_event ev = sample();
  _cleanup_free_ char *line = hutch_event_format_line(&ev);
  is_str(line,
         "2023-11-14T22:13:20.123456789Z container die abcdef0123456789 (exitCode=3, "
         "image=busybox, name=web, team=a)",
         "docker's line: RFC3339Nano, sorted attributes");
  json_t *j = hutch_event_json(&ev);
  is_str(json_string_value(json_object_get(j, "status")), "die", "json: status");
  is_str(json_string_value(json_object_get(j, "from")), "busybox", "json: from");
  ok(json_integer_value(json_object_get(j, "time")) == 1700000000, "json: time in seconds");
  is_str(json_string_value(json_object_get(
             json_object_get(json_object_get(j, "Actor"), "Attributes"), "exitCode")),
         "3", "json: Actor.Attributes");
  json_decref(j);
  struct hutch_event bare = {.time_ns = 5, .type = "network", .action = "create", .id = "n1"};
  _cleanup_free_ char *l2 = hutch_event_format_line(&bare);
  is_str(l2, "1970-01-01T00:00:00.000000005Z network create n1", "no attributes: no ()");
}

static void test_filters(void) {
  struct hutch_event ev = sample();
  MATCH(true, &ev, "container=web");
  MATCH(true, &ev, "container=abcdef");
  MATCH(false, &ev, "container=other");
  MATCH(true, &ev, "container=other", "container=web");
  MATCH(true, &ev, "event=die", "type=container");
  MATCH(false, &ev, "event=start");
  MATCH(false, &ev, "event=die", "type=image");
  MATCH(true, &ev, "image=busybox");
  MATCH(true, &ev, "image=busybox:latest");
  MATCH(true, &ev, "label=team=a");
  MATCH(true, &ev, "label=team");
  MATCH(false, &ev, "label=team=b");
  MATCH(false, &ev, "network=web");
  MATCH(false, &ev, "volume=web");
  struct hutch_event ex = {
      .time_ns = 1, .type = "container", .action = "exec_create: sh -c true", .id = "x"};
  MATCH(true, &ex, "event=exec_create");
  MATCH(false, &ex, "event=exec_start");
  struct hutch_event vol = {.time_ns = 1, .type = "volume", .action = "create", .id = "data"};
  MATCH(true, &vol, "volume=data", "type=volume");
  struct hutch_event_filter f = {0};
  struct hutch_error *err = NULL;
  ok(hutch_event_filter_add(&f, "colour=red", &err) < 0, "unknown filter key refused");
  hutch_error_free(err);
  err = NULL;
  ok(hutch_event_filter_add(&f, "container", &err) < 0, "filter without '=' refused");
  hutch_error_free(err);
  hutch_event_filter_clear(&f);
}

static int count_cb(const struct hutch_event *ev, void *ud) {
  (void)ev;
  (*(int *)ud)++;
  return 0;
}

static void test_journal(void) {
  char dir[] = "/tmp/test_events.XXXXXX";
  if (!mkdtemp(dir)) {
    ok(0, "mkdtemp");
    return;
  }
  struct hutch_event ev = sample();
  ev.time_ns = 0; /* now */
  for (int i = 0; i < 3; i++)
    ok(hutch_events_append(dir, &ev, NULL) == 0, "append %d", i);
  int n = 0;
  ok(hutch_events_walk(dir, 0, 1, false, count_cb, &n, NULL) == 0 && n == 0,
     "until 0 (the epoch): nothing");
  n = 0;
  hutch_events_walk(dir, 0, INT64_MAX, false, count_cb, &n, NULL);
  is_int(n, 3, "walk from 0: all three");
  n = 0;
  hutch_events_walk(dir, -1, INT64_MAX, false, count_cb, &n, NULL);
  is_int(n, 0, "since < 0: nothing of the past");
  /* rotation: past HUTCH_EVENTS_MAX_BYTES the file moves to .1 */
  char big[2048];
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  hutch_event_attr_add(&ev, "pad", big);
  int appended = 3;
  while (appended < 2 * HUTCH_EVENTS_MAX_BYTES / 2000 && hutch_events_append(dir, &ev, NULL) == 0)
    appended++;
  char p[256];
  struct stat st;
  snprintf(p, sizeof(p), "%s/events.log.1", dir);
  ok(stat(p, &st) == 0 && st.st_size >= HUTCH_EVENTS_MAX_BYTES, "rotated to events.log.1");
  snprintf(p, sizeof(p), "%s/events.log", dir);
  ok(stat(p, &st) == 0 && st.st_size < HUTCH_EVENTS_MAX_BYTES, "events.log bounded");
  n = 0;
  hutch_events_walk(dir, 0, INT64_MAX, false, count_cb, &n, NULL);
  ok(n > 0 && n <= appended, "walk reads both files (%d of %d kept)", n, appended);
  hutch_rm_rf(dir);
}

int main(void) {
  test_format();
  test_filters();
  test_journal();
  return done_testing();
}
