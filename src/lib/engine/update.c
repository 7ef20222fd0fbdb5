/* docker update (update.h). The limits go three places: the running
 * cgroup (through the runtime, which also merges them into its state's
 * config.json), the bundle's config.json (what the next start creates
 * the container from) and the record's HostConfig (what inspect shows).
 * The restart policy lives only in the record, which the monitor reads
 * at each exit. */
#include "engine/ctr_runtime.h"
#include "update.h"

#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define MIN_MEMORY (6 * 1024 * 1024)

bool hutch_update_any(const struct hutch_update_opts *u) {
  return u->has_memory || u->has_memory_swap || u->has_memory_reservation || u->has_nano_cpus ||
         u->has_cpu_shares || u->has_cpu_quota || u->has_cpu_period || u->has_pids_limit ||
         u->has_blkio_weight || u->cpuset_cpus || u->restart;
}

int hutch_update_validate(const struct hutch_update_opts *u, long ncpu, struct hutch_error **err) {
  if (u->has_memory && u->memory != 0 && u->memory < MIN_MEMORY)
    return hutch_error_say(err, EINVAL, "Minimum memory limit allowed is 6MB");
  if (u->has_memory && u->has_memory_swap && u->memory_swap > 0 && u->memory > 0 &&
      u->memory_swap < u->memory)
    return hutch_error_say(err, EINVAL,
                           "Minimum memoryswap limit should be larger than memory limit, see "
                           "usage");
  if (u->has_memory_reservation && u->has_memory && u->memory > 0 &&
      u->memory_reservation > u->memory)
    return hutch_error_say(err, EINVAL,
                           "Minimum memory limit can not be less than memory reservation limit, "
                           "see usage");
  if (u->has_nano_cpus && (u->has_cpu_quota || u->has_cpu_period))
    return hutch_error_say(err, EINVAL,
                           "Conflicting options: Nano CPUs and CPU Period cannot both be set");
  if (u->has_nano_cpus && ncpu > 0 && (u->nano_cpus < 10000000 || u->nano_cpus > ncpu * 1000000000))
    return hutch_error_say(err, EINVAL,
                           "Range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs "
                           "available",
                           ncpu, ncpu);
  if (u->has_cpu_period && u->cpu_period != 0 && (u->cpu_period < 1000 || u->cpu_period > 1000000))
    return hutch_error_say(err, EINVAL,
                           "CPU cfs period can not be less than 1ms (i.e. 1000) or "
                           "larger than 1s (i.e. 1000000)");
  if (u->has_cpu_quota && u->cpu_quota > 0 && u->cpu_quota < 1000)
    return hutch_error_say(err, EINVAL, "CPU cfs quota can not be less than 1ms (i.e. 1000)");
  if (u->has_blkio_weight && u->blkio_weight != 0 &&
      (u->blkio_weight < 10 || u->blkio_weight > 1000))
    return hutch_error_say(err, EINVAL, "Range of blkio weight is from 10 to 1000");
  const char *name;
  int max;
  if (u->restart && hutch_parse_restart(u->restart, &name, &max) < 0)
    return hutch_error_say(err, EINVAL, "invalid restart policy '%s'", u->restart);
  return 0;
}

bool hutch_blkio_weight_supported(void) {
  if (access("/sys/fs/cgroup/blkio/blkio.weight", F_OK) == 0 ||
      access("/sys/fs/cgroup/blkio/blkio.bfq.weight", F_OK) == 0)
    return true;
  _cleanup_free_ char *ctl = NULL;
  size_t len;
  /* v2: the io controller, with a weight once BFQ or io.cost is there */
  return access("/sys/fs/cgroup/blkio", F_OK) != 0 &&
         hutch_read_file("/sys/fs/cgroup/cgroup.controllers", &ctl, &len) == 0 &&
         strstr(ctl, "io") != NULL;
}

