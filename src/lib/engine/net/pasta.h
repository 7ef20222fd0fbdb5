/* Rootless networking through pasta (passt's namespace mode), the default
 * when pasta is installed: one pasta per container joins the namespace
 * file NETNS and gives it tap0 with 10.0.2.100/24 and the gateway 10.0.2.2
 * (which also reaches the host's 127.0.0.1), the addresses slirp4netns
 * gives (net/slirp.h), and forwards DNS sent to 10.0.2.3 to the host's
 * resolver. Published ports are pasta's -t/-u options: they are given at
 * start (a running pasta takes no new ones; a restart starts a new pasta).
 *
 * pasta daemonizes once the namespace is configured: its first process
 * exiting 0 is the ready signal. Its pid and start time go into
 * DIR/<id>.pasta (net/usernet.h). See docs/rootless.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "net.h"
#include "util/error.h"

#define HUTCH_PASTA_MODE "pasta"

/* pasta's command line for NETNS, writing its pid to PIDFILE, forwarding
 * PORTS (host_port must be set). NULL-terminated; NULL with *err set. */
char **hutch_pasta_argv(const char *netns, const char *pidfile,
                        const struct hutch_port_mapping *ports, size_t n_ports,
                        struct hutch_error **err);
/* Start pasta for the namespace file NETNS with PORTS published, in two
 * steps so that the container is created while pasta sets up (its
 * start-up is most of a rootless run's network cost): spawn returns at
 * once with *pending (any pasta left for ID is stopped first); finish
 * waits until it has configured the interface and records it (on failure
 * nothing of it is left), and frees *pending. */
struct hutch_pasta_pending;
int hutch_pasta_spawn(const char *dir, const char *id, const char *netns,
                      const struct hutch_port_mapping *ports, size_t n_ports,
                      struct hutch_pasta_pending **pending, struct hutch_error **err);
int hutch_pasta_finish(struct hutch_pasta_pending *pending, struct hutch_error **err);
/* Stop ID's pasta, if it runs, and remove its files. */
void hutch_pasta_stop(const char *dir, const char *id);
/* Stop the pasta of every container in DIR that HOLDS says no one holds. */
void hutch_pasta_cleanup_stale(const char *dir, bool (*holds)(const char *id, void *ud), void *ud);
