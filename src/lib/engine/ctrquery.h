/* docker ps's filters (--filter KEY=VALUE, -n, -l, -a) over the state
 * database: parsed into a typed query, the parts SQL can answer pushed
 * into the SELECT (labels, before/since, the row limit), the rest
 * matched on the rows it returns. As docker: keys AND together, values
 * of one key OR (labels AND), a status filter lists stopped containers
 * without -a. */
#pragma once

#include "engine.h"

struct hutch_ctr_query {
  char **ids, **names; /* regular expressions, as docker's Match */
  char **labels;       /* "key" or "key=value", all must match */
  char **statuses;     /* created|restarting|running|removing|paused|exited|dead */
  int *exited;         /* exit codes */
  size_t nexited;
  char **ancestors;     /* image names or ids */
  char **networks;      /* network names, exact */
  char **volumes;       /* volume names or mount destinations (regex) */
  char **health;        /* starting|healthy|unhealthy|none */
  char *before, *since; /* container references */
  bool all;             /* -a */
  long last;            /* -n (-l: 1); -1 for none */
};

/* Fill q from "KEY=VALUE" strings; docker's errors: "invalid filter
 * 'foo'", "bad format of filter (expected name=value)", "invalid filter
 * 'status=foo'". q is emptied first; free it with hutch_ctr_query_free. */
int hutch_ctr_query_parse(char *const *filters, struct hutch_ctr_query *q,
                          struct hutch_error **err);
void hutch_ctr_query_free(struct hutch_ctr_query *q);
/* Whether matching q needs each container's configuration (ancestor,
 * network, volume). */
bool hutch_ctr_query_needs_config(const struct hutch_ctr_query *q);

/* The containers q selects, newest first (with_config: records with
 * rec/cfg, as hutch_ctr_list_all gives them). */
int hutch_ctr_list_query(struct hutch_engine *e, const struct hutch_ctr_query *q, bool with_config,
                         struct hutch_ctr ***out, size_t *n, struct hutch_error **err);
