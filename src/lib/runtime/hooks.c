/* Running OCI hooks: one child per hook with the state on its stdin, and
 * its timeout covering the whole run, writing the state included. */
#include "hooks.h"

#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Now in ms on the monotonic clock, for deadlines. */
static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll()'s timeout until deadline (-1: none). The deadline is 64-bit: a
 * timeout of 2^31/1000 s or more would overflow an int. */
static int ms_left(int64_t deadline) {
  if (deadline < 0)
    return -1;
  int64_t left = deadline - now_ms();
  return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* The state on the hook's stdin, never past the deadline: the write end
 * is non-blocking, so a hook that does not read a state larger than the
 * pipe buffer times out instead of hanging us. One that closes its stdin
 * is fine (it need not read it). SIGPIPE is blocked for the write and a
 * pending one consumed instead of ignoring it process-wide: an ignored
 * signal survives execve, into the container's process when the hook runs
 * in its init (createContainer, startContainer). */
static int write_state(int fd, const char *data, size_t len, int64_t deadline) {
  sigset_t pipe_set, old, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  bool was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  int r = 0;
  while (len > 0 && r == 0) {
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int n = poll(&p, 1, ms_left(deadline));
    if (n == 0)
      r = -ETIMEDOUT;
    else if (n < 0 && errno != EINTR)
      r = -errno;
    if (n <= 0)
      continue;
    ssize_t w = write(fd, data, len);
    if (w < 0 && errno == EPIPE)
      break;
    if (w < 0 && errno != EINTR && errno != EAGAIN)
      r = -errno;
    if (w > 0) {
      data += w;
      len -= (size_t)w;
    }
  }
  struct timespec zero = {0, 0};
  if (!was_pending)
    while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
      ;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return r;
}

/* Wait for the hook until the deadline; kill it past that. */
static int wait_hook(const struct spec_hook *hk, const char *kind, pid_t pid, int64_t deadline,
                     struct hutch_error **err) {
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd >= 0) {
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int r;
    do
      r = poll(&p, 1, ms_left(deadline));
    while (r < 0 && errno == EINTR);
    close(pidfd);
    if (r == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      return hutch_error_set(err, ETIMEDOUT, "%s hook %s: timed out after %d s", kind, hk->path,
                             hk->timeout);
    }
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return hutch_error_set(err, errno, "%s hook %s: wait", kind, hk->path);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (WIFEXITED(status))
    return hutch_error_set(err, 0, "%s hook %s exited with status %d", kind, hk->path,
                           WEXITSTATUS(status));
  return hutch_error_set(err, 0, "%s hook %s killed by signal %d", kind, hk->path,
                         WTERMSIG(status));
}

static int run_one(const struct spec_hook *hk, const char *kind, const char *state_json,
                   struct hutch_error **err) {
  int in[2];
  if (pipe2(in, O_CLOEXEC) < 0)
    return hutch_error_set(err, errno, "%s hook %s: pipe", kind, hk->path);
  hutch_debug("run %s hook %s", kind, hk->path);
  int64_t deadline = hk->has_timeout ? now_ms() + (int64_t)hk->timeout * 1000 : -1;
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(in[0]);
    close(in[1]);
    return hutch_error_set(err, e, "%s hook %s: fork", kind, hk->path);
  }
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL); /* the CLI ignores it; that would survive execve */
    dup2(in[0], 0);
    char *argv0[] = {hk->path, NULL};
    /* Without env, the runtime's environment, as runc (Go's exec) does. */
    execve(hk->path, hk->args ? hk->args : argv0, hk->env ? hk->env : environ);
    _exit(127);
  }
  close(in[0]);
  /* only our end: the hook's stdin stays blocking */
  int r = fcntl(in[1], F_SETFL, O_NONBLOCK) < 0 ? -errno : 0;
  if (r == 0)
    r = write_state(in[1], state_json, strlen(state_json), deadline);
  close(in[1]);
  if (r == -ETIMEDOUT)
    deadline = 0; /* kill it now */
  else if (r < 0)
    hutch_debug("%s hook %s: write state: %s, ignoring", kind, hk->path, strerror(-r));
  return wait_hook(hk, kind, pid, deadline, err);
}

int hutch_hooks_run(const struct spec_hooks *h, enum spec_hook_kind kind, const char *state_json,
                    struct hutch_error **err) {
  for (size_t i = 0; i < h->n[kind]; i++)
    if (run_one(&h->list[kind][i], hutch_spec_hook_name(kind), state_json, err) < 0)
      return -1;
  return 0;
}

void hutch_hooks_run_warn(const struct spec_hooks *h, enum spec_hook_kind kind,
                          const char *state_json) {
  for (size_t i = 0; i < h->n[kind]; i++) {
    struct hutch_error *e = NULL;
    if (run_one(&h->list[kind][i], hutch_spec_hook_name(kind), state_json, &e) < 0)
      hutch_warn("%s, ignoring", e && e->msg ? e->msg : "hook failed");
    hutch_error_free(e);
  }
}
