/* Cgroups: one interface, two backends (cgroup_v1.c, cgroup_v2.c) behind a
 * table of function pointers; hybrid hosts (v1 controllers + a cgroup2
 * mount) use the v1 backend and ignore the cgroup2 mount for controllers.
 * The layout is detected once from /proc/self/mountinfo and /proc/self/cgroup.
 *
 * The runtime stores hutch_cgroup_path() in state.json and reopens the
 * cgroup with hutch_cgroup_open() for later verbs (delete, update, pause,
 * ps, events). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <jansson.h>

#include "spec/spec.h"
#include "util/error.h"

enum hutch_cgroup_mode { HUTCH_CGROUP_V1 = 1, HUTCH_CGROUP_V2, HUTCH_CGROUP_HYBRID };

struct hutch_cgroup; /* opaque */

int hutch_cgroup_detect(enum hutch_cgroup_mode *mode, struct hutch_error **err);
const char *hutch_cgroup_mode_name(enum hutch_cgroup_mode mode); /* "v1", "v2", "hybrid" */

/* Resolve linux.cgroupsPath as runc's cgroupfs driver does: absolute paths
 * under each hierarchy root; relative ones below the caller's cgroup; NULL or
 * empty → "/hutch/<id>". Returns a new string. */
char *hutch_cgroup_resolve_path(const char *cgroups_path, const char *id);

/* Create the cgroup (every hierarchy on v1), apply res (may be NULL), and
 * remember which directories were made so destroy removes exactly those. */
int hutch_cgroup_create(const char *path, const struct spec_resources *res,
                        struct hutch_cgroup **out, struct hutch_error **err);
/* Reopen an existing cgroup by its resolved path (for later verbs). */
int hutch_cgroup_open(const char *path, struct hutch_cgroup **out, struct hutch_error **err);
void hutch_cgroup_free(struct hutch_cgroup *cg);
void hutch_cgroup_freep(struct hutch_cgroup **cg);
#define _cleanup_cgroup_ __attribute__((cleanup(hutch_cgroup_freep)))

/* The directories create() made (absolute paths, a JSON array of strings)
 * for state.json, and setting them on a reopened cgroup so a later delete
 * removes exactly those, parents included. Without it, open() assumes
 * only the leaf in each hierarchy is ours (runc's behaviour). Entries must
 * be the cgroup's own dirs or their ancestors below a mountpoint. */
json_t *hutch_cgroup_created(const struct hutch_cgroup *cg);
int hutch_cgroup_set_created(struct hutch_cgroup *cg, const json_t *created,
                             struct hutch_error **err);

/* The resolved path ("/hutch/x"); when a relative cgroupsPath resolved to
 * different paths per v1 hierarchy it is "memory:/a/x;cpu:/x;…", which
 * hutch_cgroup_open() accepts as well. */
const char *hutch_cgroup_path(const struct hutch_cgroup *cg);
/* An O_DIRECTORY fd for clone3(CLONE_INTO_CGROUP), or -EOPNOTSUPP when the
 * controllers live on v1 (hybrid/v1 hosts). The fd is owned by cg. */
int hutch_cgroup_clone_fd(struct hutch_cgroup *cg);
/* Move pid into the cgroup in every hierarchy. */
int hutch_cgroup_enter(struct hutch_cgroup *cg, pid_t pid, struct hutch_error **err);
int hutch_cgroup_update(struct hutch_cgroup *cg, const struct spec_resources *res,
                        struct hutch_error **err);
int hutch_cgroup_freeze(struct hutch_cgroup *cg, bool frozen, struct hutch_error **err);
/* 1 frozen, 0 thawed, <0 error */
int hutch_cgroup_is_frozen(struct hutch_cgroup *cg);
/* Pids in the cgroup (and below), malloc'd array. */
int hutch_cgroup_pids(struct hutch_cgroup *cg, pid_t **pids, size_t *n, struct hutch_error **err);
/* Signal every process in the cgroup (freeze, kill, thaw on v1;
 * cgroup.kill on v2 for SIGKILL where the kernel has it). */
int hutch_cgroup_kill(struct hutch_cgroup *cg, int sig, struct hutch_error **err);
/* Kill what remains, then rmdir every directory create() made, deepest
 * first, including parents it made; not the ones that already existed. */
int hutch_cgroup_destroy(struct hutch_cgroup *cg, struct hutch_error **err);
/* runc `events --stats` "data" object: memory, cpu, pids, blkio, hugetlb. */
int hutch_cgroup_stats(struct hutch_cgroup *cg, json_t **out, struct hutch_error **err);
/* Number of OOM kills recorded by the memory controller so far (>= 0). */
int hutch_cgroup_oom_count(struct hutch_cgroup *cg, unsigned long *count, struct hutch_error **err);

/* In the child, after the rootfs is mounted and before pivot_root: mount
 * the container's view of its cgroups at <rootfd>/sys/fs/cgroup (v1: a tmpfs
 * with one bind per hierarchy; v2: cgroup2, or a bind of the cgroup dir),
 * read-only unless rw. */
int hutch_cgroup_mount_in_container(struct hutch_cgroup *cg, int rootfd, bool rw, bool cgroupns,
                                    struct hutch_error **err);
