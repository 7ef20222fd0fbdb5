/* hutch exec [-i] [-t] [-d] [-e K=V] [-w DIR] [-u USER] CONTAINER CMD [ARG...]:
 * a new process in a running container through the engine's
 * hutch_ctr_exec_spawn (engine/ctr_exec.h, which the API's exec endpoints
 * use too): -u resolved in the container's /etc/passwd and /etc/group;
 * with -t the process's pty master comes back and is proxied here to our
 * terminal (raw while it runs, restored after). */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "engine/attach.h"
#include "engine/ctr_exec.h"
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile pid_t tty_pid;
static void forward(int sig) {
  if (tty_pid > 0)
    kill(tty_pid, sig);
}

static bool detach_filter(void *ud, const char *in, size_t len, char *out, size_t *out_len) {
  return hutch_detach_feed(ud, in, len, out, out_len);
}

/* After the detach keys: a child of ours holds the pty master (draining
 * what the process writes) until the process ends, so it keeps running
 * with its terminal, as docker's daemon keeps it. */
static void hold_pty(int master, int pidfd) {
  pid_t h = fork();
  if (h != 0)
    return; /* we go; on a fork failure the process gets its hangup */
  setsid();
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; null >= 0 && fd < 3; fd++)
    dup2(null, fd);
  char buf[4096];
  for (;;) {
    struct pollfd p[2] = {{.fd = master, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
    if (poll(p, 2, -1) < 0 && errno != EINTR)
      break;
    if ((p[0].revents & POLLIN) && read(master, buf, sizeof(buf)) > 0)
      continue;
    if (p[0].revents & (POLLHUP | POLLERR) || p[1].revents)
      break;
  }
  _exit(0);
}

/* exec -t: proxy the pty master to our terminal until the process exits,
 * and return its status; after the detach keys (m), *detached and 0, the
 * process running on. */
static int exec_tty(struct hutch_exec_proc *p, bool interactive, struct hutch_detach_matcher *m,
                    bool *detached) {
  /* without -i our stdin is not the process's */
  if (!interactive) {
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) {
      dup2(null, STDIN_FILENO);
      close(null);
    }
  }
  _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
  *detached = hutch_terminal_proxy_filtered(p->master, pidfd, detach_filter, m);
  if (*detached) {
    hold_pty(p->master, pidfd);
    return 0;
  }
  return hutch_ctr_exec_wait(p->pid);
}

static void forward_signals(pid_t pid) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  tty_pid = pid;
  for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
    struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};
    sigaction(sigs[i], &sa, NULL);
  }
}

int cmd_exec(int argc, char **argv) {
  bool tty = false, detach = false, interactive = false;
  const char *workdir = NULL, *user = NULL, *detach_keys = NULL;
  _cleanup_strv_ char **env = NULL;
  const struct hutch_flag flags[] = {
      {"detach", 'd', HUTCH_FLAG_BOOL, &detach, "Detached mode: run command in the background"},
      {"detach-keys", 0, HUTCH_FLAG_STRING, &detach_keys,
       "Override the key sequence for detaching a container"},
      {"env", 'e', HUTCH_FLAG_LIST, &env, "Set environment variables"},
      {"interactive", 'i', HUTCH_FLAG_BOOL, &interactive, "Keep STDIN open even if not attached"},
      {"tty", 't', HUTCH_FLAG_BOOL, &tty, "Allocate a pseudo-TTY"},
      {"user", 'u', HUTCH_FLAG_STRING, &user,
       "Username or UID (format: \"<name|uid>[:<group|gid>]\")"},
      {"workdir", 'w', HUTCH_FLAG_STRING, &workdir, "Working directory inside the container"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] CONTAINER COMMAND [ARG...]",
                                "Execute a command in a running container",
                                flags,
                                2,
                                -1,
                                .no_interspersed = true};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (tty && detach)
    return ctr_cli_usage_error("exec", "-t with -d is not supported");
  if (tty && interactive && !isatty(STDIN_FILENO)) {
    fprintf(stderr, "the input device is not a TTY\n");
    return 1;
  }
  struct hutch_detach_matcher m = {0};
  struct hutch_error *kerr = NULL;
  if (hutch_detach_keys_parse(detach_keys ? detach_keys : HUTCH_DETACH_KEYS_DEFAULT, m.keys, &m.n,
                              &kerr) < 0)
    return ctr_cli_fail(kerr);
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
  struct hutch_exec_cfg x = {
      .args = argv + 2, .env = env, .user = user, .workdir = workdir, .tty = tty};
  char exec_id[65];
  if (hutch_ctr_new_id(exec_id) < 0)
    return ctr_cli_usage_error("exec", "cannot make an exec id");
  hutch_ctr_exec_event(ct, "exec_create", exec_id, argv + 2, -1);
  hutch_ctr_exec_event(ct, "exec_start", exec_id, argv + 2, -1);
  struct hutch_exec_proc p;
  if (hutch_ctr_exec_spawn(e, ct, &x, &p, &err) < 0) {
    int code = hutch_ctr_exec_fail_status(err);
    hutch_error_print(stderr, "hutch", err);
    hutch_error_free(err);
    hutch_ctr_exec_event(ct, "exec_die", exec_id, argv + 2, code);
    return code;
  }
  _cleanup_close_ int master = p.master;
  if (detach)
    return 0;
  forward_signals(p.pid);
  bool detached = false;
  int status = tty ? exec_tty(&p, interactive, &m, &detached) : hutch_ctr_exec_wait(p.pid);
  tty_pid = 0;
  if (status < 0) {
    fprintf(stderr, "hutch: exec: wait for %d: %s\n", (int)p.pid, strerror(-status));
    return HUTCH_EXIT_ERROR;
  }
  if (!detached)
    hutch_ctr_exec_event(ct, "exec_die", exec_id, argv + 2, status);
  return status;
}
