/* docker stats' arithmetic (engine/stats.c): CPU %, memory without the
 * inactive file pages (v1 and v2), the unlimited limit, /proc/stat,
 * /proc/net/dev, blkio, and docker's byte units. */
#include "tap.h"

#include "engine/stats.h"
#include "util/cleanup.h"
#include "util/json.h"

#include <string.h>

static void test_cpu(void) {
  struct hutch_stats_sample
      a = {.valid = true, .cpu_ns = 1000000000, .system_ns = 10000000000, .online_cpus = 2},
      b = {.valid = true, .cpu_ns = 2000000000, .system_ns = 12000000000, .online_cpus = 2};
  double p = hutch_stats_cpu_percent(&a, &b);
  ok(p > 99.99 && p < 100.01, "one CPU busy of two: 100%% (got %f)", p);
  b.cpu_ns = 1500000000;
  p = hutch_stats_cpu_percent(&a, &b);
  ok(p > 49.99 && p < 50.01, "half a CPU: 50%%");
  a.valid = false;
  ok(hutch_stats_cpu_percent(&a, &b) == 0.0, "no previous sample: 0");
  a.valid = true;
  b.system_ns = a.system_ns;
  ok(hutch_stats_cpu_percent(&a, &b) == 0.0, "no system delta: 0");
}

static void test_memory(void) {
  _cleanup_json_ json_t *v1 =
      json_pack("{s:I, s:I}", "total_inactive_file", (json_int_t)4096, "cache", (json_int_t)8192);
  is_int(hutch_stats_mem_usage(10000, v1), 10000 - 4096, "v1: usage - total_inactive_file");
  _cleanup_json_ json_t *v2 = json_pack("{s:I}", "inactive_file", (json_int_t)1000);
  is_int(hutch_stats_mem_usage(10000, v2), 9000, "v2: usage - inactive_file");
  is_int(hutch_stats_mem_usage(500, v2), 500, "more inactive than usage: usage");
  is_int(hutch_stats_mem_usage(500, NULL), 500, "no stats: usage");
  uint64_t host = 8ULL << 30;
  is_int(hutch_stats_mem_limit(9223372036854771712LL, host), host, "v1 unlimited: the host's");
  is_int(hutch_stats_mem_limit(-1, host), host, "v2 max: the host's");
  is_int(hutch_stats_mem_limit(64 << 20, host), 64 << 20, "a limit stays");
}

static void test_proc(void) {
  is_int(hutch_stats_system_ns("cpu  100 0 50 800 10 0 0 0 0 0\ncpu0 1 2 3\n", 100),
         960ULL * 10000000, "/proc/stat: ticks × 10 ms");
  is_int(hutch_stats_system_ns("intr 1 2", 100), 0, "not a cpu line");
  const char *dev = "Inter-|   Receive                                                |  Transmit\n"
                    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
                    "packets errs drop fifo colls carrier compressed\n"
                    "    lo:    1000      10    0    0    0     0          0         0     1000    "
                    "  10    0    0    0     0       0          0\n"
                    "  eth0:    2048      20    0    0    0     0          0         0      512    "
                    "   5    0    0    0     0       0          0\n"
                    "  eth1:       2       1    0    0    0     0          0         0        1    "
                    "   1    0    0    0     0       0          0\n";
  uint64_t rx, tx;
  hutch_stats_net_dev(dev, &rx, &tx);
  is_int(rx, 2050, "rx over all but lo");
  is_int(tx, 513, "tx over all but lo");
  _cleanup_json_ json_t *blk =
      json_pack("[{s:s, s:I}, {s:s, s:I}, {s:s, s:I}, {s:s, s:I}]", "op", "Read", "value",
                (json_int_t)100, "op", "Write", "value", (json_int_t)7, "op", "read", "value",
                (json_int_t)1, "op", "Total", "value", (json_int_t)999);
  uint64_t rd, wr;
  hutch_stats_blkio(blk, &rd, &wr);
  ok(rd == 101 && wr == 7, "blkio Read/Write summed, Total ignored");
}

static void test_units(void) {
  char b[32];
  hutch_bytes_binary(0, b, sizeof(b));
  is_str(b, "0B", "0B");
  hutch_bytes_binary(1536 * 1024, b, sizeof(b));
  is_str(b, "1.5MiB", "1.5MiB");
  hutch_bytes_binary(2087354368.0, b, sizeof(b));
  is_str(b, "1.944GiB", "%%.4g GiB");
  hutch_bytes_binary(200704, b, sizeof(b));
  is_str(b, "196KiB", "196KiB");
  hutch_bytes_decimal(1234, b, sizeof(b));
  is_str(b, "1.23kB", "%%.3g kB");
  hutch_bytes_decimal(999, b, sizeof(b));
  is_str(b, "999B", "999B");
  hutch_bytes_decimal(1500000, b, sizeof(b));
  is_str(b, "1.5MB", "1.5MB");
}

static void test_row(void) {
  struct hutch_ctr c = {.id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                        .name = "web"};
  struct hutch_stats_sample a = {.valid = true, .cpu_ns = 0, .system_ns = 1000, .online_cpus = 1},
                            b = {.valid = true,
                                 .cpu_ns = 250,
                                 .system_ns = 2000,
                                 .online_cpus = 1,
                                 .mem_usage = 1 << 20,
                                 .mem_limit = 4 << 20,
                                 .net_rx = 1200,
                                 .net_tx = 0,
                                 .pids = 3};
  _cleanup_json_ json_t *r = hutch_stats_row(&c, NULL, false, &a, &b);
  is_str(json_string_value(json_object_get(r, "ID")), "0123456789ab", "ID truncated");
  is_str(json_string_value(json_object_get(r, "Container")), "0123456789ab", "Container: the id");
  is_str(json_string_value(json_object_get(r, "CPUPerc")), "25.00%", "CPUPerc");
  is_str(json_string_value(json_object_get(r, "MemUsage")), "1MiB / 4MiB", "MemUsage");
  is_str(json_string_value(json_object_get(r, "MemPerc")), "25.00%", "MemPerc");
  is_str(json_string_value(json_object_get(r, "NetIO")), "1.2kB / 0B", "NetIO");
  is_str(json_string_value(json_object_get(r, "PIDs")), "3", "PIDs");
  _cleanup_json_ json_t *f = hutch_stats_row(&c, "web", true, &a, &b);
  is_int(strlen(json_string_value(json_object_get(f, "ID"))), 64, "--no-trunc");
  is_str(json_string_value(json_object_get(f, "Container")), "web", "Container as named");
}

int main(void) {
  test_cpu();
  test_memory();
  test_proc();
  test_units();
  test_row();
  return done_testing();
}
