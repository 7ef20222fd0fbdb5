/* The engine: containers made from images, as docker's CLI shows them,
 * without a daemon.
 *
 * Where things live (both roots overridable for tests):
 *   $HUTCH_ROOT (/var/lib/hutch)/state.db   the records (statedb.h):
 *       containers (identity, state, docker-shaped configuration), names,
 *       labels; SQLite in WAL mode, one transaction per change
 *   $HUTCH_ROOT/containers/<id>/
 *       config.json      the OCI spec (the bundle is this directory)
 *       .lock            flock: one hutch command at a time per container
 *       upper/ work/ merged/   the overlayfs rootfs
 *       hostname hosts resolv.conf   bind-mounted into the container
 *       <id>-json.log    the log (json-file lines)
 *   $HUTCH_ROOT/volumes/<name>/_data   named volumes
 *   $HUTCH_RUN_ROOT (/run/hutch)/engine  the runtime's state root
 *
 * A running container is owned by a monitor process (monitor.c) that is
 * the parent of its init: it holds stdio, writes the log, records the exit
 * and applies the restart policy. Detached, it spends the container's life
 * as the small static hutch-monitor (src/hutch-monitor) and comes back
 * into hutch (`hutch __monitor`) for the exit. The record says running only
 * while the recorded init pid (with its start time) is alive, so after a
 * reboot or a killed monitor the container reads as exited. */
#pragma once

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "image/image.h"
#include "runtime/container.h"
#include "spec_gen.h"
#include "util/error.h"

struct hutch_engine {
  char *root;     /* $HUTCH_ROOT or /var/lib/hutch */
  char *run_root; /* $HUTCH_RUN_ROOT or /run/hutch */
  char *containers_dir, *volumes_dir;
  char *rt_root; /* run_root/engine */
  char *netns_dir;
  struct hutch_runtime rt;
  struct hutch_store *store; /* opened on first use */
  sqlite3 *db;               /* state.db, opened on first use (statedb.h) */
  pid_t db_pid;              /* the process that opened db */
};

int hutch_engine_open(struct hutch_engine **out, struct hutch_error **err);
void hutch_engine_free(struct hutch_engine *e);
void hutch_engine_freep(struct hutch_engine **e);
#define _cleanup_engine_ __attribute__((cleanup(hutch_engine_freep)))
int hutch_engine_store(struct hutch_engine *e, struct hutch_store **out, struct hutch_error **err);
/* A helper program (hutch-init, hutch-monitor): $ENV, else next to our
 * executable, in the build tree (src/NAME/NAME) or installed
 * (../libexec/hutch/NAME). NULL when none is executable. Caller frees. */
char *hutch_engine_helper_path(const char *env, const char *name);
/* Import "busybox" from the host's static busybox (busybox.c). */
int hutch_engine_busybox_image(struct hutch_engine *e, struct hutch_image **out,
                               struct hutch_error **err);

/* The image ref for run/create/build: from the store, pulled when
 * missing; pull: NULL or "missing", "always", "never" (image_get.c). */
int hutch_engine_image_get(struct hutch_engine *e, const char *ref, const char *pull,
                           const char *platform, struct hutch_image **img,
                           struct hutch_error **err);

/* ---- container records (record.c, record_row.c, container.c) ---- */

/* What changes while a container lives; the rest of the record is its
 * configuration. Times are RFC 3339, "0001-01-01T00:00:00Z" for never. */
struct hutch_ctr_state {
  bool running, restarting, oom_killed, dead;
  bool manual_stop; /* stopped by a user: no restart policy */
  pid_t pid;        /* the init, valid with pid_start (hutch_pid_alive) */
  unsigned long long pid_start;
  pid_t monitor_pid;
  unsigned long long monitor_start;
  pid_t net_owner; /* the process attaching its networks (netsetup.c) */
  unsigned long long net_owner_start;
  int exit_code, restart_count;
  char *error;
  char started_at[40], finished_at[40];
  /* the health check's (health.c, which alone writes them): "" without
   * one, "starting", "healthy", "unhealthy" */
  char health_status[16];
  int health_failing_streak;
};

