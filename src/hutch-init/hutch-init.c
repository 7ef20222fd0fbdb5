/* hutch-init: the minimal pid 1 of `hutch run --init` (like tini or
 * docker-init). It runs the command as its child, forwards the signals it
 * gets to it, reaps every orphan that the pid namespace hands to pid 1,
 * and exits with the command's status (128+signal for a signal).
 * Bind-mounted read-only at /dev/init; invoked as `/dev/init -- CMD…`.
 * Static, no allocation, no stdio beyond one error message. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int first = 1;
  if (first < argc && strcmp(argv[first], "--") == 0)
    first++;
  if (first >= argc) {
    fprintf(stderr, "hutch-init: usage: hutch-init [--] COMMAND [ARG...]\n");
    return 2;
  }
  /* Block everything; the child gets a clean mask, we take signals
   * synchronously with sigtimedwait and pass them on. */
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "hutch-init: fork: %s\n", strerror(errno));
    return 1;
  }
  if (child == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    /* its own process group, so a terminal's ^C reaches it as in docker */
    setpgid(0, 0);
    execvp(argv[first], argv + first);
    fprintf(stderr, "hutch-init: exec %s: %s\n", argv[first], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  for (;;) {
    struct timespec ts = {.tv_sec = 1};
    int sig = sigtimedwait(&all, NULL, &ts);
    if (sig > 0 && sig != SIGCHLD)
      kill(child, sig);
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0)
      if (p == child)
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
}
