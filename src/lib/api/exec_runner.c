/* The exec runner: a process the spawner forks for each exec start (the
 * service's threads must not fork), single-threaded, with the process's
 * stdio as its own. It starts the exec through the engine (what `hutch
 * exec` calls), reports STARTED or FAILED to the service, waits for the
 * process and reports EXITED with its status; the exec events are
 * recorded here. */
#include "spawner.h"

#include "engine/ctr_exec.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void report(int sock, const struct hutch_api_exec_msg *m, int fd) {
  char cbuf[CMSG_SPACE(sizeof(int))] = {0};
  struct iovec iov = {.iov_base = (void *)m, .iov_len = sizeof(*m)};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (fd >= 0) {
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof(cbuf);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  sendmsg(sock, &mh, MSG_NOSIGNAL);
}

/* fds become 0, 1, 2 (/dev/null for those missing); each is first moved
 * above 2 so that one dup2 cannot close another's source. */
static void take_stdio(const int *fds, size_t n) {
  int src[3];
  for (int i = 0; i < 3; i++)
    src[i] = fcntl((size_t)i < n ? fds[i] : -1, F_DUPFD_CLOEXEC, 3);
  for (int i = 0; i < 3; i++) {
    if (src[i] < 0)
      src[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (src[i] >= 0)
      dup2(src[i], i);
  }
  for (int i = 0; i < 3; i++)
    if (src[i] > 2)
      close(src[i]);
}

static char **strv_from(json_t *a) {
  char **v = calloc(json_array_size(a) + 1, sizeof(char *));
  size_t i;
  json_t *s;
  json_array_foreach(a, i, s) {
    if (!v || !(v[i] = strdup(json_string_value(s) ? json_string_value(s) : ""))) {
      hutch_strv_free(v);
      return NULL;
    }
  }
  return v;
}

static int failed(int sock, struct hutch_error *err, int code) {
  struct hutch_api_exec_msg m = {.type = HUTCH_API_EXEC_FAILED, .code = code};
  _cleanup_free_ char *text = err ? (err->plain ? strdup(err->msg) : hutch_error_text(err)) : NULL;
  m.errnum = err ? err->errnum : 0;
  snprintf(m.msg, sizeof(m.msg), "%s", text ? text : "exec failed");
  hutch_error_free(err);
  report(sock, &m, -1);
  return 1;
}

static int run(json_t *q, int sock) {
  struct hutch_error *err = NULL;
  _cleanup_engine_ struct hutch_engine *e = NULL;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  const char *exec_id = json_string_value(json_object_get(q, "exec_id"));
  _cleanup_strv_ char **args = strv_from(json_object_get(q, "args"));
  _cleanup_strv_ char **env = strv_from(json_object_get(q, "env"));
  if (!exec_id || !args || !args[0] || !env)
    return failed(sock, NULL, 126);
  if (hutch_engine_open(&e, &err) < 0 ||
      hutch_ctr_open(e, json_string_value(json_object_get(q, "ctr")), false, &c, &err) < 0)
    return failed(sock, err, 126);
  struct hutch_exec_cfg x = {.args = args,
                             .env = env,
                             .user = json_string_value(json_object_get(q, "user")),
                             .workdir = json_string_value(json_object_get(q, "workdir")),
                             .tty = json_is_true(json_object_get(q, "tty")),
                             .privileged = json_is_true(json_object_get(q, "privileged"))};
  struct hutch_exec_proc p;
  hutch_ctr_exec_event(c, "exec_start", exec_id, args, -1);
  if (hutch_ctr_exec_spawn(e, c, &x, &p, &err) < 0) {
    int code = hutch_ctr_exec_fail_status(err);
    hutch_ctr_exec_event(c, "exec_die", exec_id, args, code);
    return failed(sock, err, code);
  }
  struct hutch_api_exec_msg m = {.type = HUTCH_API_EXEC_STARTED, .pid = p.pid};
  report(sock, &m, p.master);
  if (p.master >= 0)
    close(p.master);
  /* the process's streams are its own now: the service sees their EOF
   * when it ends */
  take_stdio(NULL, 0);
  int status = hutch_ctr_exec_wait(p.pid);
  m = (struct hutch_api_exec_msg){.type = HUTCH_API_EXEC_EXITED, .code = status < 0 ? 255 : status};
  hutch_ctr_exec_event(c, "exec_die", exec_id, args, m.code);
  report(sock, &m, -1);
  return 0;
}

/* Our log stays the service's (its stderr), not the process's. */
static int log_fd = -1;
static void log_sink(enum hutch_log_level level, const char *msg, void *ud) {
  (void)level;
  (void)ud;
  dprintf(log_fd, "hutch: exec: %s\n", msg);
}

_Noreturn void hutch_api_exec_runner(const char *req, const int *fds, size_t n) {
  prctl(PR_SET_NAME, "hutch-exec");
  int sock = fds[0];
  log_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
  hutch_log_set_sink(log_sink, NULL);
  take_stdio(fds + 1, n - 1);
  for (size_t i = 1; i < n; i++)
    if (fds[i] > 2)
      close(fds[i]);
  json_t *q = json_loads(req, 0, NULL);
  int rc = q ? run(q, sock) : failed(sock, NULL, 126);
  json_decref(q);
  _exit(rc);
}
