/* The container's /etc/hostname, /etc/hosts and /etc/resolv.conf as
 * create writes them (netetc.c). */
#pragma once

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
