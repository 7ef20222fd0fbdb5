/* docker stats' numbers: see stats.h. Reads the container's cgroup through
 * runtime/ (v1, v2 and hybrid alike: the runtime's cgroup manager), the
 * host's /proc/stat and /proc/meminfo, and /proc/<init>/net/dev for its
 * network namespace. */
#include "engine/ctr_runtime.h"
#include "stats.h"

#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint64_t hutch_stats_system_ns(const char *text, long clk_tck) {
  if (!text || strncmp(text, "cpu ", 4) != 0 || clk_tck <= 0)
    return 0;
  const char *p = text + 4;
  uint64_t ticks = 0;
  /* user nice system idle iowait irq softirq steal (guest is in user) */
  for (int i = 0; i < 8; i++) {
    char *end;
    unsigned long long v = strtoull(p, &end, 10);
    if (end == p)
      break;
    ticks += v;
    p = end;
  }
  return ticks * (1000000000ULL / (uint64_t)clk_tck);
}

void hutch_stats_net_dev(const char *text, uint64_t *rx, uint64_t *tx) {
  *rx = *tx = 0;
  const char *p = text;
  while (p && *p) {
    const char *nl = strchr(p, '\n');
    const char *colon = memchr(p, ':', nl ? (size_t)(nl - p) : strlen(p));
    if (colon) {
      const char *name = p;
      while (*name == ' ')
        name++;
      bool lo = (size_t)(colon - name) == 2 && strncmp(name, "lo", 2) == 0;
      unsigned long long v[9];
      if (!lo && sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                        &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
        *rx += v[0];
        *tx += v[8];
      }
    }
    p = nl ? nl + 1 : NULL;
  }
}

void hutch_stats_blkio(json_t *entries, uint64_t *rd, uint64_t *wr) {
  *rd = *wr = 0;
  size_t i;
  json_t *e;
  json_array_foreach(entries, i, e) {
    const char *op = json_string_value(json_object_get(e, "op"));
    uint64_t v = (uint64_t)json_integer_value(json_object_get(e, "value"));
    if (op && strcasecmp(op, "read") == 0)
      *rd += v;
    else if (op && strcasecmp(op, "write") == 0)
      *wr += v;
  }
}

uint64_t hutch_stats_mem_usage(uint64_t usage, json_t *raw) {
  json_t *v1 = json_object_get(raw, "total_inactive_file");
  if (v1 && (uint64_t)json_integer_value(v1) < usage)
    return usage - (uint64_t)json_integer_value(v1);
  json_t *v2 = json_object_get(raw, "inactive_file");
  if (!v1 && v2 && (uint64_t)json_integer_value(v2) < usage)
    return usage - (uint64_t)json_integer_value(v2);
  return usage;
}

uint64_t hutch_stats_mem_limit(int64_t limit, uint64_t host_mem) {
  if (limit <= 0 || (host_mem && (uint64_t)limit > host_mem))
    return host_mem;
  return (uint64_t)limit;
}

double hutch_stats_cpu_percent(const struct hutch_stats_sample *prev,
                               const struct hutch_stats_sample *cur) {
  if (!prev->valid || !cur->valid || cur->cpu_ns < prev->cpu_ns ||
      cur->system_ns <= prev->system_ns)
    return 0.0;
  double cpu = (double)(cur->cpu_ns - prev->cpu_ns);
  double sys = (double)(cur->system_ns - prev->system_ns);
  return cpu / sys * (double)cur->online_cpus * 100.0;
}

static uint64_t host_mem(void) {
  return hutch_read_file_key("/proc/meminfo", "MemTotal:", 10) * 1024;
}

