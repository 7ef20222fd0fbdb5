/* The container's /etc/hostname, /etc/hosts and /etc/resolv.conf as
 * create writes them (netetc.c). */
#pragma once

#include <stdbool.h>

#include "netrecord.h"
#include "spec_gen.h"
#include "util/error.h"

/* Write p->hostname_path, p->hosts_path and p->resolv_path (all set) for
 * p->mode and p->hostname: the hostname; /etc/hosts with localhost, the
 * hostname and name (the container's name, may be NULL) and o's
 * --add-host lines, or with --network host the host's file and those
 * lines; resolv.conf from the host's and o's --dns, --dns-search and
 * --dns-option (with --network host and none of them, the host's as is). */
int hutch_engine_net_write_etc(const struct hutch_engine_net_plan *p,
                               const struct hutch_run_opts *o, const char *name,
                               struct hutch_error **err);
/* The nameservers of a container on a rootless user-mode network
 * (USERNET: pasta, slirp4netns): DNS (--dns) when given; else, when the
 * host's resolvers (HOST_RESOLV, its resolv.conf) are all on loopback,
 * which the container cannot reach, {"10.0.2.3"}, where the helper
 * forwards DNS to the host's; else DNS (NULL: the host's). */
char *const *hutch_engine_net_usernet_dns(bool usernet, const char *host_resolv, char *const *dns);
