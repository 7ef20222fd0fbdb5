/* The parent/child sync protocol over a SOCK_SEQPACKET socketpair.
 * Each message is one packet: a type, an integer, and text. The table of
 * who sends what when is in docs/sync-protocol.md; both sides refer to the
 * points by these names. A dead peer ends a wait with an error, never a
 * hang (the socket reads EOF when the other end is gone). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/log.h"

enum sync_type {
  SYNC_GO = 1,        /* parent → child: id maps written, cgroup joined; go on */
  SYNC_HOOKS_REQUEST, /* child → parent: mounts done; run prestart/createRuntime */
  SYNC_HOOKS_DONE,    /* parent → child: hooks ran; go on to pivot_root */
  SYNC_READY,         /* child → parent: set up, waiting for `start` on exec.fifo */
  SYNC_ERROR,         /* child → parent: value = errno, text = message; child exits */
  SYNC_LOG,           /* child → parent: value = level, text = log line */
  SYNC_PID,           /* child → parent: value = pid of the container process */
  SYNC_EXEC_FAILED,   /* child → parent: execve failed after start (value = errno) */
};

struct sync_msg {
  uint32_t type;
  int32_t value;
  char text[4088];
};

const char *hutch_sync_name(enum sync_type t);
int hutch_sync_send(int fd, enum sync_type t, int value, const char *text);
/* Receive one message. Returns 0, or -EPIPE when the peer is gone. */
int hutch_sync_recv(int fd, struct sync_msg *m);
/* Wait for a message of type `want`, handling SYNC_LOG lines on the way
 * (written to the log) and turning SYNC_ERROR into *err. */
int hutch_sync_expect(int fd, enum sync_type want, struct sync_msg *m, struct hutch_error **err);
/* In the child: route hutch_log lines to the parent over fd. */
void hutch_sync_route_log(int fd);
