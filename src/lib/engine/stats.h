/* docker stats for engine containers: one sample of a container's
 * counters (its cgroup through runtime/, the host's CPU time, its netns'
 * interfaces) and docker's arithmetic over two samples (cli/command/
 * container/stats_helpers.go, 20.10): CPU % = container delta / system
 * delta × online CPUs × 100; memory usage without the inactive file
 * pages (v1 total_inactive_file, v2 inactive_file); an unlimited
 * container's limit is the host's memory. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct hutch_stats_sample {
  bool valid;         /* the container ran and its cgroup was read */
  uint64_t cpu_ns;    /* the container's CPU time */
  uint64_t system_ns; /* the host's, all CPUs (/proc/stat) */
  int online_cpus;
  uint64_t mem_usage; /* without the inactive file pages */
  uint64_t mem_limit; /* the host's memory when unlimited */
  uint64_t net_rx, net_tx;
  uint64_t blk_read, blk_write;
  uint64_t pids;
};

/* Read one sample; a container that is not running gives !valid. */
void hutch_ctr_stats_sample(struct hutch_engine *e, struct hutch_ctr *c,
                            struct hutch_stats_sample *s);

/* docker's computations, pure */
double hutch_stats_cpu_percent(const struct hutch_stats_sample *prev,
                               const struct hutch_stats_sample *cur);
uint64_t hutch_stats_mem_usage(uint64_t usage, json_t *raw_memory_stat);
/* limit: as the cgroup says (v1's huge number, v2's max as ~0); the host's
 * memory when it is no limit below that */
uint64_t hutch_stats_mem_limit(int64_t limit, uint64_t host_mem);
/* /proc/stat's first line ("cpu  user nice system …") in ns; 0 on error */
uint64_t hutch_stats_system_ns(const char *proc_stat, long clk_tck);
/* /proc/PID/net/dev: bytes received and sent, over all but lo */
void hutch_stats_net_dev(const char *text, uint64_t *rx, uint64_t *tx);
/* blkio ioServiceBytesRecursive entries: Read and Write summed */
void hutch_stats_blkio(json_t *entries, uint64_t *rd, uint64_t *wr);

/* units.BytesSize ("1.5MiB", %.4g, 1024) and units.HumanSizeWithPrecision
 * (v, 3) ("1.2kB", %.3g, 1000) */
void hutch_bytes_binary(double v, char *buf, size_t n);
void hutch_bytes_decimal(double v, char *buf, size_t n);

/* The row docker's templates see: Container, ID, Name, CPUPerc, MemUsage,
 * MemPerc, NetIO, BlockIO, PIDs (strings, as docker formats them). */
json_t *hutch_stats_row(const struct hutch_ctr *c, const char *container_ref, bool no_trunc,
                        const struct hutch_stats_sample *prev,
                        const struct hutch_stats_sample *cur);
