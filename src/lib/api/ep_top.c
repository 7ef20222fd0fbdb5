/* GET /containers/{id}/top?ps_args=: ps(1) of the host over the
 * container's pids, as `hutch top` and docker do, and docker's parse of
 * its output: the header's words are the Titles, each row is split into
 * as many fields, the last taking the rest of the line (CMD has spaces),
 * rows of other processes dropped (by the PID column).
 * ps is started with posix_spawn (no fork of this threaded process). */
#include "engine/ctr_runtime.h"
#include "api_int.h"

#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* ps's output (stdout of argv) into *out; -errno. */
static int run_ps(char **argv, char **out, struct hutch_error **err) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return hutch_error_set(err, errno, "top: pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
  pid_t pid;
  int r = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(p[1]);
  if (r != 0) {
    close(p[0]);
    return hutch_error_set(err, r, "top: run ps");
  }
  size_t len = 0;
  FILE *f = open_memstream(out, &len);
  char buf[4096];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && f)
      fwrite(buf, 1, (size_t)n, f);
  close(p[0]);
  if (f)
    fclose(f);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
    ;
  if (!*out)
    return hutch_error_set(err, ENOMEM, "top");
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    return hutch_error_say(err, EINVAL, "ps failed (invalid ps_args?)");
  return 0;
}

/* The line split on blanks into at most max fields, the last keeping the rest. */
static json_t *split_fields(char *line, size_t max) {
  json_t *a = json_array();
  char *p = line;
  while (a && *p && json_array_size(a) < max) {
    p += strspn(p, " \t");
    if (!*p)
      break;
    size_t len = json_array_size(a) + 1 == max ? strlen(p) : strcspn(p, " \t");
    json_array_append_new(a, json_stringn(p, len));
    p += len;
  }
  return a;
}

static bool has_pid(const pid_t *pids, size_t n, const char *v) {
  for (size_t i = 0; v && i < n; i++)
    if (atoi(v) == (int)pids[i])
      return true;
  return false;
}

json_t *hutch_api_top_parse(char *text, const pid_t *pids, size_t n) {
  char *save = NULL, *line = strtok_r(text, "\n", &save);
  if (!line)
    return NULL;
  json_t *titles = split_fields(line, SIZE_MAX);
  json_t *procs = json_array();
  size_t nt = json_array_size(titles), pid_col = SIZE_MAX, i;
  json_t *t;
  json_array_foreach(titles, i, t) if (strcmp(json_string_value(t), "PID") == 0) pid_col = i;
  while ((line = strtok_r(NULL, "\n", &save))) {
    json_t *row = split_fields(line, nt);
    /* docker's filter: ps_args may list more than the container's */
    if (pid_col != SIZE_MAX && !has_pid(pids, n, json_string_value(json_array_get(row, pid_col)))) {
      json_decref(row);
      continue;
    }
    json_array_append_new(procs, row);
  }
  return json_pack("{s:o,s:o}", "Titles", titles, "Processes", procs);
}

static char *pid_list(pid_t *pids, size_t n) {
  char *list = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&list, &len);
  if (!f)
    return NULL;
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s%d", i ? "," : "", (int)pids[i]);
  fclose(f);
  return list;
}

static enum MHD_Result ctr_top(struct api_req *r) {
  struct hutch_error *err = NULL;
  struct hutch_engine *e = api_engine(r, &err);
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (!e || hutch_ctr_open(e, r->params[0], false, &c, &err) < 0)
    return api_error(r, err);
  if (!hutch_ctr_running(c))
    return api_fail(r, 409, "Container %s is not running", r->params[0]);
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  if (hutch_rt_ps(e, c->cfg.runtime_path, c->id, &pids, &n, &err) < 0)
    return api_error(r, err);
  _cleanup_free_ char *list = pid_list(pids, n);
  const char *ps_args = api_query(r, "ps_args");
  char **argv = NULL;
  if (hutch_strv_push(&argv, "ps") < 0)
    return api_fail(r, 500, "out of memory");
  if (ps_args && *ps_args) {
    _cleanup_free_ char *copy = strdup(ps_args);
    char *save = NULL;
    for (char *w = copy ? strtok_r(copy, " ", &save) : NULL; w; w = strtok_r(NULL, " ", &save))
      hutch_strv_push(&argv, w);
  } else {
    hutch_strv_push(&argv, "-o");
    hutch_strv_push(&argv, "uid,pid,ppid,c,stime,tty,time,cmd");
    hutch_strv_push(&argv, "-p");
    hutch_strv_push(&argv, list ? list : "");
  }
  _cleanup_free_ char *out = NULL;
  int rc = run_ps(argv, &out, &err);
  hutch_strv_free(argv);
  if (rc < 0)
    return api_error(r, err);
  json_t *j = hutch_api_top_parse(out, pids, n);
  return j ? api_json(r, 200, j) : api_fail(r, 500, "ps printed nothing");
}

const struct api_route hutch_api_top_routes[] = {
    {"GET", "/containers/{}/top", ctr_top},
    {NULL, NULL, NULL},
};