/* The configuration the engine acts on, typed: parsed from the record's
 * document by hutch_ctr_config_parse() (record_row.c), the only code that
 * knows its keys. Strings are never NULL ("" when absent) except
 * stop_signal; they and the json_t pointers borrow from hutch_ctr.rec. */
struct hutch_ctr_config {
  const char *path; /* the process's executable */
  json_t *args;     /* and its argv (array) */
  const char *image_id, *image_name;
  bool tty, open_stdin, attach_stdout;
  const char *hostname;
  json_t *exposed_ports;      /* object: "80/tcp" -> {} */
  json_t *labels;             /* object */
  const char *stop_signal;    /* NULL: SIGTERM */
  int stop_timeout;           /* seconds, -1: docker's 10 */
  bool auto_remove;           /* --rm */
  const char *restart_policy; /* "no", "always", "unless-stopped", "on-failure" */
  int restart_max;
  const char *network_mode;
  const char *lower_dir; /* the image's layer dirs, top first, ':'-separated */
  const char *merged_dir;
  const char *log_path, *hosts_path, *hostname_path, *resolv_conf_path;
  const char *netns;             /* the netns file, "" when none */
  json_t *net;                   /* the network plan (netrecord.c's) */
  json_t *anon_volumes;          /* array of volume names */
  json_t *mounts;                /* docker's Mounts: [{Type, Name, Source, Destination, …}] */
  const char *log_driver;        /* "json-file", "none" */
  long long log_max_size;        /* bytes, 0: hutch's default bound */
  int log_max_file;              /* files kept, the current one included */
  const char *cgroups_path;      /* linux.cgroupsPath: "/hutch/ID" */
  const char *ipc_mode;          /* HostConfig.IpcMode: "private", "shareable", "host", … */
  long long shm_size;            /* HostConfig.ShmSize */
  long long memory, memory_swap; /* HostConfig's, bytes; 0: none */
  json_t *healthcheck;           /* Config.Healthcheck (health.c reads it), NULL: none */
  const char *runtime_path;      /* --runtime's binary, "" for hutch's own (ctr_runtime.h) */
};
void hutch_ctr_config_parse(json_t *rec, struct hutch_ctr_config *cfg);
/* A volume a container mounts (strings borrow from the record). */
struct hutch_volume_mount {
  const char *name, *destination, *propagation;
  bool rw;
};
/* Its volume mounts (record_row.c), up to max of them; the count. */
size_t hutch_ctr_volume_mounts(json_t *rec, struct hutch_volume_mount *out, size_t max);

struct hutch_ctr {
  struct hutch_engine *e;
  char *id;
  char *dir;
  int dirfd;        /* -EBADF for the records hutch_ctr_list_all() gives */
  int lockfd;       /* -EBADF when not locked */
  char *name;       /* without docker's leading '/' */
  char *image_name; /* as the user named it (Config.Image) */
  char *command;    /* docker ps's COMMAND: path and arguments */
  char created[40];
  struct hutch_ctr_state st;
  /* The configuration, docker-shaped as inspect shows it: Path, Args,
   * Image, ImageName, Config, HostConfig, Mounts, GraphDriver, the *Path
   * files, and Hutch (AnonVolumes, NetNS, Net). Set once by create;
   * read it through cfg. */
  json_t *rec;
  struct hutch_ctr_config cfg;
};
/* record.c: a record made, freed, loaded and saved. */
/* An empty record for id (dir set, nothing open or locked). */
struct hutch_ctr *hutch_ctr_alloc(struct hutch_engine *e, const char *id);
void hutch_ctr_free(struct hutch_ctr *c);
void hutch_ctr_freep(struct hutch_ctr **c);
#define _cleanup_ctr_ __attribute__((cleanup(hutch_ctr_freep)))
/* "<c->dir>/<name>" in a new string, NULL on ENOMEM. */
char *hutch_ctr_path(const struct hutch_ctr *c, const char *name);

