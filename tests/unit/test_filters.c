/* The --filter parsers: docker ps's (engine/ctrquery.c) and docker
 * images' (image/filter.c), with docker's error messages, and the image
 * filter's matching. */
#include "tap.h"

#include "engine/ctrquery.h"
#include "image/filter.h"

#include "util/strutil.h"

#include <stdlib.h>

/* Parse a NULL-terminated list; the error text, or NULL. */
static char *ps_parse(struct hutch_ctr_query *q, char **filters) {
  struct hutch_error *err = NULL;
  if (hutch_ctr_query_parse(filters, q, &err) == 0)
    return NULL;
  char *t = strdup(err->msg);
  hutch_error_free(err);
  return t;
}

static void ps_errors(void) {
  struct {
    const char *filter, *msg;
  } bad[] = {
      {"foo=bar", "invalid filter 'foo'"},
      {"status", "bad format of filter (expected name=value)"},
      {"status=sleeping", "invalid filter 'status=sleeping'"},
      {"health=fine", "invalid filter 'health=fine'"},
      {"exited=x", "strconv.Atoi: parsing \"x\": invalid syntax"},
      {"exited=", "strconv.Atoi: parsing \"\": invalid syntax"},
      {"name=[a", "invalid filter: bad regular expression '[a'"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct hutch_ctr_query q;
    char *f[] = {(char *)bad[i].filter, NULL};
    char *msg = ps_parse(&q, f);
    is_str(msg, bad[i].msg, "ps --filter %s", bad[i].filter);
    free(msg);
    hutch_ctr_query_free(&q);
  }
}

static void ps_values(void) {
  struct hutch_ctr_query q;
  char *f[] = {"status=running",    "status=exited", "label=a",     "label=b=c=d",
               "exited=0",          "exited=-1",     "name=^/web",  "id=abc",
               "ancestor=alpine:3", "network=n1",    "volume=data", "before=x",
               "since=y",           "before=z",      "health=none", NULL};
  ok(ps_parse(&q, f) == NULL, "every key docker's ps takes");
  is_int(hutch_strv_len(q.statuses), 2, "values of one key add up");
  is_str(q.labels[1], "b=c=d", "a label's value may hold '='");
  is_int(q.nexited, 2, "two exit codes");
  is_int(q.exited[1], -1, "a negative exit code");
  is_str(q.before, "z", "the last before wins");
  is_str(q.since, "y", "since");
  ok(hutch_ctr_query_needs_config(&q), "ancestor/network/volume need the configuration");
  is_int(q.last, -1, "no -n");
  hutch_ctr_query_free(&q);
  char *g[] = {"label=x", "status=paused", NULL};
  ok(ps_parse(&q, g) == NULL && !hutch_ctr_query_needs_config(&q),
     "labels and status are answered without the configuration");
  hutch_ctr_query_free(&q);
  ok(ps_parse(&q, NULL) == NULL && !q.labels && !q.statuses, "no filters");
  hutch_ctr_query_free(&q);
}

static char *img_parse(struct hutch_image_filter *f, char **filters) {
  struct hutch_error *err = NULL;
  if (hutch_image_filter_parse(filters, f, &err) == 0)
    return NULL;
  char *t = strdup(err->msg);
  hutch_error_free(err);
  return t;
}

static void images(void) {
  struct hutch_image_filter f;
  char *bad1[] = {"foo=1", NULL}, *bad2[] = {"dangling=maybe", NULL}, *bad3[] = {"label", NULL};
  char *m = img_parse(&f, bad1);
  is_str(m, "invalid filter 'foo'", "images: unknown key");
  free(m);
  hutch_image_filter_free(&f);
  m = img_parse(&f, bad2);
  is_str(m, "invalid filter 'dangling=maybe'", "images: dangling takes a bool");
  free(m);
  hutch_image_filter_free(&f);
  m = img_parse(&f, bad3);
  is_str(m, "bad format of filter (expected name=value)", "images: no value");
  free(m);
  hutch_image_filter_free(&f);

  char *good[] = {"reference=local/*", "reference=busybox", "label=k",
                  "label=a=1",         "dangling=false",    NULL};
  ok(img_parse(&f, good) == NULL, "images: every key");
  is_int(f.dangling, 0, "dangling=false");
  ok(hutch_image_filter_name(&f, "local/x", "1"), "a glob over the repository");
  ok(!hutch_image_filter_name(&f, "local/x/y", "1"), "* stops at '/', as path.Match");
  ok(hutch_image_filter_name(&f, "busybox", "latest"), "a repository alone matches any tag");
  ok(!hutch_image_filter_name(&f, "alpine", "latest"), "another name does not");
  char *labels[] = {"a=1", "k=v", NULL}, *other[] = {"a=2", "k=v", NULL};
  char *names[] = {"docker.io/library/busybox:latest", NULL};
  struct hutch_image_config cfg = {.labels = labels};
  struct hutch_image img = {.names = names, .config = &cfg, .created = "2024-03-01T10:00:00Z"};
  ok(hutch_image_filter_image(&f, &img, 0, 0), "labels and names match");
  cfg.labels = other;
  ok(!hutch_image_filter_image(&f, &img, 0, 0), "labels AND together");
  cfg.labels = labels;
  ok(!hutch_image_filter_image(&f, &img, 1709287200, 0), "before is strict");
  ok(hutch_image_filter_image(&f, &img, 1709287201, 1709287199), "between before and since");
  img.names = NULL;
  ok(!hutch_image_filter_image(&f, &img, 0, 0), "dangling=false drops unnamed images");
  hutch_image_filter_free(&f);
  char *dangling[] = {"dangling=true", NULL};
  ok(img_parse(&f, dangling) == NULL && hutch_image_filter_image(&f, &img, 0, 0),
     "dangling=true keeps unnamed images");
  img.names = names;
  ok(!hutch_image_filter_image(&f, &img, 0, 0), "and drops named ones");
  hutch_image_filter_free(&f);
}

int main(void) {
  ps_errors();
  ps_values();
  images();
  return done_testing();
}
