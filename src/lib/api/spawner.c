/* Starting a container forks (the monitor), and fork() in a process with
 * threads is unsafe: the child gets every lock another thread held at
 * that instant (stdio, the dynamic loader, SQLite's mutexes) and may wait
 * on one forever. So the service forks, before libmicrohttpd starts any
 * thread, a spawner: a single-threaded child that starts containers on
 * request. Requests go one at a time over a SOCK_SEQPACKET socketpair:
 * the container id; the reply is the result and the error text. */
#include "spawner.h"

#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct spawn_reply {
  int rc, errnum;
  bool plain;
  char msg[1024];
};

static int spawner_fd = -1;
static pid_t spawner_pid;
static pthread_mutex_t spawner_lock = PTHREAD_MUTEX_INITIALIZER;

static void serve_one(const char *id, struct spawn_reply *rep) {
  struct hutch_error *err = NULL;
  _cleanup_engine_ struct hutch_engine *e = NULL;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  struct hutch_attach at = {0};
  int status = 0;
  rep->rc = -1;
  if (hutch_engine_open(&e, &err) == 0 && hutch_ctr_open(e, id, true, &c, &err) == 0) {
    /* OpenStdin (-i): the monitor keeps a stdin pipe for attach clients */
    at.interactive = c->cfg.open_stdin;
    rep->rc = hutch_ctr_start(e, c, &at, &status, &err) < 0 ? -1 : 0;
  }
  if (err) {
    rep->errnum = err->errnum;
    rep->plain = err->plain;
    snprintf(rep->msg, sizeof(rep->msg), "%s", err->msg ? err->msg : "");
    hutch_error_free(err);
  }
}

static _Noreturn void spawner_main(int fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_NAME, "hutch-spawner");
  char id[256];
  for (;;) {
    ssize_t n = recv(fd, id, sizeof(id) - 1, 0);
    if (n <= 0)
      _exit(0);
    id[n] = '\0';
    struct spawn_reply rep = {0};
    serve_one(id, &rep);
    /* the detached monitor is our grandchild; its parent is gone */
    while (waitpid(-1, NULL, WNOHANG) > 0)
      ;
    if (send(fd, &rep, sizeof(rep), MSG_NOSIGNAL) < 0)
      _exit(0);
  }
}

int hutch_api_spawner_start(struct hutch_error **err) {
  int sp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    return hutch_error_set(err, errno, "spawner socketpair");
  pid_t pid = fork();
  if (pid < 0) {
    close(sp[0]);
    close(sp[1]);
    return hutch_error_set(err, errno, "fork the spawner");
  }
  if (pid == 0) {
    close(sp[0]);
    spawner_main(sp[1]);
  }
  close(sp[1]);
  spawner_fd = sp[0];
  spawner_pid = pid;
  hutch_debug("spawner: pid %d starts the containers", (int)pid);
  return 0;
}

void hutch_api_spawner_stop(void) {
  if (spawner_fd < 0)
    return;
  close(spawner_fd);
  spawner_fd = -1;
  waitpid(spawner_pid, NULL, 0);
}

int hutch_api_spawner_start_ctr(const char *id, struct hutch_error **err) {
  struct spawn_reply rep = {0};
  pthread_mutex_lock(&spawner_lock);
  ssize_t n = -1;
  if (spawner_fd >= 0 && send(spawner_fd, id, strlen(id), MSG_NOSIGNAL) >= 0)
    n = recv(spawner_fd, &rep, sizeof(rep), 0);
  pthread_mutex_unlock(&spawner_lock);
  if (n != (ssize_t)sizeof(rep))
    return hutch_error_set(err, EPIPE, "start %.12s: the spawner is gone", id);
  if (rep.rc < 0)
    return rep.plain ? hutch_error_say(err, rep.errnum, "%s", rep.msg)
                     : hutch_error_set(err, rep.errnum, "%s", rep.msg);
  return 0;
}
