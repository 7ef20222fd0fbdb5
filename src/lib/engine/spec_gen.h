/* From docker's flags and an image config to an OCI config.json: the pure
 * part of `hutch run`. The engine resolves everything that needs the host
 * (volume paths, the image's /etc/passwd text, the netns path) into a
 * struct hutch_spec_input; hutch_spec_generate() only computes. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "image/manifest.h"
#include "util/error.h"

#define HUTCH_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* docker's 14 default capabilities: CapBnd 0xa80425fb. */
#define HUTCH_DEFAULT_CAPS_MASK 0xa80425fbULL

enum hutch_mount_type { HUTCH_MOUNT_BIND, HUTCH_MOUNT_VOLUME, HUTCH_MOUNT_TMPFS };

struct hutch_mount_req {
  enum hutch_mount_type type;
  char *source; /* bind: host path; volume: name (NULL: anonymous); tmpfs: NULL */
  char *target;
  bool readonly;
  char *options;   /* tmpfs: "size=64m,mode=1777" as given, or NULL */
  char *host_path; /* volume: the resolved <volumes>/<name>/_data */
};

/* The flags of run/create, as parsed (see hutch_run_opts_parse_* below). */
struct hutch_run_opts {
  char **cmd; /* NULL: none given on the command line */
  char *entrypoint;
  bool has_entrypoint;
  char **env;      /* -e, "K=V" (a bare "K" was resolved from our env or dropped) */
  char **env_file; /* lines of --env-file, already read, "K=V" */
  char *workdir, *user, *hostname, *name;
  bool tty, interactive, detach, rm, privileged, read_only, init, no_new_privs;
  char *seccomp; /* NULL: default profile; "unconfined"; else a file path */
  struct hutch_mount_req *mounts;
  size_t n_mounts;
  int64_t memory, memory_swap, nano_cpus, cpu_shares, pids_limit; /* 0: unset */
  char *cpuset_cpus;
  char **ulimits, **cap_add, **cap_drop, **devices, **labels, **security_opt;
  char *stop_signal;
  int64_t stop_timeout; /* -1: unset */
  char *restart;        /* "no", "always", "on-failure[:N]", "unless-stopped" */
  char *network;        /* NULL/"bridge", "none", "host", a network name */
  char **publish;       /* -p as given */
  /* The other network flags, as given; netflags.c validates them, netrecord.c applies them. */
  char *ip;                                  /* --ip */
  char **dns, **dns_search, **dns_options;   /* --dns, --dns-search, --dns-option */
  char **add_hosts, **net_aliases, **expose; /* --add-host, --network-alias, --expose */
  bool publish_all;                          /* -P */
  /* Namespaces: NULL for the container's own; "host"; "container:NAME"
   * (pid, ipc); ipc also "private", "shareable", "none". */
  char *pid_mode, *ipc_mode, *uts_mode, *userns_mode;
  char *pid_join, *ipc_join; /* container:NAME resolved by create: the init's /proc/PID/ns/… */
  char *shm_bind;            /* --ipc shareable or container:NAME: the host's tmpfs for /dev/shm */
  char **sysctls;            /* --sysctl K=V, validated (hutch_sysctl_check) */
  int64_t shm_size;          /* bytes, 0: docker's 64m */
  char **group_add;          /* --group-add: names or gids */
  char *cidfile, *cgroup_parent;
  char *log_driver;                   /* "json-file" (NULL), "none", "journald" */
  char **log_opts;                    /* --log-opt K=V as given */
  int64_t log_max_size, log_max_file; /* from log_opts: bytes (0: unlimited), files (1) */
  char *runtime;                      /* --runtime: NULL or "hutch" (hutch's own), or another's */
  char *runtime_path;                 /* resolved by the create checks: its binary, NULL: own */
  bool oom_kill_disable;
  char *cpuset_mems;
  int64_t blkio_weight;       /* 0: unset, else 10-1000 */
  char **device_cgroup_rules; /* 'c 1:3 rwm' */
  int host_cpus;              /* online CPUs, for --cpus (0: unknown) */
  /* Health check: NULL cmd and !no_healthcheck: the image's */
  char **health_cmd; /* ["CMD-SHELL", "..."] */
  bool no_healthcheck;
  int64_t health_interval, health_timeout, health_start_period; /* ns, 0: default */
  int64_t health_retries;                                       /* 0: default */
};
void hutch_run_opts_clear(struct hutch_run_opts *o);

