/* Running OCI hooks. */
#include "hooks.h"

#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int run_one(const struct spec_hook *hk, const char *kind, const char *state_json,
                   struct hutch_error **err) {
  int in[2];
  if (pipe2(in, O_CLOEXEC) < 0)
    return hutch_error_set(err, errno, "%s hook %s: pipe", kind, hk->path);
  hutch_debug("run %s hook %s", kind, hk->path);
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(in[0]);
    close(in[1]);
    return hutch_error_set(err, e, "%s hook %s: fork", kind, hk->path);
  }
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL); /* an ignored signal would survive execve */
    dup2(in[0], 0);
    char *const empty[] = {NULL};
    char *argv0[] = {hk->path, NULL};
    execve(hk->path, hk->args ? hk->args : argv0, hk->env ? hk->env : empty);
    _exit(127);
  }
  close(in[0]);
  /* The hook may not read its stdin; never block on it. */
  signal(SIGPIPE, SIG_IGN);
  size_t len = strlen(state_json);
  ssize_t w = write(in[1], state_json, len);
  (void)w;
  close(in[1]);

  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  int timeout_ms = hk->has_timeout ? hk->timeout * 1000 : -1;
  if (pidfd >= 0) {
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int r;
    do
      r = poll(&p, 1, timeout_ms);
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
  return hutch_error_set(err, 0, "%s hook %s killed by signal %d", kind, hk->path, WTERMSIG(status));
}

int hutch_hooks_run(const struct spec_hooks *h, enum spec_hook_kind kind, const char *state_json,
                    struct hutch_error **err) {
  for (size_t i = 0; i < h->n[kind]; i++)
    if (run_one(&h->list[kind][i], hutch_spec_hook_name(kind), state_json, err) < 0)
      return -1;
  return 0;
}
