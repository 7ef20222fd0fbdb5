/* hutch pause | unpause | top: the cgroup verbs of
 * runtime/ on engine containers. */
#include "engine/ctr_runtime.h"
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
  if (hutch_rt_pause(e, c->cfg.runtime_path, c->id, err) < 0)
    return -1;
  hutch_ctr_event(c, "pause", NULL);
  return 0;
}

static int do_unpause(struct hutch_engine *e, struct hutch_ctr *c, void *ud,
                      struct hutch_error **err) {
  (void)ud;
  if (strcmp(hutch_ctr_status(e, c), "paused") != 0)
    return hutch_error_say(err, EINVAL, "Container %s is not paused", c->id);
  if (hutch_rt_resume(e, c->cfg.runtime_path, c->id, err) < 0)
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
  return e ? ctr_cli_each(e, n + 1, argv, 1, false, false, fn, NULL) : HUTCH_EXIT_ERROR;
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
  if (hutch_rt_ps(e, ct->cfg.runtime_path, ct->id, &pids, &n, &err) < 0)
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
