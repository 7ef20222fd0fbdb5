/* hutch attach [--detach-keys K] [--no-stdin] [--sig-proxy=false]
 * CONTAINER: our terminal to a running container's stdio through its
 * monitor (engine/attach.h), until it exits or the detach keys. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "engine/attach.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_attach(int argc, char **argv) {
  bool no_stdin = false, sig_proxy = true;
  const char *keys = NULL;
  const struct hutch_flag flags[] = {
      {"detach-keys", 0, HUTCH_FLAG_STRING, &keys,
       "Override the key sequence for detaching a container"},
      {"no-stdin", 0, HUTCH_FLAG_BOOL, &no_stdin, "Do not attach STDIN"},
      {"sig-proxy", 0, HUTCH_FLAG_BOOL, &sig_proxy,
       "Proxy all received signals to the process (default true)"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] CONTAINER",
                                "Attach local standard input, output, and error streams to a "
                                "running container",
                                flags, 1, 1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  _cleanup_engine_ struct hutch_engine *e = NULL;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (ctr_cli_open(argv[1], false, &e, &c) != 0)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  const char *st = hutch_ctr_status(e, c);
  if (strcmp(st, "paused") == 0) {
    fprintf(stderr, "You cannot attach to a paused container, unpause it first\n");
    return 1;
  }
  if (strcmp(st, "running") != 0 && strcmp(st, "restarting") != 0) {
    fprintf(stderr, "You cannot attach to a stopped container, start it first\n");
    return 1;
  }
  struct hutch_attach_opts o = {.tty = c->cfg.tty,
                                .stdin_open = !no_stdin && c->cfg.open_stdin,
                                .sig_proxy = sig_proxy,
                                .detach_keys = keys};
  if (o.stdin_open && o.tty && !isatty(STDIN_FILENO)) {
    fprintf(stderr, "the input device is not a TTY\n");
    return 1;
  }
  int status = 0;
  bool detached = false;
  if (hutch_ctr_attach(e, c, &o, &status, &detached, &err) < 0) {
    hutch_error_print(stderr, "hutch", err);
    hutch_error_free(err);
    return 1;
  }
  return status;
}
