/* docker system prune: stopped containers, unused networks, unused
 * volumes, unused images, with docker's until= and label= filters. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

/* Start from { .until_ns = -1 }. */
struct hutch_prune_filter {
  int64_t until_ns; /* < 0: none; only what was created before it */
  char **labels;    /* label=KEY or label=KEY=VALUE: all must be there */
  char **no_labels; /* label!=…: none may be */
};
/* Add "until=TIME", "label=…" or "label!=…" (now_ns for relative
 * times); -EINVAL with docker's message otherwise. */
int hutch_prune_filter_add(struct hutch_prune_filter *f, const char *kv, int64_t now_ns,
                           struct hutch_error **err);
void hutch_prune_filter_clear(struct hutch_prune_filter *f);
bool hutch_prune_filter_any(const struct hutch_prune_filter *f);
/* Does an object created at created (RFC 3339, "" unknown) with labels
 * (a JSON object or NULL) pass? */
bool hutch_prune_match(const struct hutch_prune_filter *f, const char *created, json_t *labels);

struct hutch_prune_report {
  char **deleted; /* ids or names, as docker prints them */
  int64_t reclaimed;
};
void hutch_prune_report_clear(struct hutch_prune_report *r);

int hutch_prune_containers(struct hutch_engine *e, const struct hutch_prune_filter *f,
                           struct hutch_prune_report *r, struct hutch_error **err);
int hutch_prune_networks(struct hutch_engine *e, const struct hutch_prune_filter *f,
                         struct hutch_prune_report *r, struct hutch_error **err);
/* all: named volumes too, not only anonymous ones. */
int hutch_prune_volumes(struct hutch_engine *e, const struct hutch_prune_filter *f, bool all,
                        struct hutch_prune_report *r, struct hutch_error **err);
/* all: every image no container uses, not only unnamed ones; the report
 * lists "untagged: NAME" and "deleted: ID" as docker does. */
int hutch_prune_images(struct hutch_engine *e, const struct hutch_prune_filter *f, bool all,
                       struct hutch_prune_report *r, struct hutch_error **err);
