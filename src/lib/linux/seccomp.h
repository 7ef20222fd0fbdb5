/* Seccomp: the OCI linux.seccomp schema compiled with libseccomp into a BPF
 * program in the parent (before clone, so the child does no heavy work) and
 * loaded in the child as the very last step before execve. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "spec/spec.h"
#include "util/error.h"

struct hutch_seccomp; /* compiled filter + flags + listener info */

/* Unknown syscall names on this kernel/arch are skipped (debug note); bad
 * actions, operators, arches or flags are errors naming them. The program
 * comes from the compiled-filter cache when it holds this exact profile
 * (dir $HUTCH_SECCOMP_CACHE, "" for none; /run/hutch/seccomp-cache for
 * root, $XDG_RUNTIME_DIR/hutch/seccomp-cache otherwise). */
int hutch_seccomp_compile(const struct spec_seccomp *sc, struct hutch_seccomp **out,
                          struct hutch_error **err);
/* Number of rules compiled (for the --debug trace). */
size_t hutch_seccomp_rule_count(const struct hutch_seccomp *s);
/* The BPF program itself (*n instructions), for comparisons in tests. */
struct sock_filter;
const struct sock_filter *hutch_seccomp_program(const struct hutch_seccomp *s, size_t *n);
/* Load it (seccomp(2) with the spec's flags). If the profile has a
 * listenerPath, the notify fd is sent over that unix socket with the
 * container state as the spec describes; state_json may be NULL otherwise. */
int hutch_seccomp_load(const struct hutch_seccomp *s, const char *state_json,
                       struct hutch_error **err);
void hutch_seccomp_free(struct hutch_seccomp *s);

/* Does the filter hand out a notify fd (a rule uses SCMP_ACT_NOTIFY)? Then
 * hutch_seccomp_load() needs the message below as state_json. */
bool hutch_seccomp_has_listener(const struct hutch_seccomp *s);
/* listenerPath is a path in the runtime's mount namespace, but the filter
 * is loaded in the child after pivot_root: connect in the parent before
 * clone (the fd is inherited, CLOEXEC, and closed by hutch_seccomp_free).
 * No-op without a listener. */
int hutch_seccomp_connect_listener(struct hutch_seccomp *s, struct hutch_error **err);
/* The runtime-spec containerProcessState message sent with the notify fd:
 * {"ociVersion", "fds":["seccompFd"], "pid", "metadata" (listenerMetadata,
 * when set), "state": <state_json, the object `state` prints>}. Build it in
 * the parent; NULL on bad state_json or no memory. Caller frees. */
char *hutch_seccomp_listener_message(const struct hutch_seccomp *s, const char *oci_version,
                                     int pid, const char *state_json);