/* The whole record, durable (fsynced) unless the container is --rm; the
 * first save after hutch_ctr_insert() makes the container visible. */
int hutch_ctr_save(struct hutch_ctr *c, struct hutch_error **err);
/* Only c->st, without the fsync: a reboot makes it stale anyway. */
int hutch_ctr_save_state(struct hutch_ctr *c, struct hutch_error **err);
int hutch_ctr_reload(struct hutch_ctr *c, struct hutch_error **err);
/* Reserve c->id and c->name (record.c): -EEXIST when the name is in use. */
int hutch_ctr_insert(struct hutch_ctr *c, struct hutch_error **err);
int hutch_ctr_set_name(struct hutch_ctr *c, const char *name, struct hutch_error **err);
int hutch_ctr_delete(struct hutch_engine *e, const char *id, struct hutch_error **err);
/* The first migration's import of pre-database records (statedb.h,
 * record_legacy.c). */
int hutch_ctr_import_legacy(sqlite3 *db, void *containers_dir, struct hutch_error **err);

/* container.c: lookup, listing, locks, reaping, status. */
/* Full id from a name ("/x" or "x"), a full id or a unique id prefix.
 * -ENOENT "No such container", -EINVAL for an ambiguous prefix. */
int hutch_ctr_resolve(struct hutch_engine *e, const char *ref, char **id, struct hutch_error **err);
/* Resolve and load; lock: take the container's flock (released by free). */
int hutch_ctr_open(struct hutch_engine *e, const char *ref, bool lock, struct hutch_ctr **out,
                   struct hutch_error **err);
/* Take c's flock again if it is not held, and reload the record under it. */
int hutch_ctr_lock(struct hutch_ctr *c, struct hutch_error **err);
void hutch_ctr_unlock(struct hutch_ctr *c);
/* docker's rule for a name ([a-zA-Z0-9][a-zA-Z0-9_.-]*); false with *err
 * when it breaks it. */
bool hutch_ctr_name_valid(const char *name, struct hutch_error **err);
/* Wait up to ms until the process (pid with its start time) is gone:
 * 0, or -ETIMEDOUT. */
int hutch_wait_pid_gone(pid_t pid, unsigned long long start, int ms);
/* Every container, newest first, unlocked and without dirfd. Without
 * with_config, rec is NULL and cfg empty: identity, state, image_name and
 * command only, which is what ps shows, at a fraction of the cost. First
 * it removes what a killed create or rm left (see hutch_ctr_reap). */
int hutch_ctr_list_all(struct hutch_engine *e, bool with_config, struct hutch_ctr ***out, size_t *n,
                       struct hutch_error **err);
void hutch_ctr_list_free(struct hutch_ctr **v, size_t n);
/* Remove what a killed create or rm left behind: a row whose create never
 * finished, a .creating- or .removing- dir, a dir without a row; each
 * only once no one holds its lock. */
void hutch_ctr_reap(struct hutch_engine *e);
/* Names of container dirs before their create has locked them and after
 * rm has hidden them (then <prefix><id>). */
#define HUTCH_CTR_CREATING_PREFIX ".creating-"
/* Before that, for the instant between mkdir and taking its lock:
 * .new-<pid>-<start time>-<id>, which the reaper removes once that
 * process is gone. */
#define HUTCH_CTR_NEW_PREFIX ".new-"
#define HUTCH_CTR_REMOVING_PREFIX ".removing-"
/* Undo what a create may have made before the record existed: overlay
 * mount, netns, image hold, the dir. Used by reaping and by a failed
 * create. */
void hutch_ctr_cleanup_unrecorded(struct hutch_engine *e, const char *id, const char *dir);

/* "created", "running", "paused", "restarting", "exited", "removing". */
const char *hutch_ctr_status(struct hutch_engine *e, struct hutch_ctr *c);
bool hutch_ctr_running(struct hutch_ctr *c);
/* Its init has exited but its monitor, alive, has not recorded the exit
 * (code, finish time) yet. */
