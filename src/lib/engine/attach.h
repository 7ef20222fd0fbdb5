/* Attaching to a running container (docker attach, run -it, start -ai):
 * a client of its monitor's attach socket (attach_proto.h) with docker's
 * detach keys. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"

#define HUTCH_DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"
#define HUTCH_DETACH_KEYS_MAX 16

/* docker's --detach-keys: comma-separated "ctrl-X" (X one of a-z @ [ \ ]
 * ^ _) or single characters. -EINVAL with docker's message otherwise. */
int hutch_detach_keys_parse(const char *spec, unsigned char keys[HUTCH_DETACH_KEYS_MAX], size_t *n,
                            struct hutch_error **err);

/* Watches stdin for the detach sequence: bytes that may start it are held
 * back until it completes (detach) or breaks (they go out after all). */
struct hutch_detach_matcher {
  unsigned char keys[HUTCH_DETACH_KEYS_MAX];
  size_t n, matched;
};
/* Feed len bytes; what to forward goes to out (room for len + n bytes),
 * its length to *out_len. true when the sequence completed (the bytes
 * after it are dropped, as docker does). */
bool hutch_detach_feed(struct hutch_detach_matcher *m, const char *in, size_t len, char *out,
                       size_t *out_len);

struct hutch_attach_opts {
  bool tty;                /* the container has a tty: raw terminal, window size */
  bool stdin_open;         /* forward our stdin (not --no-stdin) */
  bool sig_proxy;          /* forward signals we get (not with a tty, as docker) */
  const char *detach_keys; /* NULL: ctrl-p,ctrl-q */
};
/* Attach to c until it exits (*status: its exit code) or the user
 * detaches (*detached, *status 0). "You cannot attach to a stopped
 * container" when no monitor listens. */
int hutch_ctr_attach(struct hutch_engine *e, struct hutch_ctr *c, const struct hutch_attach_opts *o,
                     int *status, bool *detached, struct hutch_error **err);
/* Start c detached and attach to it (run -it, start -ai with a tty):
 * the container outlives a detach. The detach keys are checked first. */
int hutch_ctr_start_attach(struct hutch_engine *e, struct hutch_ctr *c,
                           const struct hutch_attach_opts *o, int *status, bool *detached,
                           struct hutch_error **err);
