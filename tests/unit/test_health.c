/* The health check's pure parts (engine/health.c): docker's state machine
 * for a result, the Test forms, the defaults. */
#include "tap.h"

#include "engine/health.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

static void test_next(void) {
  const char *st;
  int k;
  hutch_health_next("starting", 0, 0, false, 3, &st, &k);
  ok(strcmp(st, "healthy") == 0 && k == 0, "a pass makes it healthy");
  hutch_health_next("healthy", 0, 1, false, 3, &st, &k);
  ok(strcmp(st, "healthy") == 0 && k == 1, "one failure of 3: still healthy, streak 1");
  hutch_health_next("healthy", 2, 1, false, 3, &st, &k);
  ok(strcmp(st, "unhealthy") == 0 && k == 3, "the third: unhealthy");
  hutch_health_next("starting", 2, 1, false, 3, &st, &k);
  ok(strcmp(st, "unhealthy") == 0 && k == 3, "starting → unhealthy at the retries");
  hutch_health_next("starting", 0, 1, true, 1, &st, &k);
  ok(strcmp(st, "starting") == 0 && k == 0, "a failure in the start period counts for nothing");
  hutch_health_next("starting", 0, 0, true, 1, &st, &k);
  ok(strcmp(st, "healthy") == 0 && k == 0, "a pass in the start period counts");
  hutch_health_next("unhealthy", 5, 0, false, 3, &st, &k);
  ok(strcmp(st, "healthy") == 0 && k == 0, "unhealthy recovers with a pass");
  hutch_health_next("healthy", 0, -1, false, 1, &st, &k);
  ok(strcmp(st, "unhealthy") == 0 && k == 1, "a timeout (-1) is a failure");
}

static void test_argv(void) {
  _cleanup_json_ json_t *sh = json_pack("[s, s]", "CMD-SHELL", "curl -f x || exit 1");
  _cleanup_strv_ char **a = hutch_health_argv(sh);
  ok(a && hutch_strv_len(a) == 3 && strcmp(a[0], "/bin/sh") == 0 && strcmp(a[1], "-c") == 0 &&
         strcmp(a[2], "curl -f x || exit 1") == 0,
     "CMD-SHELL → /bin/sh -c");
  _cleanup_json_ json_t *cmd = json_pack("[s, s, s]", "CMD", "/bin/check", "--quick");
  _cleanup_strv_ char **b = hutch_health_argv(cmd);
  ok(b && hutch_strv_len(b) == 2 && strcmp(b[0], "/bin/check") == 0, "CMD → its args");
  _cleanup_json_ json_t *bad = json_pack("[s, s]", "SHELL", "x");
  ok(hutch_health_argv(bad) == NULL, "another kind: none");
}

static void test_config(void) {
  struct hutch_ctr c = {0};
  c.rec = json_pack("{s:{s:{s:[s, s], s:I}}}", "Config", "Healthcheck", "Test", "CMD-SHELL", "x",
                    "Interval", (json_int_t)2000000000);
  hutch_ctr_config_parse(c.rec, &c.cfg);
  struct hutch_health_config hc;
  ok(hutch_health_config_get(&c, &hc), "a check");
  is_int(hc.interval, 2000000000, "its interval");
  is_int(hc.timeout, HUTCH_HEALTH_TIMEOUT_NS, "docker's 30s timeout");
  is_int(hc.retries, 3, "docker's 3 retries");
  json_decref(c.rec);
  c.rec = json_pack("{s:{s:{s:[s]}}}", "Config", "Healthcheck", "Test", "NONE");
  hutch_ctr_config_parse(c.rec, &c.cfg);
  ok(!hutch_health_config_get(&c, &hc), "NONE: no check");
  json_decref(c.rec);
  c.rec = json_pack("{s:{}}", "Config");
  hutch_ctr_config_parse(c.rec, &c.cfg);
  ok(!hutch_health_config_get(&c, &hc), "no Healthcheck: no check");
  json_decref(c.rec);
}

int main(void) {
  test_next();
  test_argv();
  test_config();
  return done_testing();
}
