/* Starting a container forks (the monitor), and fork() in a process with
 * threads is unsafe: the child gets every lock another thread held at
 * that instant (stdio, the dynamic loader, SQLite's mutexes) and may wait
 * on one forever. So the service forks, before libmicrohttpd starts any
 * thread, a spawner: a single-threaded child that starts containers on
 * request. Requests go one at a time over a SOCK_SEQPACKET socketpair:
 * the container id; the reply is the result and the error text. */
#include "spawner.h"

#include "util/cleanup.h"
#include "util/json.h"
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

#define SPAWN_REQ_MAX 65536
#define SPAWN_FDS_MAX 4

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

/* An exec or an export: a runner, our grandchild (its parent exits at
 * once, so it is no child of ours to reap), does the work with fds. */
static void serve_forked(int sock, void (*fn)(const char *, const int *, size_t), const char *req,
                         const int *fds, size_t n, struct spawn_reply *rep) {
  pid_t a = fork();
  if (a == 0) {
    if (fork() == 0) {
      close(sock);
      fn(req, fds, n);
    }
    _exit(0);
  }
  rep->rc = a < 0 ? -1 : 0;
  rep->errnum = a < 0 ? errno : 0;
  snprintf(rep->msg, sizeof(rep->msg), "%s", a < 0 ? "fork a runner" : "");
  if (a > 0)
    waitpid(a, NULL, 0);
}

/* docker export: the container's rootfs as a tar on fds[0]; an error
 * ends the tar short (the reply's headers are gone already). */
static _Noreturn void export_runner(const char *id, const int *fds, size_t n) {
  struct hutch_error *err = NULL;
  _cleanup_engine_ struct hutch_engine *e = NULL;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  prctl(PR_SET_NAME, "hutch-export");
  int rc = n == 1 && hutch_engine_open(&e, &err) == 0 &&
           hutch_ctr_open(e, id, false, &c, &err) == 0 && hutch_ctr_export(e, c, fds[0], &err) == 0;
  if (err) {
    _cleanup_free_ char *text = hutch_error_text(err);
    hutch_log(HUTCH_LOG_WARNING, "export %.12s: %s", id, text ? text : "failed");
    hutch_error_free(err);
  }
  _exit(rc ? 0 : 1);
}

/* docker cp out of a container: the stat of the path on fds[0] (struct
 * hutch_api_stat_msg), then, with fds[1], the path as a tar on it; with
 * "put", docker cp in: the tar on fds[1] extracted into the directory
 * path, the result on fds[0]. */
static _Noreturn void archive_runner(const char *req, const int *fds, size_t n) {
  struct hutch_error *err = NULL;
  _cleanup_engine_ struct hutch_engine *e = NULL;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  _cleanup_json_ json_t *q = json_loads(req, 0, NULL);
  const char *id = json_string_value(json_object_get(q, "ctr"));
  const char *path = json_string_value(json_object_get(q, "path"));
  struct hutch_api_stat_msg m = {.rc = -1, .errnum = EINVAL};
  prctl(PR_SET_NAME, "hutch-archive");
  bool put = json_is_true(json_object_get(q, "put"));
  if (id && path && hutch_engine_open(&e, &err) == 0 && hutch_ctr_open(e, id, false, &c, &err) == 0)
    m.rc = put ? (n == 2 ? hutch_ctr_copy_in(e, c, NULL, fds[1], path, NULL, &err) : -1)
               : hutch_ctr_path_stat(e, c, path, &m.st, &err);
  if (err) {
    _cleanup_free_ char *text = err->plain ? strdup(err->msg) : hutch_error_text(err);
    m.errnum = err->errnum;
    snprintf(m.msg, sizeof(m.msg), "%s", text ? text : "stat failed");
    hutch_error_free(err);
    err = NULL;
  }
  send(fds[0], &m, sizeof(m), MSG_NOSIGNAL);
  if (!put && m.rc == 0 && n == 2 && hutch_ctr_copy_out(e, c, path, NULL, fds[1], NULL, &err) < 0) {
    _cleanup_free_ char *text = hutch_error_text(err);
    hutch_log(HUTCH_LOG_WARNING, "archive %.12s: %s", id, text ? text : "failed");
    hutch_error_free(err);
    _exit(1);
  }
  _exit(m.rc == 0 ? 0 : 1);
}

/* A request and the fds that came with it. */
static ssize_t recv_req(int sock, char *buf, size_t max, int *fds, size_t *n) {
  char cbuf[CMSG_SPACE(sizeof(int) * SPAWN_FDS_MAX)];
  struct iovec iov = {.iov_base = buf, .iov_len = max};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
  ssize_t len = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  *n = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); len > 0 && c; c = CMSG_NXTHDR(&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      *n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      memcpy(fds, CMSG_DATA(c), *n * sizeof(int));
    }
  return len;
}

