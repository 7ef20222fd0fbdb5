/* The monitor's I/O: a container's stdout/stderr (pipes or a pty) copied
 * into the json-file log, with rotation, until its init exits.
 *
 * Shared by the engine's in-process monitor (attached runs, and detached
 * ones when hutch-monitor is missing) and by the small static
 * hutch-monitor that a detached container's monitor execs into, so it
 * needs nothing but libc and jansson. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* json-file log: one {"log","stream","time"} object per line, as docker
 * writes it. */
struct hutch_logw {
  const char *path; /* NULL: --log-driver none, output is dropped */
  int fd;           /* -1 when it could not be opened: output is dropped */
  off_t size;
  /* --log-opt max-size/max-file: rotate at max_size bytes, keeping
   * max_file files (PATH, PATH.1 … PATH.<max_file-1>; 1: truncate). 0:
   * hutch's bound, 10 MiB and one older file. */
  long long max_size;
  int max_file;
};
void hutch_logw_open(struct hutch_logw *l);
void hutch_logw_close(struct hutch_logw *l);

struct hutch_attach_server;

struct hutch_pump {
  pid_t pid;                    /* the container's init, our child */
  int out_fd;                   /* stdout pipe, or the pty master; -1 for none */
  int err_fd;                   /* stderr pipe; -1 for none (a pty merges them) */
  bool pty;                     /* out_fd is the pty master */
  bool attached;                /* copy the output to our stdout/stderr as well */
  bool forward_in;              /* copy our stdin to the pty (attached -it) */
  volatile sig_atomic_t *winch; /* set by a SIGWINCH handler: resize the pty; may be NULL */
  /* The health check: every health_ms (0: none) run `HUTCH __health ID`
   * (health.c), one at a time, without waiting for it. */
  const char *health_hutch, *health_id;
  long health_ms;
  struct hutch_attach_server *attach; /* attach clients (attach_proto.h); may be NULL */
  const char *attach_wait; /* HUTCH_ATTACH_WAIT_FILE's path (hutch_attach_server_linger) */
  int owner_fd;            /* a pidfd: when that process ends, SIGKILL the init; -1 for none */
};

/* Copy until the init exits and its output is drained (pipes: until EOF,
 * at most 2 s after the exit; a pty: until it has no writer), then reap
 * it. Closes out_fd and err_fd; tells attach clients the exit status and
 * closes them. Returns the exit status (128+signal for a signal). */
int hutch_pump_run(const struct hutch_pump *p, struct hutch_logw *log);