/* "32m", "1g", "512k", "1024" (bytes) → bytes; -EINVAL. */
int hutch_parse_bytes(const char *s, int64_t *out);
/* "1.5" cpus → nano cpus. */
int hutch_parse_cpus(const char *s, int64_t *out);
/* -v SRC:DST[:OPTS] | DST (anonymous volume). SRC with a '/' is a host
 * path, else a volume name. */
int hutch_parse_volume_flag(const char *s, struct hutch_mount_req *out, struct hutch_error **err);
/* --mount type=bind|volume|tmpfs,source=…,target=…,readonly,tmpfs-size=… */
int hutch_parse_mount_flag(const char *s, struct hutch_mount_req *out, struct hutch_error **err);
/* --tmpfs /dst[:opts] */
int hutch_parse_tmpfs_flag(const char *s, struct hutch_mount_req *out, struct hutch_error **err);
void hutch_mount_req_clear(struct hutch_mount_req *m);
/* --restart no|always|unless-stopped|on-failure[:N] → *name, *max. */
int hutch_parse_restart(const char *s, const char **name, int *max_retries);

/* docker's rule: args = (--entrypoint or image Entrypoint) + (CMD args, or
 * the image's Cmd unless --entrypoint was given). NULL-terminated, may be
 * empty. */
char **hutch_spec_args(const struct hutch_run_opts *o, const struct hutch_image_config *img);

struct hutch_user {
  uint32_t uid, gid;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  char *home;
};
/* Resolve "", "name", "uid", "name:group", "uid:gid" against the image's
 * /etc/passwd and /etc/group text (either may be NULL), as runc's
 * GetExecUser: supplementary groups are those listing the user by name. */
int hutch_resolve_user(const char *spec, const char *passwd, const char *group,
                       struct hutch_user *out, struct hutch_error **err);
void hutch_user_clear(struct hutch_user *u);
/* --group-add: names (looked up in the group text) or gids, added to
 * u's additional gids: "Unable to find group NAME". */
int hutch_add_groups(char *const *names, const char *group, struct hutch_user *u,
                     struct hutch_error **err);
/* The image's /etc/passwd or /etc/group (path) under rootfs, resolved
 * inside it: *out NULL when it does not exist (as docker, numeric users
 * still work); an error when it is not a regular file or is larger than
 * HUTCH_USER_DB_MAX, so a hostile image cannot make run hang on a FIFO or
 * read /dev/zero forever. */
#define HUTCH_USER_DB_MAX ((size_t)4 << 20)
int hutch_read_user_db(const char *rootfs, const char *path, char **out, struct hutch_error **err);

struct hutch_spec_input {
  const char *id;
  const struct hutch_run_opts *o;
  const struct hutch_image_config *img; /* may be NULL */
  const char *rootfs;                   /* absolute: the overlay's merged dir */
  const char *passwd, *group;           /* the image's files, may be NULL */
  const char *init_path;                /* host path of hutch-init (for --init) */
  const char *netns_path;               /* join this netns; NULL: a new one (or host) */
  const char *seccomp_profile;          /* text of --security-opt seccomp=FILE */
  const char *host_hostname;            /* for --network host */
  const char *etc_hostname, *etc_hosts, *etc_resolv; /* host files to bind, may be NULL */
  bool swap_limit_supported;
  int cap_last;       /* highest capability of this kernel */
  uint64_t host_caps; /* our own bounding set: --privileged gets these (0: all to cap_last) */
};

/* linux.cgroupsPath: "/hutch/ID", or "PARENT/ID" with --cgroup-parent
 * (docker's cgroupfs rule; a relative parent is under the root). NULL on
 * ENOMEM. */
char *hutch_spec_cgroup_path(const char *parent, const char *id);

/* The config.json object. */
int hutch_spec_generate(const struct hutch_spec_input *in, json_t **out, struct hutch_error **err);

/* The OCI JSON (linux.seccomp) of a struct spec_seccomp. */
struct spec_seccomp;
json_t *hutch_seccomp_to_json(const struct spec_seccomp *s);