static _Noreturn void spawner_main(int fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_NAME, "hutch-spawner");
  static char req[SPAWN_REQ_MAX + 1];
  for (;;) {
    int fds[SPAWN_FDS_MAX];
    size_t nfds;
    ssize_t n = recv_req(fd, req, SPAWN_REQ_MAX, fds, &nfds);
    if (n <= 0)
      _exit(0);
    req[n] = '\0';
    struct spawn_reply rep = {.rc = -1, .errnum = EINVAL};
    if (req[0] == 'S')
      serve_one(req + 1, &rep);
    else if (req[0] == 'X' && nfds > 0)
      serve_forked(fd, hutch_api_exec_runner, req + 1, fds, nfds, &rep);
    else if (req[0] == 'A' && nfds >= 1 && nfds <= 2)
      serve_forked(fd, archive_runner, req + 1, fds, nfds, &rep);
    else if (req[0] == 'E' && nfds == 1)
      serve_forked(fd, export_runner, req + 1, fds, nfds, &rep);
    for (size_t i = 0; i < nfds; i++)
      close(fds[i]);
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

/* One request and its reply, in turn with the other threads. */
static int call(const char *req, size_t len, const int *fds, size_t n, struct spawn_reply *rep) {
  char cbuf[CMSG_SPACE(sizeof(int) * SPAWN_FDS_MAX)] = {0};
  struct iovec iov = {.iov_base = (void *)req, .iov_len = len};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (n) {
    mh.msg_control = cbuf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
  }
  pthread_mutex_lock(&spawner_lock);
  ssize_t r = -1;
  if (spawner_fd >= 0 && sendmsg(spawner_fd, &mh, MSG_NOSIGNAL) >= 0)
    r = recv(spawner_fd, rep, sizeof(*rep), 0);
  pthread_mutex_unlock(&spawner_lock);
  return r == (ssize_t)sizeof(*rep) ? 0 : -EPIPE;
}

static int reply_error(const struct spawn_reply *rep, struct hutch_error **err) {
  if (rep->rc >= 0)
    return 0;
  return rep->plain ? hutch_error_say(err, rep->errnum, "%s", rep->msg)
                    : hutch_error_set(err, rep->errnum, "%s", rep->msg);
}

int hutch_api_spawner_start_ctr(const char *id, struct hutch_error **err) {
  struct spawn_reply rep = {0};
  char req[256];
  int len = snprintf(req, sizeof(req), "S%s", id);
  if (len < 0 || (size_t)len >= sizeof(req))
    return hutch_error_set(err, EINVAL, "start: id too long");
  if (call(req, (size_t)len, NULL, 0, &rep) < 0)
    return hutch_error_set(err, EPIPE, "start %.12s: the spawner is gone", id);
  return reply_error(&rep, err);
}

/* A JSON request of kind ('X', 'A') with fds. */
static int json_request(char kind, const char *req, const int *fds, size_t n, const char *what,
                        struct hutch_error **err) {
  struct spawn_reply rep = {0};
  size_t len = strlen(req);
  if (len + 1 > SPAWN_REQ_MAX || n < 1 || n > SPAWN_FDS_MAX)
    return hutch_error_say(err, E2BIG, "%s: the request is too large", what);
  _cleanup_free_ char *msg = malloc(len + 1);
  if (!msg)
    return hutch_error_set(err, ENOMEM, "%s", what);
  msg[0] = kind;
  memcpy(msg + 1, req, len);
  if (call(msg, len + 1, fds, n, &rep) < 0)
    return hutch_error_set(err, EPIPE, "%s: the spawner is gone", what);
  return reply_error(&rep, err);
}

int hutch_api_spawner_exec(const char *req, const int *fds, size_t n, struct hutch_error **err) {
  return json_request('X', req, fds, n, "exec", err);
}

int hutch_api_spawner_archive(const char *req, const int *fds, size_t n, struct hutch_error **err) {
  return json_request('A', req, fds, n > 2 ? SPAWN_FDS_MAX + 1 : n, "archive", err);
}

int hutch_api_spawner_export(const char *id, int fd, struct hutch_error **err) {
  struct spawn_reply rep = {0};
  char req[256];
  int len = snprintf(req, sizeof(req), "E%s", id);
  if (len < 0 || (size_t)len >= sizeof(req))
    return hutch_error_set(err, EINVAL, "export: id too long");
  if (call(req, (size_t)len, &fd, 1, &rep) < 0)
    return hutch_error_set(err, EPIPE, "export %.12s: the spawner is gone", id);
  return reply_error(&rep, err);
}