bool hutch_ctr_exit_pending(struct hutch_ctr *c);
/* docker ps's STATUS: "Up 3 minutes (healthy)", "Exited (0) 2 seconds
 * ago", "Created" (status_text.c). */
void hutch_ctr_status_text(struct hutch_engine *e, struct hutch_ctr *c, char *buf, size_t n);
/* An RFC 3339 time as unix seconds, 0 when unparsable. */
long long hutch_time_unix(const char *t);
/* go-units' HumanDuration of the time since t ("5 minutes"); an
 * unparsable t counts as now. */
void hutch_human_since(const char *t, char *buf, size_t n);

/* New id: 64 random hex digits. */
int hutch_ctr_new_id(char out[65]);

/* ---- creation (create.c, create_record.c) ---- */

/* `hutch create`: pull-less image lookup is the caller's; this makes the
 * record, the rootfs, volumes and the OCI spec. *out is locked. */
int hutch_ctr_create(struct hutch_engine *e, const char *image_ref, struct hutch_image *img,
                     struct hutch_run_opts *o, struct hutch_ctr **out, struct hutch_error **err);

/* ---- start, stop, kill, wait (control.c) ---- */

struct hutch_attach {
  bool attach;      /* foreground: the caller's stdio is the container's */
  bool interactive; /* forward our stdin */
  /* The container lives only as long as this process (docker build's
   * RUN containers): our signals are not forwarded, and when we end,
   * however we end, the monitor kills the container and removes it. */
  bool tied;
};
/* Start a created or exited container. Detached: fork a monitor and
 * return once the container runs (or failed to). Attached: fork the
 * monitor into a session of its own with our stdio (it outlives a killed
 * client), forward our signals to it, and return the exit status in
 * *status.
 * Exec failures give *status 127/126 as docker's. The lock on c is
 * released once the container runs. */
int hutch_ctr_start(struct hutch_engine *e, struct hutch_ctr *c, const struct hutch_attach *a,
                    int *status, struct hutch_error **err);
/* docker stop: the stop signal, wait up to timeout seconds (-1: the
 * container's --stop-timeout or 10), then SIGKILL; waits for the monitor
 * to record the exit. */
int hutch_ctr_stop(struct hutch_engine *e, struct hutch_ctr *c, int timeout,
                   struct hutch_error **err);
int hutch_ctr_kill(struct hutch_engine *e, struct hutch_ctr *c, int sig, struct hutch_error **err);
/* Block until the container is not running; *code gets State.ExitCode. */
int hutch_ctr_wait(struct hutch_engine *e, const char *id, int *code, struct hutch_error **err);

/* ---- logs (logs.c) ---- */

struct hutch_log_entry {
  bool stderr_stream;
  const char *time; /* RFC 3339 with nanoseconds */
  const char *text; /* with its newline, if it had one */
  size_t len;
};
/* Called for each entry; a negative return stops the reading. */
typedef int (*hutch_log_fn)(void *ud, const struct hutch_log_entry *en);
struct hutch_logs_opts {
  bool follow;
  int64_t tail; /* the last N entries of the history; -1 all, 0 none (from now on) */
  /* follow a container that has not run yet: until it has run and stopped */
  bool wait_start;
  bool (*cancelled)(void *ud); /* asked while following; may be NULL */
  int64_t since_ns, until_ns;  /* the entries' time window, ns; 0: open */
};
/* docker logs: the entries of the container's log (and of its rotated
 * predecessor), then, with follow, new ones until the container stops
 * or is removed. 0, -ECANCELED when fn or cancelled stopped it, -ENOMEM. */
int hutch_ctr_logs(struct hutch_engine *e, struct hutch_ctr *c, const struct hutch_logs_opts *o,
                   hutch_log_fn fn, void *ud);

/* ---- rm, rename (remove.c) ---- */

/* docker rm: force kills a running container; volumes removes its
 * anonymous volumes. */
int hutch_ctr_remove(struct hutch_engine *e, struct hutch_ctr *c, bool force, bool volumes,
                     struct hutch_error **err);
int hutch_ctr_rename(struct hutch_engine *e, struct hutch_ctr *c, const char *name,
                     struct hutch_error **err);

