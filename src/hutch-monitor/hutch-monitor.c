/* hutch-monitor: the idle part of a detached container's monitor.
 *
 * The engine's monitor (src/lib/engine/monitor.c, inside hutch) creates
 * and starts the container as its child, then execs this program with
 * the container's stdio ends. This copies the output into the json-file
 * log until the init exits, reaps it, and execs hutch back
 * (`hutch __monitor ID --status N …`) in the same process to record the
 * exit and apply the restart policy and --rm. Static, libc and jansson
 * only: hundreds of these idle for as long as their containers run.
 *
 *   hutch-monitor --id ID --log PATH|"" --pid PID --hutch PATH
 *                 [--log-max-size BYTES --log-max-file N] [--health-interval MS]
 *                 (--stdout FD [--stderr FD] | --pty FD) [--hold FD]
 *                 [--since MONOTONIC_MS] [--backoff MS] [--tty] [--interactive] [--debug]
 */
#include "engine/attach_proto.h"
#include "engine/monitor_io.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fd_arg(const char *s) {
  char *end;
  long v = strtol(s, &end, 10);
  return *s && !*end && v >= 0 && v < 1 << 20 ? (int)v : -1;
}

int main(int argc, char **argv) {
  static const struct option opts[] = {{"id", required_argument, NULL, 'i'},
                                       {"log", required_argument, NULL, 'l'},
                                       {"pid", required_argument, NULL, 'p'},
                                       {"hutch", required_argument, NULL, 'h'},
                                       {"stdout", required_argument, NULL, 'o'},
                                       {"stderr", required_argument, NULL, 'e'},
                                       {"pty", required_argument, NULL, 't'},
                                       {"hold", required_argument, NULL, 'H'},
                                       {"since", required_argument, NULL, 's'},
                                       {"backoff", required_argument, NULL, 'b'},
                                       {"tty", no_argument, NULL, 'T'},
                                       {"interactive", no_argument, NULL, 'I'},
                                       {"debug", no_argument, NULL, 'D'},
                                       {"attach", required_argument, NULL, 'A'},
                                       {"attach-wait", required_argument, NULL, 'W'},
                                       {"log-max-size", required_argument, NULL, 'S'},
                                       {"log-max-file", required_argument, NULL, 'F'},
                                       {"health-interval", required_argument, NULL, 'C'},
                                       {NULL, 0, NULL, 0}};
  const char *id = NULL, *log = NULL, *hutch = NULL, *backoff = "100", *attach_wait = NULL;
  int pid = -1, out = -1, err = -1, hold = -1, attach = -1;
  long since = 0;
  long long max_size = 0;
  int max_file = 0;
  long health_ms = 0;
  bool pty = false, tty = false, interactive = false, debug = false;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'i':
      id = optarg;
      break;
    case 'l':
      log = optarg;
      break;
    case 'p':
      pid = fd_arg(optarg);
      break;
    case 'h':
      hutch = optarg;
      break;
    case 'o':
      out = fd_arg(optarg);
      break;
    case 'e':
      err = fd_arg(optarg);
      break;
    case 't':
      out = fd_arg(optarg);
      pty = true;
      break;
    case 'H':
      hold = fd_arg(optarg);
      break;
    case 's':
      since = atol(optarg);
      break;
    case 'b':
      backoff = optarg;
      break;
    case 'T':
      tty = true;
      break;
    case 'I':
      interactive = true;
      break;
    case 'D':
      debug = true;
      break;
    case 'A':
      attach = fd_arg(optarg);
      break;
    case 'W':
      attach_wait = optarg;
      break;
    case 'S':
      max_size = atoll(optarg);
      break;
    case 'F':
      max_file = atoi(optarg);
      break;
    case 'C':
      health_ms = atol(optarg);
      break;
    default:
      return 2;
    }
  }
  if (!id || !log || !hutch || pid <= 0 || out < 0) {
    fprintf(stderr,
            "hutch-monitor: usage: hutch-monitor --id ID --log PATH --pid PID --hutch PATH "
            "(--stdout FD [--stderr FD] | --pty FD) [--hold FD] [--since MS] [--backoff MS]\n");
    return 2;
  }
  /* ours until the exit; none of them may reach hutch after it */
  int fds[] = {out, err, hold, attach};
  for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
    if (fds[i] >= 0)
      fcntl(fds[i], F_SETFD, FD_CLOEXEC);

  /* an empty --log: --log-driver none */
  struct hutch_logw lw = {
      .path = *log ? log : NULL, .fd = -1, .max_size = max_size, .max_file = max_file};
  hutch_logw_open(&lw);
  struct hutch_pump p = {.pid = pid,
                         .out_fd = out,
                         .err_fd = pty ? -1 : err,
                         .pty = pty,
                         .health_hutch = hutch,
                         .health_id = id,
                         .health_ms = health_ms,
                         .attach_wait = attach_wait,
                         .owner_fd = -EBADF};
  struct hutch_attach_server srv;
  if (attach >= 0) {
    /* clients' stdin: to the pty, or the held stdin pipe of -d -i */
    hutch_attach_server_init(&srv, attach, !interactive ? -1 : pty ? out : hold, pty ? out : -1);
    p.attach = &srv;
  }
  int status = hutch_pump_run(&p, &lw);
  hutch_logw_close(&lw);
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long ran_ms = now.tv_sec * 1000 + now.tv_nsec / 1000000 - since;

  char st[16], ran[24];
  snprintf(st, sizeof(st), "%d", status);
  snprintf(ran, sizeof(ran), "%ld", ran_ms < 0 ? 0 : ran_ms);
  const char *av[16];
  size_t k = 0;
  av[k++] = hutch;
  if (debug)
    av[k++] = "--debug";
  const char *rest[] = {"__monitor", id, "--status", st, "--ran-ms", ran, "--backoff", backoff};
  for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
    av[k++] = rest[i];
  if (tty)
    av[k++] = "--tty";
  if (interactive)
    av[k++] = "--interactive";
  av[k] = NULL;
  execv(hutch, (char *const *)av);
  fprintf(stderr, "hutch-monitor: container %.12s exited with %d, but exec %s failed: %s\n", id,
          status, hutch, strerror(errno));
  return 1;
}
