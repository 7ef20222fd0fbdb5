/* Container state on disk: <root>/<id>/state.json (written atomically),
 * the directory itself is the lock (flock), exec.fifo waits for `start`,
 * config.json is the spec the container was created with (for exec,
 * delete hooks and update).
 *
 * The status is a state machine (created → running → stopped, running ⇄
 * paused); the stored status is refined by what the kernel says now: a
 * dead (or zombie, or pid-reused) init means stopped, a frozen cgroup means
 * paused. Allowed operations per status are checked in hutch_status_allows. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

enum hutch_status {
  HUTCH_STATUS_CREATING = 0,
  HUTCH_STATUS_CREATED,
  HUTCH_STATUS_RUNNING,
  HUTCH_STATUS_STOPPED,
  HUTCH_STATUS_PAUSED,
};

enum hutch_op {
  HUTCH_OP_START,
  HUTCH_OP_KILL,
  HUTCH_OP_DELETE,
  HUTCH_OP_PAUSE,
  HUTCH_OP_RESUME,
  HUTCH_OP_EXEC,
  HUTCH_OP_UPDATE
};

struct hutch_state {
  char *id;
  pid_t pid;
  unsigned long long start_time; /* /proc/<pid>/stat field 22, against pid reuse */
  char *bundle;
  char *rootfs;
  char *created; /* RFC 3339 */
  char *cgroup_path;
  bool started;
  bool creating; /* written right after clone: a crash before ready leaves a state delete -f can use
                  */
  uid_t owner;
  json_t *annotations;    /* object, owned */
  json_t *cgroup_created; /* dirs the cgroup layer made (hutch_cgroup_created), owned */
};

const char *hutch_status_name(enum hutch_status s);
/* 0 if op is allowed in status s, else an error naming both. */
int hutch_status_allows(enum hutch_op op, enum hutch_status s, const char *id,
                        struct hutch_error **err);

/* Validate a container id: [A-Za-z0-9][A-Za-z0-9_.+-]*, at most 1024. */
int hutch_state_check_id(const char *id, struct hutch_error **err);
/* mkdir <root>/<id> exclusively (EEXIST → "container already exists") and
 * lock it; returns the dir fd. */
int hutch_state_dir_create(const char *root, const char *id, struct hutch_error **err);
/* Open and lock <root>/<id>; ENOENT → "container does not exist". */
int hutch_state_dir_open(const char *root, const char *id, bool lock, struct hutch_error **err);
int hutch_state_write(int dirfd, const struct hutch_state *st, struct hutch_error **err);
int hutch_state_read(int dirfd, struct hutch_state *st, struct hutch_error **err);
void hutch_state_clear(struct hutch_state *st);
/* The live status of a read state. */
enum hutch_status hutch_state_status(const struct hutch_state *st);
bool hutch_pid_alive(pid_t pid, unsigned long long start_time);
unsigned long long hutch_pid_start_time(pid_t pid);
/* OCI state JSON: ociVersion, id, status, pid, bundle, rootfs, created, owner, annotations. */
json_t *hutch_state_to_json(const struct hutch_state *st, enum hutch_status status);
/* --pid-file: the pid in decimal, written to a temporary name and renamed. */
int hutch_write_pid_file(const char *path, pid_t pid, struct hutch_error **err);
/* Remove <root>/<id> entirely. */
int hutch_state_dir_remove(const char *root, const char *id);
/* Now as RFC 3339 with nanoseconds (static buffer). */
const char *hutch_now_rfc3339(void);
