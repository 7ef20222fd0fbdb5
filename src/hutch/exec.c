/* hutch exec [-i] [-t] [-d] [-e K=V] [-w DIR] [-u USER] CONTAINER CMD [ARG...]:
 * a new process in a running container through runtime/'s exec. -u takes
 * a name or uid[:gid] resolved in the container's /etc/passwd and
 * /etc/group. With -t the process gets a pty from the container's devpts:
 * its master comes back over a console socket and is proxied here to our
 * terminal (raw while it runs, restored after). */
#include "engine/ctr_runtime.h"
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "engine/attach.h"
#include "linux/terminal.h"
#include "runtime/exec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t tty_pid;
static void forward(int sig) {
  if (tty_pid > 0)
    kill(tty_pid, sig);
}

struct tty_dir {
  char path[64];
};
static void tty_dir_remove(struct tty_dir *d) {
  if (d->path[0])
    hutch_rm_rf(d->path);
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

/* exec -t: the runtime connects the process's console to a socket of
 * ours; it runs detached (still our child), we take the pty master, proxy
 * it until the process exits, and return its status; after the detach
 * keys (m), *detached and 0, the process running on. */
static int exec_tty(struct hutch_engine *e, const char *rt, const char *id, struct exec_opts *eo,
                    bool interactive, struct hutch_detach_matcher *m, bool *detached,
                    struct hutch_error **err) {
  _cleanup_(tty_dir_remove) struct tty_dir d = {.path = "/tmp/hutch-exec-XXXXXX"};
  if (!mkdtemp(d.path)) {
    d.path[0] = '\0';
    return hutch_error_set(err, errno, "exec: temporary directory");
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  char pidfile[96];
  snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/console.sock", d.path);
  snprintf(pidfile, sizeof(pidfile), "%s/pid", d.path);
  _cleanup_close_ int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 1) < 0)
    return hutch_error_set(err, errno, "exec: console socket %s", addr.sun_path);
  eo->tty = true;
  eo->console_socket = addr.sun_path;
  eo->detach = true;
  eo->pid_file = pidfile;
  int status = 0;
  if (hutch_rt_exec(e, rt, id, eo, &status, err) < 0)
    return -1;
  _cleanup_free_ char *pidtext = NULL;
  size_t len;
  if (hutch_read_file(pidfile, &pidtext, &len) < 0)
    return hutch_error_set(err, errno, "exec: read %s", pidfile);
  pid_t pid = (pid_t)atoi(pidtext);
  tty_pid = pid;
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
    struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};
    sigaction(sigs[i], &sa, NULL);
  }
  _cleanup_close_ int conn = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
  _cleanup_close_ int master = conn >= 0 ? hutch_recv_fd(conn, NULL, 0) : -errno;
  if (master < 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return hutch_error_set(err, master, "exec: receive the process's pty");
  }
  /* without -i our stdin is not the process's */
  if (!interactive) {
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) {
      dup2(null, STDIN_FILENO);
      close(null);
    }
  }
  _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  *detached = hutch_terminal_proxy_filtered(master, pidfd, detach_filter, m);
  if (*detached) {
    hold_pty(master, pidfd);
    tty_pid = 0;
    return 0;
  }
  int ws;
  while (waitpid(pid, &ws, 0) < 0)
    if (errno != EINTR)
      return hutch_error_set(err, errno, "exec: wait for %d", (int)pid);
  tty_pid = 0;
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* docker's exec events: "exec_create: CMD ARGS" and so on, with the
 * exec's id (exec_die also with its exit code). */
static void exec_event(struct hutch_ctr *c, const char *what, const char *exec_id, char **args,
                       int code) {
  _cleanup_free_ char *action = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&action, &len);
  if (!f)
    return;
  fputs(what, f);
  if (strcmp(what, "exec_die") != 0)
    for (size_t i = 0; args[i]; i++)
      fprintf(f, "%s%s", i ? " " : ": ", args[i]);
  if (fclose(f) != 0)
    return;
  char codebuf[16];
  snprintf(codebuf, sizeof(codebuf), "%d", code);
  hutch_ctr_event(c, action, "execID", exec_id, code >= 0 ? "exitCode" : NULL, codebuf, NULL);
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
  char userbuf[64];
  if (user) {
    const char *merged = ct->cfg.merged_dir;
    _cleanup_free_ char *passwd = NULL, *group = NULL;
    struct hutch_user u;
    if (hutch_read_user_db(merged ? merged : "", "/etc/passwd", &passwd, &err) < 0 ||
        hutch_read_user_db(merged ? merged : "", "/etc/group", &group, &err) < 0 ||
        hutch_resolve_user(user, passwd, group, &u, &err) < 0) {
      ctr_cli_fail(err);
      return HUTCH_EXIT_EXEC_FAILED; /* docker: the runtime could not set it up */
    }
    snprintf(userbuf, sizeof(userbuf), "%u:%u", u.uid, u.gid);
    hutch_user_clear(&u);
    user = userbuf;
  }
  struct exec_opts eo = {
      .args = argv + 2, .env = env, .cwd = workdir, .user = user, .detach = detach};
  char exec_id[65];
  if (hutch_ctr_new_id(exec_id) < 0)
    return ctr_cli_usage_error("exec", "cannot make an exec id");
  exec_event(ct, "exec_create", exec_id, argv + 2, -1);
  exec_event(ct, "exec_start", exec_id, argv + 2, -1);
  int status = 0;
  bool detached = false;
  if (tty)
    status = exec_tty(e, ct->cfg.runtime_path, ct->id, &eo, interactive, &m, &detached, &err);
  if (tty ? status < 0 : hutch_rt_exec(e, ct->cfg.runtime_path, ct->id, &eo, &status, &err) < 0) {
    /* docker's exec: 127 not found, else 126 for what the runtime refused
     * (a missing working directory, a command that is not executable) */
    int code = hutch_exec_error_status(err);
    if (code == HUTCH_EXIT_USAGE)
      code = HUTCH_EXIT_EXEC_FAILED;
    hutch_error_print(stderr, "hutch", err);
    hutch_error_free(err);
    exec_event(ct, "exec_die", exec_id, argv + 2, code);
    return code;
  }
  if (!detach && !detached)
    exec_event(ct, "exec_die", exec_id, argv + 2, status);
  return detach ? 0 : status;
}
