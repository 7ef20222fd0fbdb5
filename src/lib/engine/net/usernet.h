/* What the two user-mode network helpers of rootless containers
 * (slirp4netns, net/slirp.h; pasta, net/pasta.h) have in common: the
 * record of a helper's pid and start time (DIR/<id><ext>, e.g. ".pasta"),
 * stopping it by that record only (never a pid reused since), the stale
 * scan, /dev/net/tun's check, and the choice of the default helper (the
 * child's clean slate before exec is util/child.h). See docs/rootless.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* A kind of helper: its record's extension (".pasta"), its name for
 * messages, and its whole stop (the record's and its other files). */
struct hutch_usernet_kind {
  const char *ext, *tool;
  void (*stop)(const char *dir, const char *id);
};

/* DIR/<id><ext><suffix> into buf. */
void hutch_usernet_path(char *buf, size_t len, const char *dir, const char *id, const char *ext,
                        const char *suffix);
/* Record PID (and its start time) as ID's helper of kind K. */
int hutch_usernet_record(const char *dir, const char *id, const struct hutch_usernet_kind *k,
                         pid_t pid, struct hutch_error **err);
/* The beginning of a start: any helper left for ID stopped, and
 * /dev/net/tun checked (the helper opens it as the user). */
int hutch_usernet_begin(const char *dir, const char *id, const struct hutch_usernet_kind *k,
                        struct hutch_error **err);
/* The end of a start whose steps returned R: 0 when R is, else PID (when
 * > 0) killed and K's stop run. */
int hutch_usernet_started(const char *dir, const char *id, const struct hutch_usernet_kind *k,
                          const char *netns, pid_t pid, int r);
/* SIGTERM the recorded helper if it is still the process recorded, and
 * remove the record. */
void hutch_usernet_stop(const char *dir, const char *id, const struct hutch_usernet_kind *k);
/* K's stop for each record of kind K in DIR whose container HOLDS says no
 * one holds. */
void hutch_usernet_cleanup_stale(const char *dir, const struct hutch_usernet_kind *k,
                                 bool (*holds)(const char *id, void *ud), void *ud);
/* PROG is an executable in $PATH. */
bool hutch_usernet_in_path(const char *prog);
