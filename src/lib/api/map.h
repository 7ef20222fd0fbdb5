/* Between the engine's typed records and docker's JSON (map.c,
 * create_map.c). */
#pragma once

#include <jansson.h>

#include "engine/engine.h"
#include "route.h"

/* One entry of GET /containers/json. */
json_t *hutch_api_ctr_summary(struct hutch_engine *e, struct hutch_ctr *c);
/* Does c pass the list filters (id, name, status, label, ancestor)? */
bool hutch_api_ctr_matches(struct hutch_engine *e, struct hutch_ctr *c,
                           const struct hutch_api_filters *f);
/* POST /containers/create's body (Config with HostConfig and
 * NetworkingConfig) and ?name= as the flags of `hutch create`. */
int hutch_api_create_opts(json_t *body, const char *name, struct hutch_run_opts *o,
                          struct hutch_error **err);
/* One entry of GET /images/json. */
json_t *hutch_api_image_summary(const struct hutch_image *img);
