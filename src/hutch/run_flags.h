/* The run/create flags of issue 15 (namespaces, sysctls, logging,
 * resources, health check), declared beside run.c's table and converted
 * into struct hutch_run_opts with docker's checks (engine/runopts.h). */
#pragma once

#include "flags.h"

#include "engine/engine.h"

/* Their values as text, until converted. */
struct run_more {
  const char *pid, *ipc, *uts, *userns, *shm_size, *cidfile, *cgroup_parent, *log_driver, *runtime,
      *cpuset_mems, *blkio_weight, *health_cmd, *health_interval, *health_timeout, *health_retries,
      *health_start_period;
};

#define RUN_MORE_FLAGS 22
/* Write the flags' entries into out (RUN_MORE_FLAGS of them, no end). */
void run_more_flags(struct hutch_flag *out, struct run_more *m, struct hutch_run_opts *o);
/* Check and convert; -1 after printing docker's message, -2 when a
 * value has the wrong type (docker's parser refuses it: exit 125). */
int run_more_convert(const char *cmd, const struct run_more *m, struct hutch_run_opts *o);
/* --cidfile: refuse an existing file before anything is made (docker's
 * message); write the id once the container exists. */
int run_cidfile_check(const char *path);
int run_cidfile_write(const char *path, const char *id);