/* ---- inspect (inspect.c) ---- */

/* docker inspect's object. */
json_t *hutch_ctr_inspect(struct hutch_engine *e, struct hutch_ctr *c);

/* docker image inspect's object: Id, RepoTags, RepoDigests, Created, Os,
 * Architecture, Config (the image config's "config"), RootFS, Size, and
 * where the layers are (GraphDriver, as overlay2 shows them)
 * (image_inspect.c). */
json_t *hutch_image_inspect(struct hutch_image *img);

/* ---- files in and out (copy.c) ---- */

struct hutch_cp_opts {
  bool archive; /* -a: keep uid/gid */
  bool follow;  /* -L: follow a symlink given as SRC */
};
/* docker cp CONTAINER:SRC DST, on the container as its processes see it
 * (bind mounts and volumes included), SRC resolved inside it (its
 * symlinks never lead out); a running container is frozen meanwhile.
 * dst NULL: a tar of SRC on out_fd. o may be NULL. */
int hutch_ctr_copy_out(struct hutch_engine *e, struct hutch_ctr *c, const char *src,
                       const char *dst, int out_fd, const struct hutch_cp_opts *o,
                       struct hutch_error **err);
/* docker cp SRC CONTAINER:DST; src NULL: extract the tar on in_fd into
 * the directory DST (only gzip, zstd, xz, bzip2 or no compression). */
int hutch_ctr_copy_in(struct hutch_engine *e, struct hutch_ctr *c, const char *src, int in_fd,
                      const char *dst, const struct hutch_cp_opts *o, struct hutch_error **err);
/* docker cp's stat of CONTAINER:PATH (HEAD /containers/{id}/archive),
 * resolved as copy_out resolves it, a final symlink not followed. */
struct hutch_path_stat {
  char name[256];
  int64_t size, mtime;
  uint32_t mode;          /* st_mode */
  char link_target[4096]; /* a symlink's target, else "" */
};
int hutch_ctr_path_stat(struct hutch_engine *e, struct hutch_ctr *c, const char *path,
                        struct hutch_path_stat *out, struct hutch_error **err);
/* docker export: the merged rootfs as a tar on fd. */
int hutch_ctr_export(struct hutch_engine *e, struct hutch_ctr *c, int fd, struct hutch_error **err);
/* docker diff: "A /path", "C /path", "D /path" from the overlay's upper
 * dir, sorted by path. */
int hutch_ctr_diff(struct hutch_engine *e, struct hutch_ctr *c, char ***changes,
                   struct hutch_error **err);
/* A new (empty) volume mounted at path gets what the image has there,
 * with owners and modes, as docker does. */
int hutch_volume_copy_up(const char *rootfs, const char *path, const char *data_dir,
                         struct hutch_error **err);

/* ---- rootfs (rootfs.c) ---- */

/* Mount overlayfs at merged with layer_dirs (lowest first) below upper. */
int hutch_overlay_mount(char *const *layer_dirs, size_t n, const char *upper, const char *work,
                        const char *merged, struct hutch_error **err);
int hutch_overlay_umount(const char *merged, struct hutch_error **err);
/* fuse_overlay.c: the same mount through fuse-overlayfs (PROG), whose
 * daemon the umount ends; and the option string both take, layers
 * lowest first in, top first out. */
int hutch_fuse_overlay_mount(const char *prog, char *const *layer_dirs, size_t n, const char *upper,
                             const char *work, const char *merged, struct hutch_error **err);
char *hutch_overlay_options(char *const *layer_dirs, size_t n, const char *upper, const char *work);
bool hutch_is_mountpoint(const char *path);
/* docker's LowerDir: the layer dirs (lowest first) joined top first by
 * ':'; NULL on ENOMEM. */
char *hutch_lower_dir_join(char *const *layer_dirs, size_t n);
/* A container's layer dirs from its record's LowerDir (c->cfg.lower_dir),
 * top first as there or lowest first as hutch_overlay_mount() wants
 * them; a NULL-terminated strv, NULL on ENOMEM. */
