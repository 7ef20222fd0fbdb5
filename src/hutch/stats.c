/* hutch stats [-a] [--no-stream] [--no-trunc] [--format F] [CONTAINER...]:
 * docker's columns (CPU %, MEM USAGE / LIMIT, MEM %, NET I/O, BLOCK I/O,
 * PIDS) from two samples a second apart (engine/stats.c), refreshed every
 * second until interrupted unless --no-stream; --format through the CLI's
 * formatter (format.h), as docker's StatsContext names the fields. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"
#include "format.h"

#include "linux/rootless.h"

#include "engine/stats.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_FORMAT                                                                             \
  "table {{.ID}}\\t{{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}\\t{{.MemPerc}}\\t{{.NetIO}}"           \
  "\\t{{.BlockIO}}\\t{{.PIDs}}"

struct target {
  struct hutch_ctr *c;
  const char *ref; /* as the user named it: {{.Container}} */
  struct hutch_stats_sample prev, cur;
};

static const json_t *stats_header(void) {
  static json_t *h;
  if (!h)
    h = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Container", "CONTAINER", "ID",
                  "CONTAINER ID", "Name", "NAME", "CPUPerc", "CPU %", "MemUsage",
                  "MEM USAGE / LIMIT", "MemPerc", "MEM %", "NetIO", "NET I/O", "BlockIO",
                  "BLOCK I/O", "PIDs", "PIDS");
  return h;
}

/* One frame: a row per container through the CLI's formatter (format.h:
 * docker's table, "table TEMPLATE", "json", or a template). */
static int render(const char *format, struct target *t, size_t n, bool no_trunc) {
  struct hutch_error *err = NULL;
  struct cli_format cf;
  if (cli_format_open(&cf, format, DEFAULT_FORMAT, NULL, stats_header(), &err) < 0)
    return ctr_cli_fail(err), -1;
  for (size_t i = 0; i < n; i++) {
    _cleanup_json_ json_t *row = hutch_stats_row(t[i].c, t[i].ref, no_trunc, &t[i].prev, &t[i].cur);
    if (cli_format_row(&cf, row, &err) < 0) {
      cli_format_free(&cf);
      return ctr_cli_fail(err), -1;
    }
  }
  if (cli_format_flush(&cf, stdout, &err) < 0)
    return ctr_cli_fail(err), -1;
  fflush(stdout);
  return 0;
}

static void sample_all(struct hutch_engine *e, struct target *t, size_t n) {
  for (size_t i = 0; i < n; i++) {
    t[i].prev = t[i].cur;
    hutch_ctr_reload(t[i].c, NULL);
    hutch_ctr_stats_sample(e, t[i].c, &t[i].cur);
  }
}

/* The containers named, or every running one (-a: every one). */
static int targets(struct hutch_engine *e, int argc, char **argv, bool all, struct target **out,
                   size_t *n) {
  struct hutch_error *err = NULL;
  *n = 0;
  if (argc > 1) {
    *out = calloc((size_t)argc, sizeof(**out));
    for (int i = 1; *out && i < argc; i++) {
      if (hutch_ctr_open(e, argv[i], false, &(*out)[*n].c, &err) < 0)
        return ctr_cli_fail(err), -1;
      (*out)[(*n)++].ref = argv[i];
    }
    return *out ? 0 : -1;
  }
  struct hutch_ctr **list = NULL;
  size_t k = 0;
  if (hutch_ctr_list_all(e, false, &list, &k, &err) < 0)
    return ctr_cli_fail(err), -1;
  *out = calloc(k + 1, sizeof(**out));
  for (size_t i = 0; *out && i < k; i++) {
    if (!all && !hutch_ctr_running(list[i]))
      continue;
    if (hutch_ctr_open(e, list[i]->id, false, &(*out)[*n].c, NULL) == 0)
      (*n)++;
  }
  hutch_ctr_list_free(list, k);
  return *out ? 0 : -1;
}

int cmd_stats(int argc, char **argv) {
  bool no_stream = false, no_trunc = false, all = false;
  const char *format = NULL;
  const struct hutch_flag flags[] = {
      {"all", 'a', HUTCH_FLAG_BOOL, &all, "Show all containers (default shows just running)"},
      {"format", 0, HUTCH_FLAG_STRING, &format, "Format output using a custom template"},
      {"no-stream", 0, HUTCH_FLAG_BOOL, &no_stream,
       "Disable streaming stats and only pull the first result"},
      {"no-trunc", 0, HUTCH_FLAG_BOOL, &no_trunc, "Do not truncate output"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] [CONTAINER...]",
                                "Display a live stream of container(s) resource usage statistics",
                                flags, 0, -1};
  int nargs, r = hutch_flags_parse(&cmd, argc, argv, &nargs);
  if (r != 0)
    return hutch_flags_status(r);
  /* a bad template fails before any work, as docker's */
  struct hutch_error *err = NULL;
  struct cli_format check;
  if (cli_format_open(&check, format, DEFAULT_FORMAT, NULL, stats_header(), &err) < 0)
    return ctr_cli_fail(err);
  cli_format_free(&check);
  /* rootless on cgroup v1: nothing to read, say why rather than zeros */
  if (hutch_rootless_without_cgroup()) {
    hutch_rootless_no_cgroup_error("stats", &err);
    return ctr_cli_fail(err);
  }
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct target *t = NULL;
  size_t n = 0;
  int ret = HUTCH_EXIT_ERROR;
  if (targets(e, nargs + 1, argv, all, &t, &n) < 0)
    goto out;
  sample_all(e, t, n);
  for (;;) {
    sleep(1);
    sample_all(e, t, n);
    if (!no_stream)
      fputs("\033[2J\033[H", stdout); /* docker redraws the screen */
    if (render(format, t, n, no_trunc) < 0)
      goto out;
    if (no_stream)
      break;
  }
  ret = 0;
out:
  for (size_t i = 0; t && i < n; i++)
    hutch_ctr_free(t[i].c);
  free(t);
  return ret;
}
