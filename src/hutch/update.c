/* hutch update [OPTIONS] CONTAINER...: docker's resource and restart
 * flags, live on running containers, kept for stopped ones
 * (engine/update.h). */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "engine/update.h"
#include "util/strutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct update_args {
  const char *memory, *memory_swap, *memory_reservation, *cpus, *cpu_shares, *cpu_quota,
      *cpu_period, *pids_limit, *blkio_weight;
};

/* A flag's value into *v (and *has); -1 after printing docker's message. */
static int parse_value(const char *flag, const char *s, bool bytes, int64_t min, int64_t *v,
                       bool *has) {
  if (!s)
    return 0;
  int r;
  if (bytes && strcmp(s, "-1") == 0) {
    *v = -1;
    r = 0;
  } else {
    r = bytes ? hutch_parse_bytes(s, v) : hutch_parse_int64(s, min, INT64_MAX, v);
  }
  if (r < 0) {
    fprintf(stderr,
            "hutch: invalid argument \"%s\" for \"--%s\" flag\nSee 'hutch update --help'.\n", s,
            flag);
    return -1;
  }
  *has = true;
  return 0;
}

static int parse_args(const struct update_args *a, struct hutch_update_opts *u) {
  if (parse_value("memory", a->memory, true, 0, &u->memory, &u->has_memory) < 0 ||
      parse_value("memory-swap", a->memory_swap, true, 0, &u->memory_swap, &u->has_memory_swap) <
          0 ||
      parse_value("memory-reservation", a->memory_reservation, true, 0, &u->memory_reservation,
                  &u->has_memory_reservation) < 0 ||
      parse_value("cpu-shares", a->cpu_shares, false, 0, &u->cpu_shares, &u->has_cpu_shares) < 0 ||
      parse_value("cpu-quota", a->cpu_quota, false, -1, &u->cpu_quota, &u->has_cpu_quota) < 0 ||
      parse_value("cpu-period", a->cpu_period, false, 0, &u->cpu_period, &u->has_cpu_period) < 0 ||
      parse_value("pids-limit", a->pids_limit, false, -1, &u->pids_limit, &u->has_pids_limit) < 0 ||
      parse_value("blkio-weight", a->blkio_weight, false, 0, &u->blkio_weight,
                  &u->has_blkio_weight) < 0)
    return -1;
  if (a->cpus) {
    if (hutch_parse_cpus(a->cpus, &u->nano_cpus) < 0) {
      fprintf(stderr, "hutch: invalid argument \"%s\" for \"--cpus\" flag\n", a->cpus);
      return -1;
    }
    u->has_nano_cpus = true;
  }
  return 0;
}

static int do_update(struct hutch_engine *e, struct hutch_ctr *c, void *ud,
                     struct hutch_error **err) {
  return hutch_ctr_update(e, c, ud, err);
}

int cmd_update(int argc, char **argv) {
  struct update_args a = {0};
  struct hutch_update_opts u = {0};
  const struct hutch_flag flags[] = {
      {"blkio-weight", 0, HUTCH_FLAG_STRING, &a.blkio_weight,
       "Block IO (relative weight), between 10 and 1000, or 0 to disable", "uint16"},
      {"cpu-period", 0, HUTCH_FLAG_STRING, &a.cpu_period,
       "Limit CPU CFS (Completely Fair Scheduler) period", "int"},
      {"cpu-quota", 0, HUTCH_FLAG_STRING, &a.cpu_quota,
       "Limit CPU CFS (Completely Fair Scheduler) quota", "int"},
      {"cpu-shares", 'c', HUTCH_FLAG_STRING, &a.cpu_shares, "CPU shares (relative weight)", "int"},
      {"cpus", 0, HUTCH_FLAG_STRING, &a.cpus, "Number of CPUs", "decimal"},
      {"cpuset-cpus", 0, HUTCH_FLAG_STRING, &u.cpuset_cpus,
       "CPUs in which to allow execution (0-3, 0,1)"},
      {"memory", 'm', HUTCH_FLAG_STRING, &a.memory, "Memory limit", "bytes"},
      {"memory-reservation", 0, HUTCH_FLAG_STRING, &a.memory_reservation, "Memory soft limit",
       "bytes"},
      {"memory-swap", 0, HUTCH_FLAG_STRING, &a.memory_swap,
       "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", "bytes"},
      {"pids-limit", 0, HUTCH_FLAG_STRING, &a.pids_limit,
       "Tune container pids limit (set -1 for unlimited)", "int"},
      {"restart", 0, HUTCH_FLAG_STRING, &u.restart,
       "Restart policy to apply when a container exits"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] CONTAINER [CONTAINER...]",
                                "Update configuration of one or more containers", flags, 1, -1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (parse_args(&a, &u) < 0)
    return HUTCH_EXIT_USAGE; /* docker's parser refuses these values */
  if (!hutch_update_any(&u)) {
    fprintf(stderr, "hutch: You must provide one or more flags when using this command.\n");
    return 1;
  }
  if (u.has_blkio_weight && u.blkio_weight && !hutch_blkio_weight_supported()) {
    fprintf(stderr, "WARNING: Your kernel does not support Block I/O weight or the cgroup is not "
                    "mounted. Weight discarded.\n");
    u.has_blkio_weight = false;
  }
  struct hutch_error *err = NULL;
  if (hutch_update_validate(&u, sysconf(_SC_NPROCESSORS_ONLN), &err) < 0)
    return ctr_cli_fail(err);
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  return ctr_cli_each(e, n + 1, argv, 1, true, false, do_update, &u);
}
