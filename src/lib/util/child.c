/* See child.h. */
#include "child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int hutch_child_setup(int err_fd, int fd3) {
  setsid();
  int null = open("/dev/null", O_RDWR);
  if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
      dup2(err_fd >= 0 ? err_fd : null, 2) < 0)
    return -1;
  if (fd3 >= 0 && dup2(fd3, 3) < 0)
    return -1;
  syscall(SYS_close_range, fd3 >= 0 ? 4U : 3U, ~0U, 0U);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < NSIG; sig++)
    signal(sig, SIG_DFL);
  return 0;
}
