/* Rootless hutch: where an unprivileged user's state lives, and the user
 * namespace every rootless command runs in.
 *
 * As podman does, the first rootless command creates a user namespace
 * (ids mapped by newuidmap/newgidmap from /etc/subuid and /etc/subgid) and
 * a mount namespace owned by it, held open by a small "hutch-pause"
 * process whose pid is in $XDG_RUNTIME_DIR/hutch/pause.pid; every later
 * command joins them (setns), so containers' overlay mounts, exec and rm
 * all see the same namespaces. Inside, hutch is root: uid 0 is the user,
 * 1..N the subordinate range. See docs/rootless.md. */
#pragma once

#include <limits.h>
#include <stdbool.h>

#include "util/error.h"

struct hutch_rootless_env {
  const char *home, *xdg_data, *xdg_runtime, *xdg_config;
};

struct hutch_paths {
  char data[PATH_MAX];   /* images, containers, volumes, state.db */
  char run[PATH_MAX];    /* runtime state, netns, sockets */
  char config[PATH_MAX]; /* configuration */
};

/* The state directories: root's (/var/lib/hutch, /run/hutch, /etc/hutch)
 * when ROOT, else the XDG ones from ENV ($XDG_DATA_HOME or
 * ~/.local/share, $XDG_RUNTIME_DIR, $XDG_CONFIG_HOME or ~/.config, each
 * plus "/hutch"). Fails with a message saying what to set when a rootless
 * directory cannot be named. */
int hutch_paths_select(bool root, const struct hutch_rootless_env *env, struct hutch_paths *out,
                       struct hutch_error **err);

/* The runtime's default --root: /run/hutch for root,
 * $XDG_RUNTIME_DIR/hutch-runtime for anyone else (runc: .../runc). */
int hutch_runtime_default_root(char *buf, size_t len, struct hutch_error **err);

/* True in a user namespace other than the initial one, or when not root:
 * the cgroup tree is then not ours to write (runc's "rootless"). */
bool hutch_rootless(void);

/* As an unprivileged user: join the user's rootless namespaces, creating
 * them (and the pause process) first if they do not exist. RUN_DIR holds
 * pause.pid and its lock. On return the process is uid/gid 0 in the user
 * namespace, in the same working directory. */
int hutch_rootless_enter(const char *run_dir, struct hutch_error **err);

/* Rootless: containers run without a cgroup (no limits, no stats, no
 * freezer), as podman's rootless mode on v1; on v2 too, for now (hutch
 * does not place them in a delegated subtree). */
bool hutch_rootless_without_cgroup(void);
/* The error stats, pause and friends give then: "WHAT: rootless ...". */
int hutch_rootless_no_cgroup_error(const char *what, struct hutch_error **err);

/* The warning a run with resource flags gets then (podman's words). */
#define HUTCH_ROOTLESS_NO_LIMITS_WARNING                                                           \
  "WARNING: Resource limits are not supported and ignored on cgroups V1 rootless systems"
/* On cgroup v2, where hutch does not use a delegated subtree yet. */
#define HUTCH_ROOTLESS_NO_LIMITS_WARNING_V2                                                        \
  "WARNING: Resource limits are ignored: rootless containers get no cgroup on this cgroup v2 "     \
  "host yet"
