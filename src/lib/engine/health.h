/* Health checks (docker's HEALTHCHECK and --health-*): the container's
 * Config.Healthcheck run in the container through runtime/'s exec (what
 * `hutch exec` uses), every interval, by `hutch __health ID`, which the
 * container's monitor spawns. The results are rows of state.db
 * (container_health_log, the last five) and the containers row's
 * health_status and health_failing_streak: ps shows "(healthy)",
 * inspect shows State.Health. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

/* docker's defaults */
#define HUTCH_HEALTH_INTERVAL_NS 30000000000LL
#define HUTCH_HEALTH_TIMEOUT_NS 30000000000LL
#define HUTCH_HEALTH_RETRIES 3
#define HUTCH_HEALTH_LOG_MAX 5
#define HUTCH_HEALTH_OUTPUT_MAX 4096

struct hutch_health_config {
  json_t *test;                            /* borrowed: ["CMD-SHELL", "…"] or ["CMD", …] */
  int64_t interval, timeout, start_period; /* ns, defaults applied */
  int retries;
};
/* The container's check, false when it has none (no Healthcheck, or Test
 * ["NONE"] / empty). */
bool hutch_health_config_get(const struct hutch_ctr *c, struct hutch_health_config *hc);

/* The argv that runs a Test: CMD-SHELL X → /bin/sh -c X; CMD A B → A B.
 * NULL for another form. Caller frees (hutch_strv_free). */
char **hutch_health_argv(json_t *test);

/* docker's state machine for one result: exit 0 makes it healthy and
 * ends the streak; a failure adds to the streak, except while the start
 * period lasts (then it counts for nothing), and makes it unhealthy once
 * the streak reaches retries. */
void hutch_health_next(const char *status, int streak, int exit_code, bool in_start_period,
                       int retries, const char **new_status, int *new_streak);

/* At start: "starting", streak 0 (the log stays); "" without a check. */
int hutch_health_reset(struct hutch_engine *e, struct hutch_ctr *c, struct hutch_error **err);
/* One probe (timeout: killed, exit -1, docker's message) and its record. */
int hutch_health_probe(struct hutch_engine *e, struct hutch_ctr *c, struct hutch_error **err);
/* State.Health for inspect; NULL without a check. */
json_t *hutch_health_inspect(struct hutch_engine *e, struct hutch_ctr *c);
