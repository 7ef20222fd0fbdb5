/* hutch pause | unpause | top | stats [--no-stream]: the cgroup verbs of
 * runtime/ on engine containers. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"
#include "format.h"

#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int do_pause(struct hutch_engine *e, struct hutch_ctr *c, void *ud,
                    struct hutch_error **err) {
  (void)ud;
  /* docker's messages (daemon/pause.go) */
  const char *st = hutch_ctr_status(e, c);
  if (strcmp(st, "paused") == 0)
    return hutch_error_say(err, EINVAL, "Container %s is already paused", c->id);
  if (strcmp(st, "running") != 0)
    return hutch_error_say(err, EINVAL, "Container %s is not running", c->id);
  if (hutch_container_pause(&e->rt, c->id, err) < 0)
    return -1;
  hutch_ctr_event(c, "pause", NULL);
  return 0;
}

static int do_unpause(struct hutch_engine *e, struct hutch_ctr *c, void *ud,
                      struct hutch_error **err) {
  (void)ud;
  if (strcmp(hutch_ctr_status(e, c), "paused") != 0)
    return hutch_error_say(err, EINVAL, "Container %s is not paused", c->id);
  if (hutch_container_resume(&e->rt, c->id, err) < 0)
    return -1;
  hutch_ctr_event(c, "unpause", NULL);
  return 0;
}

static int pause_like(int argc, char **argv, const char *summary,
                      int (*fn)(struct hutch_engine *, struct hutch_ctr *, void *,
                                struct hutch_error **)) {
  int n, r = hutch_args_parse("CONTAINER [CONTAINER...]", summary, 1, -1, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  return e ? ctr_cli_each(e, n + 1, argv, 1, false, true, fn, NULL) : HUTCH_EXIT_ERROR;
}

int cmd_pause(int argc, char **argv) {
  return pause_like(argc, argv, "Pause all processes within one or more containers", do_pause);
}

int cmd_unpause(int argc, char **argv) {
  return pause_like(argc, argv, "Unpause all processes within one or more containers", do_unpause);
}

/* top: ps(1) of the host over the container's pids, as docker does. */
int cmd_top(int argc, char **argv) {
  const struct hutch_flag none[] = {{0}};
  const struct hutch_cmd cmd = {
      "CONTAINER [ps OPTIONS]", "Display the running processes of a container", none, 1, -1,
      .no_interspersed = true};
  int nargs, r = hutch_flags_parse(&cmd, argc, argv, &nargs);
  if (r != 0)
    return hutch_flags_status(r);
  argc = nargs + 1;
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_ctr_ struct hutch_ctr *ct = NULL;
  if (hutch_ctr_open(e, argv[1], false, &ct, &err) < 0)
    return ctr_cli_fail(err);
  if (!hutch_ctr_running(ct)) {
    fprintf(stderr, "hutch: container %s is not running\n", argv[1]);
    return HUTCH_EXIT_ERROR;
  }
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  if (hutch_container_ps(&e->rt, ct->id, &pids, &n, &err) < 0)
    return ctr_cli_fail(err);
  char *list = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&list, &len);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s%d", i ? "," : "", (int)pids[i]);
  fclose(f);
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    if (argc > 2) {
      /* docker top C ps-options: pass them through */
      char **a = calloc((size_t)argc + 3, sizeof(char *));
      a[0] = "ps";
      for (int i = 2; i < argc; i++)
        a[i - 1] = argv[i];
      a[argc - 1] = "-p";
      a[argc] = list;
      execvp("ps", a);
    } else {
      execlp("ps", "ps", "-o", "uid,pid,ppid,c,stime,tty,time,cmd", "-p", list, (char *)NULL);
    }
    _exit(127);
  }
  free(list);
  int st = 0;
  waitpid(p, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

#define STATS_TABLE                                                                                \
  "table {{.ID}}\\t{{.Name}}\\t{{.MemUsage}}\\t{{.MemPerc}}\\t{{.CPUTime}}\\t{{.PIDs}}"

static const json_t *stats_header(void) {
  static json_t *h;
  if (!h)
    h = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Container", "CONTAINER", "ID",
                  "CONTAINER ID", "Name", "NAME", "MemUsage", "MEM USAGE / LIMIT", "MemPerc",
                  "MEM %", "CPUTime", "CPU TIME", "PIDs", "PIDS", "NetIO", "NET I/O", "BlockIO",
                  "BLOCK I/O");
  return h;
}

