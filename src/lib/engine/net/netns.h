/* Persistent network namespaces, the way `ip netns add` makes them: a
 * namespace pinned by bind-mounting its nsfs file onto a plain file, so it
 * outlives the process that created it and the runtime can join it by path
 * (linux.namespaces[].path in the spec). */
#pragma once

#include "util/error.h"

/* Create <dir>/<name> holding a new network namespace whose loopback is
 * already up (so `--network none` needs nothing more). *out_path gets the
 * path (caller frees). -EEXIST when the file exists. */
int hutch_netns_create(const char *dir, const char *name, char **out_path,
                       struct hutch_error **err);
/* Unmount and unlink a namespace file. A missing file is fine. */
int hutch_netns_delete(const char *path, struct hutch_error **err);
/* Open a namespace file for setns()/IFLA_NET_NS_FD; -errno. Refuses a
 * path that is not a network namespace (-EINVAL). */
int hutch_netns_open(const char *path);
