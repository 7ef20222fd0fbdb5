/* GET /containers/{id}/stats?stream=&one-shot=: the engine's samples
 * (engine/stats.h, what `hutch stats` reads) in docker's StatsJSON shape,
 * so that the docker CLI's arithmetic (CPU % over cpu_stats and
 * precpu_stats, memory usage and limit, net and block I/O, pids) prints
 * what `hutch stats` prints. stream=false: two samples a second apart,
 * one reply (one-shot=true: one sample, no precpu); else a line a second
 * until the client goes. */
#include "api_int.h"

#include "engine/stats.h"
#include "util/cleanup.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void now_rfc3339(char *buf, size_t n) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char sec[32];
  strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, n, "%s.%09ldZ", sec, ts.tv_nsec);
}

static json_t *cpu_json(const struct hutch_stats_sample *s) {
  return json_pack("{s:{s:I,s:I,s:I},s:I,s:i,s:{s:i,s:i,s:i}}", "cpu_usage", "total_usage",
                   (json_int_t)s->cpu_ns, "usage_in_kernelmode", (json_int_t)0, "usage_in_usermode",
                   (json_int_t)0, "system_cpu_usage", (json_int_t)s->system_ns, "online_cpus",
                   s->online_cpus, "throttling_data", "periods", 0, "throttled_periods", 0,
                   "throttled_time", 0);
}

json_t *hutch_api_stats_json(const struct hutch_ctr *c, const char *read, const char *preread,
                             const struct hutch_stats_sample *prev,
                             const struct hutch_stats_sample *cur) {
  json_t *blk = json_pack("[{s:i,s:i,s:s,s:I},{s:i,s:i,s:s,s:I}]", "major", 0, "minor", 0, "op",
                          "Read", "value", (json_int_t)cur->blk_read, "major", 0, "minor", 0, "op",
                          "Write", "value", (json_int_t)cur->blk_write);
  json_t *nets = json_object();
  if (cur->valid)
    json_object_set_new(nets, "eth0",
                        json_pack("{s:I,s:I}", "rx_bytes", (json_int_t)cur->net_rx, "tx_bytes",
                                  (json_int_t)cur->net_tx));
  /* memory_stats.stats has no inactive file pages: usage already lacks them */
  return json_pack("{s:s,s:s,s:{s:I},s:{s:o},s:i,s:o,s:o,s:{s:I,s:I,s:{}},s:s+,s:s,s:o}", "read",
                   read, "preread", preread, "pids_stats", "current", (json_int_t)cur->pids,
                   "blkio_stats", "io_service_bytes_recursive", blk, "num_procs", 0, "cpu_stats",
                   cpu_json(cur), "precpu_stats", cpu_json(prev), "memory_stats", "usage",
                   (json_int_t)cur->mem_usage, "limit", (json_int_t)cur->mem_limit, "stats", "name",
                   "/", c->name ? c->name : "", "id", c->id, "networks", nets);
}

struct stats_stream {
  struct hutch_engine *e;
  struct hutch_ctr *c;
  struct MHD_Connection *conn;
  struct hutch_stats_sample prev;
  char preread[48];
};

static ssize_t stats_read(void *cls, uint64_t pos, char *buf, size_t max) {
  struct stats_stream *s = cls;
  if (pos > 0)
    sleep(1);
  if (api_stopping() || api_peer_gone(s->conn) || hutch_ctr_reload(s->c, NULL) < 0)
    return MHD_CONTENT_READER_END_OF_STREAM;
  struct hutch_stats_sample cur;
  hutch_ctr_stats_sample(s->e, s->c, &cur);
  char read[48];
  now_rfc3339(read, sizeof(read));
  _cleanup_json_ json_t *j = hutch_api_stats_json(s->c, read, s->preread, &s->prev, &cur);
  _cleanup_free_ char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;
  size_t len = line ? strlen(line) : 0;
  if (!line || len + 1 > max)
    return MHD_CONTENT_READER_END_WITH_ERROR;
  memcpy(buf, line, len);
  buf[len] = '\n';
  s->prev = cur;
  memcpy(s->preread, read, sizeof(read));
  return (ssize_t)len + 1;
}

static void stats_done(void *cls) {
  struct stats_stream *s = cls;
  hutch_ctr_free(s->c);
  hutch_engine_free(s->e);
  free(s);
}

static enum MHD_Result ctr_stats(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (!e || hutch_ctr_open(e, r->params[0], false, &c, &err) < 0)
    return api_error(r, err);
  const char *stream = api_query(r, "stream");
  struct hutch_stats_sample prev = {0}, cur;
  char preread[48] = "0001-01-01T00:00:00Z", read[48];
  if (stream && !hutch_api_bool(stream)) {
    if (!api_query_bool(r, "one-shot") && hutch_ctr_running(c)) {
      hutch_ctr_stats_sample(e, c, &prev);
      now_rfc3339(preread, sizeof(preread));
      sleep(1);
    }
    hutch_ctr_stats_sample(e, c, &cur);
    now_rfc3339(read, sizeof(read));
    return api_json(r, 200, hutch_api_stats_json(c, read, preread, &prev, &cur));
  }
  struct stats_stream *s = calloc(1, sizeof(*s));
  if (!s)
    return api_fail(r, 500, "out of memory");
  /* the stream owns them now: the request's engine is freed with it */
  s->e = e;
  r->e = NULL;
  s->c = c;
  c = NULL;
  s->conn = r->conn;
  snprintf(s->preread, sizeof(s->preread), "%s", preread);
  return api_stream(r, 200, "application/json", stats_read, s, stats_done);
}

const struct api_route hutch_api_stats_routes[] = {
    {"GET", "/containers/{}/stats", ctr_stats},
    {NULL, NULL, NULL},
};