json_t *hutch_update_resources(const struct hutch_update_opts *u) {
  json_t *res = json_object(), *mem = json_object(), *cpu = json_object();
  if (u->has_memory)
    json_object_set_new(mem, "limit", json_integer(u->memory ? u->memory : -1));
  if (u->has_memory_swap)
    json_object_set_new(mem, "swap", json_integer(u->memory_swap ? u->memory_swap : -1));
  if (u->has_memory_reservation)
    json_object_set_new(mem, "reservation",
                        json_integer(u->memory_reservation ? u->memory_reservation : -1));
  if (u->has_nano_cpus) {
    json_object_set_new(cpu, "period", json_integer(100000));
    json_object_set_new(cpu, "quota",
                        json_integer(u->nano_cpus ? u->nano_cpus * 100000 / 1000000000 : -1));
  }
  if (u->has_cpu_period)
    json_object_set_new(cpu, "period", json_integer(u->cpu_period ? u->cpu_period : 100000));
  if (u->has_cpu_quota)
    json_object_set_new(cpu, "quota", json_integer(u->cpu_quota ? u->cpu_quota : -1));
  if (u->has_cpu_shares && u->cpu_shares)
    json_object_set_new(cpu, "shares", json_integer(u->cpu_shares));
  if (u->cpuset_cpus)
    json_object_set_new(cpu, "cpus", json_string(u->cpuset_cpus));
  if (json_object_size(mem))
    json_object_set(res, "memory", mem);
  if (json_object_size(cpu))
    json_object_set(res, "cpu", cpu);
  json_decref(mem);
  json_decref(cpu);
  if (u->has_pids_limit)
    json_object_set_new(
        res, "pids",
        json_pack("{sI}", "limit", (json_int_t)(u->pids_limit > 0 ? u->pids_limit : -1)));
  if (u->has_blkio_weight && u->blkio_weight)
    json_object_set_new(res, "blockIO", json_pack("{si}", "weight", (int)u->blkio_weight));
  return res;
}

/* docker: raising --memory above the --memory-swap in force needs a new
 * --memory-swap too (the kernel keeps memory <= memory+swap). */
static int check_against_swap(struct hutch_ctr *c, const struct hutch_update_opts *u,
                              struct hutch_error **err) {
  long long swap = c->cfg.memory_swap, mem = c->cfg.memory;
  if (swap == 0 && mem > 0)
    swap = 2 * mem; /* what create set: docker's default, memory + as much swap */
  if (u->has_memory && !u->has_memory_swap && swap > 0 && (u->memory == 0 || u->memory > swap))
    return hutch_error_say(err, EINVAL,
                           "Memory limit should be smaller than already set memoryswap limit, "
                           "update the memoryswap at the same time");
  return 0;
}

/* The record's HostConfig, as docker's inspect shows the new values. */
static void update_host_config(struct hutch_ctr *c, const struct hutch_update_opts *u) {
  json_t *host = json_object_get(c->rec, "HostConfig");
  const struct {
    bool has;
    const char *key;
    int64_t v;
  } ints[] = {
      {u->has_memory, "Memory", u->memory},
      {u->has_memory_swap, "MemorySwap", u->memory_swap},
      {u->has_memory_reservation, "MemoryReservation", u->memory_reservation},
      {u->has_nano_cpus, "NanoCpus", u->nano_cpus},
      {u->has_cpu_shares, "CpuShares", u->cpu_shares},
      {u->has_cpu_quota, "CpuQuota", u->cpu_quota},
      {u->has_cpu_period, "CpuPeriod", u->cpu_period},
      {u->has_pids_limit, "PidsLimit", u->pids_limit},
      {u->has_blkio_weight, "BlkioWeight", u->blkio_weight},
  };
  for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
    if (ints[i].has)
      json_object_set_new(host, ints[i].key, json_integer(ints[i].v));
  if (u->cpuset_cpus)
    json_object_set_new(host, "CpusetCpus", json_string(u->cpuset_cpus));
  const char *name;
  int max;
  if (u->restart && hutch_parse_restart(u->restart, &name, &max) == 0)
    json_object_set_new(host, "RestartPolicy",
                        json_pack("{ss si}", "Name", name, "MaximumRetryCount", max));
  hutch_ctr_config_parse(c->rec, &c->cfg);
}

int hutch_ctr_update(struct hutch_engine *e, struct hutch_ctr *c, const struct hutch_update_opts *u,
                     struct hutch_error **err) {
  if (hutch_ctr_lock(c, err) < 0)
    return -1;
  if (check_against_swap(c, u, err) < 0)
    return -1;
  _cleanup_json_ json_t *res = hutch_update_resources(u);
  if (!res)
    return hutch_error_set(err, ENOMEM, "update");
  if (json_object_size(res) && hutch_ctr_running(c) &&
      hutch_rt_update(e, c->cfg.runtime_path, c->id, res, err) < 0)
    return hutch_error_wrap(err, "Cannot update container %.12s", c->id);
  if (json_object_size(res) && hutch_config_merge_resources(c->dirfd, c->id, res, err) < 0)
    return -1;
  update_host_config(c, u);
  if (hutch_ctr_save(c, err) < 0)
    return -1;
  hutch_ctr_event(c, "update", NULL);
  return 0;
}
