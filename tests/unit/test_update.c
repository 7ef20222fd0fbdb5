/* Unit tests for engine/update: docker's rules on update flags and the
 * OCI resources they make. */
#include "tap.h"

#include "engine/update.h"

static bool valid(struct hutch_update_opts u) {
  struct hutch_error *err = NULL;
  int r = hutch_update_validate(&u, 2, &err);
  hutch_error_free(err);
  return r == 0;
}

int main(void) {
  struct hutch_update_opts none = {0};
  ok(!hutch_update_any(&none), "no flags: nothing to do");
  struct hutch_update_opts r = {.restart = "always"};
  ok(hutch_update_any(&r) && valid(r), "--restart always");
  ok(!valid((struct hutch_update_opts){.restart = "sometimes"}), "bad restart policy");
  ok(!valid((struct hutch_update_opts){.has_memory = true, .memory = 1 << 20}), "memory < 6MB");
  ok(valid((struct hutch_update_opts){.has_memory = true, .memory = 0}), "memory 0: unlimited");
  ok(!valid((struct hutch_update_opts){
         .has_memory = true, .memory = 64 << 20, .has_memory_swap = true, .memory_swap = 32 << 20}),
     "swap below memory");
  ok(valid((struct hutch_update_opts){
         .has_memory = true, .memory = 64 << 20, .has_memory_swap = true, .memory_swap = -1}),
     "swap -1: unlimited");
  ok(!valid((struct hutch_update_opts){.has_nano_cpus = true, .nano_cpus = 3000000000LL}),
     "3 cpus on 2");
  ok(valid((struct hutch_update_opts){.has_nano_cpus = true, .nano_cpus = 1500000000LL}),
     "1.5 cpus on 2");
  ok(!valid((struct hutch_update_opts){.has_nano_cpus = true,
                                       .nano_cpus = 1000000000LL,
                                       .has_cpu_quota = true,
                                       .cpu_quota = 50000}),
     "--cpus with --cpu-quota");
  ok(!valid((struct hutch_update_opts){.has_blkio_weight = true, .blkio_weight = 5}),
     "blkio weight 5");
  ok(!valid((struct hutch_update_opts){.has_cpu_period = true, .cpu_period = 10}), "period 10");

  struct hutch_update_opts u = {.has_memory = true,
                                .memory = 64 << 20,
                                .has_nano_cpus = true,
                                .nano_cpus = 500000000,
                                .has_pids_limit = true,
                                .pids_limit = -1,
                                .cpuset_cpus = "0-1"};
  json_t *res = hutch_update_resources(&u);
  is_int(json_integer_value(json_object_get(json_object_get(res, "memory"), "limit")), 64 << 20,
         "memory.limit");
  is_int(json_integer_value(json_object_get(json_object_get(res, "cpu"), "quota")), 50000,
         "cpu.quota from --cpus");
  is_int(json_integer_value(json_object_get(json_object_get(res, "cpu"), "period")), 100000,
         "cpu.period from --cpus");
  is_str(json_string_value(json_object_get(json_object_get(res, "cpu"), "cpus")), "0-1",
         "cpu.cpus");
  is_int(json_integer_value(json_object_get(json_object_get(res, "pids"), "limit")), -1,
         "pids.limit -1");
  ok(json_object_get(res, "blockIO") == NULL, "no blockIO unless asked");
  json_decref(res);
  return done_testing();
}