void hutch_ctr_stats_sample(struct hutch_engine *e, struct hutch_ctr *c,
                            struct hutch_stats_sample *s) {
  *s = (struct hutch_stats_sample){0};
  _cleanup_json_ json_t *j = NULL;
  if (!hutch_ctr_running(c) || hutch_rt_stats(e, c->cfg.runtime_path, c->id, &j, NULL) < 0)
    return;
  s->valid = true;
  _cleanup_free_ char *stat = NULL, *net = NULL;
  size_t len;
  if (hutch_read_file("/proc/stat", &stat, &len) == 0)
    s->system_ns = hutch_stats_system_ns(stat, sysconf(_SC_CLK_TCK));
  s->online_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
  json_t *cpu = json_object_get(json_object_get(j, "cpu"), "usage");
  s->cpu_ns = (uint64_t)json_integer_value(json_object_get(cpu, "total"));
  json_t *mem = json_object_get(j, "memory");
  json_t *usage = json_object_get(mem, "usage");
  s->mem_usage = hutch_stats_mem_usage(
      (uint64_t)json_integer_value(json_object_get(usage, "usage")), json_object_get(mem, "raw"));
  s->mem_limit =
      hutch_stats_mem_limit(json_integer_value(json_object_get(usage, "limit")), host_mem());
  s->pids = (uint64_t)json_integer_value(json_object_get(json_object_get(j, "pids"), "current"));
  hutch_stats_blkio(json_object_get(json_object_get(j, "blkio"), "ioServiceBytesRecursive"),
                    &s->blk_read, &s->blk_write);
  char p[64];
  snprintf(p, sizeof(p), "/proc/%d/net/dev", (int)c->st.pid);
  if (hutch_read_file(p, &net, &len) == 0)
    hutch_stats_net_dev(net, &s->net_rx, &s->net_tx);
}

static void human(double v, double base, const char *const *units, size_t n_units, int prec,
                  char *buf, size_t n) {
  size_t i = 0;
  while (v >= base && i < n_units - 1) {
    v /= base;
    i++;
  }
  snprintf(buf, n, "%.*g%s", prec, v, units[i]);
}

void hutch_bytes_binary(double v, char *buf, size_t n) {
  static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  human(v, 1024.0, u, ARRAY_SIZE(u), 4, buf, n);
}

void hutch_bytes_decimal(double v, char *buf, size_t n) {
  static const char *const u[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  human(v, 1000.0, u, ARRAY_SIZE(u), 3, buf, n);
}

static void pair(void (*fmt)(double, char *, size_t), uint64_t a, uint64_t b, char *buf, size_t n) {
  char x[32], y[32];
  fmt((double)a, x, sizeof(x));
  fmt((double)b, y, sizeof(y));
  snprintf(buf, n, "%s / %s", x, y);
}

json_t *hutch_stats_row(const struct hutch_ctr *c, const char *ref, bool no_trunc,
                        const struct hutch_stats_sample *prev,
                        const struct hutch_stats_sample *cur) {
  char id[65], cpu[32], memp[32], mem[80], netio[80], blkio[80], pids[32];
  snprintf(id, sizeof(id), "%.*s", no_trunc ? 64 : 12, c->id);
  snprintf(cpu, sizeof(cpu), "%.2f%%", hutch_stats_cpu_percent(prev, cur));
  double pct = cur->mem_limit ? (double)cur->mem_usage / (double)cur->mem_limit * 100.0 : 0.0;
  snprintf(memp, sizeof(memp), "%.2f%%", pct);
  pair(hutch_bytes_binary, cur->mem_usage, cur->mem_limit, mem, sizeof(mem));
  pair(hutch_bytes_decimal, cur->net_rx, cur->net_tx, netio, sizeof(netio));
  pair(hutch_bytes_decimal, cur->blk_read, cur->blk_write, blkio, sizeof(blkio));
  snprintf(pids, sizeof(pids), "%" PRIu64, cur->pids);
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Container", ref ? ref : id,
                   "ID", id, "Name", c->name, "CPUPerc", cpu, "MemUsage", mem, "MemPerc", memp,
                   "NetIO", netio, "BlockIO", blkio, "PIDs", pids);
}
