/* The API service's spawner (spawner.c): a single-threaded child that
 * starts containers, since fork() from the service's threads is unsafe. */
#pragma once

#include "engine/engine.h"

/* Fork it: before any other thread exists. */
int hutch_api_spawner_start(struct hutch_error **err);
void hutch_api_spawner_stop(void);
/* Start the container (full id) detached, as `hutch start` does. */
int hutch_api_spawner_start_ctr(const char *id, struct hutch_error **err);