/* One container's row as docker's StatsContext names its columns. */
static json_t *stats_row(struct hutch_engine *e, struct hutch_ctr *ct, const char *ref) {
  _cleanup_json_ json_t *s = NULL;
  if (hutch_container_stats(&e->rt, ct->id, &s, NULL) < 0)
    return NULL;
  json_t *mem = json_object_get(json_object_get(s, "memory"), "usage");
  double usage = (double)json_integer_value(json_object_get(mem, "usage"));
  double limit = (double)json_integer_value(json_object_get(mem, "limit"));
  long long pids = json_integer_value(json_object_get(json_object_get(s, "pids"), "current"));
  long long cpu = json_integer_value(
      json_object_get(json_object_get(json_object_get(s, "cpu"), "usage"), "total"));
  char id[13], musage[64], mperc[16], cputime[32], npids[24];
  snprintf(id, sizeof(id), "%.12s", ct->id);
  snprintf(musage, sizeof(musage), "%.1fMiB / %.1fMiB", usage / 1048576.0, limit / 1048576.0);
  snprintf(mperc, sizeof(mperc), "%.2f%%", limit > 0 ? 100.0 * usage / limit : 0.0);
  snprintf(cputime, sizeof(cputime), "%.3fs", (double)cpu / 1e9);
  snprintf(npids, sizeof(npids), "%lld", pids);
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Container", ref, "ID", id,
                   "Name", ct->name, "MemUsage", musage, "MemPerc", mperc, "CPUTime", cputime,
                   "PIDs", npids, "NetIO", "--", "BlockIO", "--");
}

/* One round of stats: a row for each running container of refs. */
static int stats_round(struct hutch_engine *e, char **refs, int n, bool named, const char *format) {
  struct hutch_error *err = NULL;
  struct cli_format cf;
  if (cli_format_open(&cf, format, STATS_TABLE, NULL, stats_header(), &err) < 0)
    return ctr_cli_fail(err);
  for (int i = 0; i < n; i++) {
    _cleanup_ctr_ struct hutch_ctr *ct = NULL;
    if (hutch_ctr_open(e, refs[i], false, &ct, named ? &err : NULL) < 0) {
      if (!err)
        continue;
      cli_format_free(&cf);
      return ctr_cli_fail(err);
    }
    _cleanup_json_ json_t *row = hutch_ctr_running(ct) ? stats_row(e, ct, refs[i]) : NULL;
    if (row && cli_format_row(&cf, row, &err) < 0) {
      cli_format_free(&cf);
      return ctr_cli_fail(err);
    }
  }
  if (cli_format_flush(&cf, stdout, &err) < 0)
    return ctr_cli_fail(err);
  fflush(stdout);
  return 0;
}

int cmd_stats(int argc, char **argv) {
  bool no_stream = false;
  const char *format = NULL;
  const struct hutch_flag flags[] = {
      {"format", 0, HUTCH_FLAG_STRING, &format,
       "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'"},
      {"no-stream", 0, HUTCH_FLAG_BOOL, &no_stream,
       "Disable streaming stats and only pull the first result"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] [CONTAINER...]",
                                "Display a live stream of container(s) resource usage statistics",
                                flags, 0, -1};
  int nargs, r = hutch_flags_parse(&cmd, argc, argv, &nargs);
  if (r != 0)
    return hutch_flags_status(r);
  bool stream = !no_stream;
  int first = 1;
  argc = nargs + 1;
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_strv_ char **ids = NULL;
  if (first >= argc) {
    struct hutch_ctr **all = NULL;
    size_t n = 0;
    if (hutch_ctr_list_all(e, false, &all, &n, &err) < 0)
      return ctr_cli_fail(err);
    ids = calloc(1, sizeof(char *));
    for (size_t i = 0; ids && i < n; i++)
      hutch_strv_push(&ids, all[i]->id);
    hutch_ctr_list_free(all, n);
  }
  do {
    char **refs = first < argc ? argv + first : ids;
    int n = first < argc ? argc - first : (int)(ids ? hutch_strv_len(ids) : 0);
    if ((r = stats_round(e, refs, n, first < argc, format)) != 0)
      return r;
    if (stream)
      sleep(1);
  } while (stream);
  return 0;
}