char **hutch_ctr_layer_dirs(const struct hutch_ctr *c, bool lowest_first);
/* Make sure the overlay is mounted (for cp, export, diff, start after a
 * reboot); returns the merged dir (owned by nothing: caller frees). */
int hutch_ctr_mount_rootfs(struct hutch_engine *e, struct hutch_ctr *c, char **merged,
                           struct hutch_error **err);

/* docker ps -s: the bytes of the files in the container's writable
 * layer (the overlay's upper dir); 0 when there is none. */
int64_t hutch_ctr_rw_size(const struct hutch_ctr *c);

/* ---- --ipc shareable's /dev/shm (ipcshm.c) ---- */

/* A tmpfs of size bytes (0: docker's 64m) at <dir>/shm, unless mounted. */
int hutch_ctr_shm_mount(const char *dir, int64_t size, struct hutch_error **err);
/* Unmount <dir>/shm when it is mounted; warns on failure. */
void hutch_ctr_shm_umount(const char *dir);

/* ---- volumes (volume.c) ---- */

struct hutch_volume_info {
  char *name, *mountpoint, *created;
  bool anonymous;
};
/* Create (or find) a volume; name NULL makes an anonymous one. labels (an
 * object of strings, may be NULL) are kept for a new volume. */
int hutch_volume_create(struct hutch_engine *e, const char *name, bool anonymous, json_t *labels,
                        char **name_out, char **mountpoint, struct hutch_error **err);
int hutch_volume_remove(struct hutch_engine *e, const char *name, bool force,
                        struct hutch_error **err);
int hutch_volume_list(struct hutch_engine *e, char ***names, struct hutch_error **err);
json_t *hutch_volume_inspect(struct hutch_engine *e, const char *name, struct hutch_error **err);
/* Names of the containers (ids) that mount a volume. */
int hutch_volume_users(struct hutch_engine *e, const char *name, char ***ids,
                       struct hutch_error **err);

/* ---- monitor (monitor.c) ---- */

struct hutch_monitor_args {
  struct hutch_engine *e;
  const char *id;
  bool attached, interactive, tty;
  int ready_fd; /* detached: report "ok" or the error text here, then close */
  int owner_fd; /* tied (struct hutch_attach): a pidfd of the client; -1 for none */
  /* the network is still being set up (a rootless pasta starting): after
   * the create, wait for "ok" or "E<errno> <message>" on net_fd before
   * the container's process may run */
  bool net_pending;
  int net_fd;
  /* `hutch __monitor`: hutch-monitor saw the container exit and exec'd
   * back; go on from there (record it, restart policy, --rm). */
  bool resume;
  int status;     /* its exit status */
  long ran_ms;    /* how long it ran, for the restart backoff */
  int backoff_ms; /* the restart backoff so far */
};
/* Create and start the container through the runtime with this process as
 * the parent of its init, pump its output into the log (and to our
 * stdout/stderr when attached), record its exit, apply the restart
 * policy, remove it for --rm. Detached, the pumping is done by
 * hutch-monitor, exec'd in this process (found through $HUTCH_MONITOR or
 * hutch_engine_helper_path; without it, here as before); it execs
 * `hutch __monitor`, which calls this again with resume set. Returns the last exit status, or
 * -status (125, 126, 127) with *err when the container could not be started. */
int hutch_monitor_run(const struct hutch_monitor_args *a, struct hutch_error **err);
/* "exec: ... not found" errors of create → 127, not executable → 126. */
int hutch_exec_error_status(const struct hutch_error *e);

/* ---- events (ctr_events.c; the journal: events.h) ---- */

/* Record an event of type with attributes given as key, value pairs
 * ending with NULL; a failure to record is logged and ignored. */
void hutch_engine_event(struct hutch_engine *e, const char *type, const char *action,
                        const char *id, ...) __attribute__((sentinel));
/* A container's event: its name, image and labels, then the pairs. */
void hutch_ctr_event(struct hutch_ctr *c, const char *action, ...) __attribute__((sentinel));
