/* hutch run [OPTIONS] IMAGE [COMMAND] [ARG...]
 * hutch create [OPTIONS] IMAGE [COMMAND] [ARG...]
 *
 * docker's flags parsed into struct hutch_run_opts; the image is looked up
 * (pulled if missing; "busybox" imported from the host's busybox-static),
 * the engine creates the container and, for run, starts it attached or
 * with a monitor (-d). Exit status as docker's: for run 125 for our own
 * errors, 126/127 when the command cannot be run, else the container's;
 * create exits 1 for what docker's daemon refuses (a name in use, a
 * missing image, a value out of range) and 125 only for a flag value of
 * the wrong type, which docker's parser refuses. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"
#include "run_flags.h"

#include "engine/netsetup.h"

#include "image/reference.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int push(char ***v, const char *s) {
  return hutch_strv_push(v, s) < 0 ? -1 : 0;
}

static int add_mount(struct hutch_run_opts *o, const struct hutch_mount_req *m) {
  struct hutch_mount_req *n = realloc(o->mounts, (o->n_mounts + 1) * sizeof(*n));
  if (!n)
    return -1;
  o->mounts = n;
  n[o->n_mounts++] = *m;
  return 0;
}

/* -e K=V, or -e K taking K from our environment (dropped if unset). */
static void add_env(char ***v, const char *s) {
  if (strchr(s, '=')) {
    push(v, s);
    return;
  }
  const char *val = getenv(s);
  if (val) {
    char *kv = NULL;
    if (asprintf(&kv, "%s=%s", s, val) >= 0)
      push(v, kv);
    free(kv);
  }
}

static int read_env_file(char ***v, const char *path) {
  _cleanup_free_ char *text = NULL;
  size_t len;
  int r = hutch_read_file(path, &text, &len);
  if (r < 0)
    return r;
  char *save = NULL;
  for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    while (*l == ' ' || *l == '\t')
      l++;
    if (*l == '#' || *l == '\0')
      continue;
    add_env(v, l);
  }
  return 0;
}

/* What the flags give as text, checked and converted after parsing. */
struct run_args {
  const char *name, *workdir, *user, *entrypoint, *hostname, *memory, *memory_swap, *cpus,
      *cpu_shares, *cpuset, *pids, *stop_signal, *stop_timeout, *restart, *network, *ip, *pull,
      *platform, *detach_keys;
  char **env, **env_files, **volumes, **mounts, **tmpfs;
  bool entrypoint_set;
};

static void run_args_clear(struct run_args *a) {
  hutch_strv_free(a->env);
  hutch_strv_free(a->env_files);
  hutch_strv_free(a->volumes);
  hutch_strv_free(a->mounts);
  hutch_strv_free(a->tmpfs);
}

static char *dup_or_null(const char *s) {
  return s ? strdup(s) : NULL;
}

/* The mount flags in order: -v, --mount, --tmpfs. */
static int add_mounts(struct hutch_run_opts *o, struct run_args *a) {
  struct hutch_error *err = NULL;
  for (char **v = a->volumes; v && *v; v++) {
    struct hutch_mount_req m;
    if (hutch_parse_volume_flag(*v, &m, &err) < 0 || add_mount(o, &m) < 0)
      return ctr_cli_fail(err), -1;
  }
  for (char **v = a->mounts; v && *v; v++) {
    struct hutch_mount_req m;
    if (hutch_parse_mount_flag(*v, &m, &err) < 0 || add_mount(o, &m) < 0)
      return ctr_cli_fail(err), -1;
  }
  for (char **v = a->tmpfs; v && *v; v++) {
    struct hutch_mount_req m;
    if (hutch_parse_tmpfs_flag(*v, &m, &err) < 0 || add_mount(o, &m) < 0)
      return ctr_cli_fail(err), -1;
  }
  return 0;
}

static int check_security_opts(const char *cmd, struct hutch_run_opts *o) {
  for (char **p = o->security_opt; p && *p; p++) {
    const char *s = *p;
    if (hutch_str_has_prefix(s, "seccomp=") || hutch_str_has_prefix(s, "seccomp:")) {
      free(o->seccomp);
      o->seccomp = strdup(s + 8);
    } else if (strcmp(s, "no-new-privileges") == 0 || strcmp(s, "no-new-privileges=true") == 0 ||
               strcmp(s, "no-new-privileges:true") == 0) {
      o->no_new_privs = true;
    } else if (strncmp(s, "apparmor", 8) != 0 && strncmp(s, "label", 5) != 0 &&
               strncmp(s, "no-new-privileges", 17) != 0) {
      return ctr_cli_usage_error(cmd, "invalid --security-opt"), -1;
    }
  }
  return 0;
}

/* The text flags into o: -1 after printing an error, -2 for a value of
 * the wrong type (docker's parser refuses it: 125 for create too). */
static int convert(const char *cmd, struct run_args *a, struct hutch_run_opts *o) {
  o->name = dup_or_null(a->name);
  o->workdir = dup_or_null(a->workdir);
  o->user = dup_or_null(a->user);
  o->hostname = dup_or_null(a->hostname);
  o->cpuset_cpus = dup_or_null(a->cpuset);
  o->network = dup_or_null(a->network);
  o->ip = dup_or_null(a->ip);
  if (a->entrypoint) {
    o->entrypoint = strdup(a->entrypoint);
    o->has_entrypoint = true;
  }
  for (char **v = a->env; v && *v; v++)
    add_env(&o->env, *v);
  for (char **v = a->env_files; v && *v; v++) {
    int r = read_env_file(&o->env_file, *v);
    if (r < 0) {
      fprintf(stderr, "hutch: open %s: %s\n", *v, strerror(-r));
      return -1;
    }
  }
  if (add_mounts(o, a) < 0 || check_security_opts(cmd, o) < 0)
    return -1;
  if (a->memory && hutch_parse_bytes(a->memory, &o->memory) < 0)
    return ctr_cli_usage_error(cmd, "invalid --memory"), -2;
  if (a->memory && o->memory < 6 * 1024 * 1024)
    return ctr_cli_usage_error(cmd, "minimum memory limit allowed is 6MB"), -1;
  if (a->memory_swap && strcmp(a->memory_swap, "-1") == 0)
    o->memory_swap = -1;
  else if (a->memory_swap && hutch_parse_bytes(a->memory_swap, &o->memory_swap) < 0)
    return ctr_cli_usage_error(cmd, "invalid --memory-swap"), -2;
  if (a->cpus && hutch_parse_cpus(a->cpus, &o->nano_cpus) < 0)
    return ctr_cli_usage_error(cmd, "invalid --cpus"), -2;
  if (a->cpu_shares && hutch_parse_int64(a->cpu_shares, 2, 262144, &o->cpu_shares) < 0)
    return ctr_cli_usage_error(cmd, "invalid --cpu-shares"), -2;
  if (a->pids && hutch_parse_int64(a->pids, -1, INT64_MAX, &o->pids_limit) < 0)
    return ctr_cli_usage_error(cmd, "invalid --pids-limit"), -2;
  if (a->stop_signal && hutch_parse_signal(a->stop_signal) < 0)
    return ctr_cli_usage_error(cmd, "invalid --stop-signal"), -1;
  o->stop_signal = dup_or_null(a->stop_signal);
  if (a->stop_timeout && hutch_parse_int64(a->stop_timeout, -1, 1000000, &o->stop_timeout) < 0)
    return ctr_cli_usage_error(cmd, "invalid --stop-timeout"), -2;
  if (a->restart) {
    const char *pn;
    int mx;
    if (hutch_parse_restart(a->restart, &pn, &mx) < 0)
      return ctr_cli_usage_error(cmd, "invalid restart policy"), -1;
    o->restart = strdup(a->restart);
  }
  if (a->pull && strcmp(a->pull, "missing") != 0 && strcmp(a->pull, "always") != 0 &&
      strcmp(a->pull, "never") != 0)
    return ctr_cli_usage_error(cmd, "--pull takes always, missing or never"), -1;
  return 0;
}

/* Parse flags into o and a; returns the number of positional arguments
 * (IMAGE [COMMAND...] at argv[1..]), or -1 (*status: the exit status). */
static int parse(int argc, char **argv, struct hutch_run_opts *o, struct run_args *a, int *status) {
  const char *cmd = argv[0];
  o->stop_timeout = -1;
  struct run_more more = {0};
  const struct hutch_flag base[] = {
      {"add-host", 0, HUTCH_FLAG_LIST, &o->add_hosts, "Add a custom host-to-IP mapping (host:ip)"},
      {"cap-add", 0, HUTCH_FLAG_LIST, &o->cap_add, "Add Linux capabilities"},
      {"cap-drop", 0, HUTCH_FLAG_LIST, &o->cap_drop, "Drop Linux capabilities"},
      {"cpu-shares", 'c', HUTCH_FLAG_STRING, &a->cpu_shares, "CPU shares (relative weight)", "int"},
      {"cpus", 0, HUTCH_FLAG_STRING, &a->cpus, "Number of CPUs", "decimal"},
      {"cpuset-cpus", 0, HUTCH_FLAG_STRING, &a->cpuset,
       "CPUs in which to allow execution (0-3, 0,1)"},
      {"detach-keys", 0, HUTCH_FLAG_STRING, &a->detach_keys,
       "Override the key sequence for detaching a container"},
      {"detach", 'd', HUTCH_FLAG_BOOL, &o->detach,
       "Run container in background and print container ID"},
      {"device", 0, HUTCH_FLAG_LIST, &o->devices, "Add a host device to the container"},
      {"dns", 0, HUTCH_FLAG_LIST, &o->dns, "Set custom DNS servers"},
      {"dns-option", 0, HUTCH_FLAG_LIST, &o->dns_options, "Set DNS options"},
      {"dns-opt", 0, HUTCH_FLAG_LIST, &o->dns_options, "", NULL, true},
      {"dns-search", 0, HUTCH_FLAG_LIST, &o->dns_search, "Set custom DNS search domains"},
      {"entrypoint", 0, HUTCH_FLAG_STRING, &a->entrypoint,
       "Overwrite the default ENTRYPOINT of the image"},
      {"env", 'e', HUTCH_FLAG_LIST, &a->env, "Set environment variables"},
      {"env-file", 0, HUTCH_FLAG_LIST, &a->env_files, "Read in a file of environment variables"},
      {"expose", 0, HUTCH_FLAG_LIST, &o->expose, "Expose a port or a range of ports"},
      {"hostname", 'h', HUTCH_FLAG_STRING, &a->hostname, "Container host name"},
      {"init", 0, HUTCH_FLAG_BOOL, &o->init,
       "Run an init inside the container that forwards signals and reaps processes"},
      {"interactive", 'i', HUTCH_FLAG_BOOL, &o->interactive,
       "Keep STDIN open even if not attached"},
      {"ip", 0, HUTCH_FLAG_STRING, &a->ip, "IPv4 address (e.g., 172.30.100.104)"},
      {"label", 'l', HUTCH_FLAG_LIST, &o->labels, "Set meta data on a container"},
      {"memory", 'm', HUTCH_FLAG_STRING, &a->memory, "Memory limit", "bytes"},
      {"memory-swap", 0, HUTCH_FLAG_STRING, &a->memory_swap,
       "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", "bytes"},
      {"mount", 0, HUTCH_FLAG_LIST, &a->mounts,
       "Attach a filesystem mount to the container (type=bind|volume|tmpfs,source=,target=)",
       "mount"},
      {"name", 0, HUTCH_FLAG_STRING, &a->name, "Assign a name to the container"},
      {"network", 0, HUTCH_FLAG_STRING, &a->network,
       "Connect a container to a network (none|host|bridge|container:NAME|NAME; rootless also "
       "pasta|slirp4netns)",
       "network"},
      {"net", 0, HUTCH_FLAG_STRING, &a->network, "", NULL, true},
      {"network-alias", 0, HUTCH_FLAG_LIST, &o->net_aliases,
       "Add network-scoped alias for the container"},
      {"net-alias", 0, HUTCH_FLAG_LIST, &o->net_aliases, "", NULL, true},
      {"pids-limit", 0, HUTCH_FLAG_STRING, &a->pids,
       "Tune container pids limit (set -1 for unlimited)", "int"},
      {"platform", 0, HUTCH_FLAG_STRING, &a->platform,
       "Set platform if server is multi-platform capable (os/arch[/variant])"},
      {"privileged", 0, HUTCH_FLAG_BOOL, &o->privileged,
       "Give extended privileges to this container"},
      {"publish", 'p', HUTCH_FLAG_LIST, &o->publish,
       "Publish a container's port(s) to the host ([ip:][hostPort:]containerPort[/proto])"},
      {"publish-all", 'P', HUTCH_FLAG_BOOL, &o->publish_all,
       "Publish all exposed ports to random ports"},
      {"pull", 0, HUTCH_FLAG_STRING, &a->pull,
       "Pull image before running (\"always\"|\"missing\"|\"never\")"},
      {"read-only", 0, HUTCH_FLAG_BOOL, &o->read_only,
       "Mount the container's root filesystem as read only"},
      {"restart", 0, HUTCH_FLAG_STRING, &a->restart,
       "Restart policy to apply when a container exits (no|on-failure[:N]|always|unless-stopped)"},
      {"rm", 0, HUTCH_FLAG_BOOL, &o->rm, "Automatically remove the container when it exits"},
      {"security-opt", 0, HUTCH_FLAG_LIST, &o->security_opt,
       "Security Options (seccomp=FILE|unconfined, no-new-privileges)"},
      {"stop-signal", 0, HUTCH_FLAG_STRING, &a->stop_signal, "Signal to stop the container"},
      {"stop-timeout", 0, HUTCH_FLAG_STRING, &a->stop_timeout,
       "Timeout (in seconds) to stop a container", "int"},
      {"tmpfs", 0, HUTCH_FLAG_LIST, &a->tmpfs, "Mount a tmpfs directory (/dst[:opts])"},
      {"tty", 't', HUTCH_FLAG_BOOL, &o->tty, "Allocate a pseudo-TTY"},
      {"ulimit", 0, HUTCH_FLAG_LIST, &o->ulimits, "Ulimit options (name=soft[:hard])", "ulimit"},
      {"user", 'u', HUTCH_FLAG_STRING, &a->user,
       "Username or UID (format: <name|uid>[:<group|gid>])"},
      {"volume", 'v', HUTCH_FLAG_LIST, &a->volumes, "Bind mount a volume (src:dst[:ro])"},
      {"workdir", 'w', HUTCH_FLAG_STRING, &a->workdir, "Working directory inside the container"},
  };
  struct hutch_flag flags[ARRAY_SIZE(base) + RUN_MORE_FLAGS + 1];
  memcpy(flags, base, sizeof(base));
  run_more_flags(flags + ARRAY_SIZE(base), &more, o);
  flags[ARRAY_SIZE(flags) - 1] = (struct hutch_flag){0};
  const struct hutch_cmd spec = {"[OPTIONS] IMAGE [COMMAND] [ARG...]",
                                 strcmp(cmd, "run") == 0
                                     ? "Create and run a new container from an image"
                                     : "Create a new container",
                                 flags,
                                 1,
                                 -1,
                                 .no_interspersed = true};
  int n, r = hutch_flags_parse(&spec, argc, argv, &n);
  if (r != 0) {
    *status = hutch_flags_status(r);
    return -1;
  }
  bool run = strcmp(cmd, "run") == 0;
  *status = run ? HUTCH_EXIT_USAGE : HUTCH_EXIT_ERROR;
  if ((r = convert(cmd, a, o)) < 0 || (r = run_more_convert(cmd, &more, o)) < 0) {
    if (r == -2)
      *status = HUTCH_EXIT_USAGE;
    return -1;
  }
  /* the network flags together (engine/netflags.c), before any work */
  struct hutch_error *err = NULL;
  if (hutch_engine_net_validate(o, &err) < 0)
    return ctr_cli_fail(err), -1;
  if (n > 1) {
    o->cmd = calloc(1, sizeof(char *));
    for (int i = 2; i <= n; i++)
      push(&o->cmd, argv[i]);
  }
  return n;
}

static int run_or_create(int argc, char **argv) {
  struct hutch_run_opts o = {0};
  struct run_args a = {0};
  int status = 0;
  bool run = strcmp(argv[0], "run") == 0;
  int n = parse(argc, argv, &o, &a, &status);
  /* docker's client refuses -it without a terminal before it creates anything */
  if (n >= 0 && run && o.tty && o.interactive && !o.detach && !isatty(STDIN_FILENO)) {
    fprintf(stderr, "the input device is not a TTY\n");
    n = -1;
    status = 1;
  }
  if (n < 0) {
    hutch_run_opts_clear(&o);
    run_args_clear(&a);
    return status;
  }
  if (!run)
    o.detach = true;
  const char *ref = argv[1];
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  int fail = run ? HUTCH_EXIT_USAGE : HUTCH_EXIT_ERROR;
  if (!e) {
    hutch_run_opts_clear(&o);
    run_args_clear(&a);
    return fail;
  }
  struct hutch_error *err = NULL;
  _cleanup_image_ struct hutch_image *img = NULL;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  int r = hutch_engine_image_get(e, ref, a.pull, a.platform, &img, &err);
  const char *detach_keys = a.detach_keys; /* points into argv */
  run_args_clear(&a);
  if (r < 0 || hutch_ctr_create(e, ref, img, &o, &c, &err) < 0) {
    hutch_run_opts_clear(&o);
    ctr_cli_fail(err);
    return fail;
  }
  /* docker writes it once the container exists */
  if (o.cidfile && run_cidfile_write(o.cidfile, c->id) < 0) {
    hutch_run_opts_clear(&o);
    return fail;
  }
  hutch_run_opts_clear(&o);
  if (!run) {
    printf("%s\n", c->id);
    return 0;
  }
  bool detach = !c->cfg.attach_stdout;
  bool interactive = c->cfg.open_stdin;
  if (!detach && interactive && c->cfg.tty)
    return ctr_cli_start_attach(e, c, detach_keys, HUTCH_EXIT_USAGE);
  struct hutch_attach at = {.attach = !detach, .interactive = interactive};
  if (hutch_ctr_start(e, c, &at, &status, &err) < 0) {
    hutch_error_print(stderr, "hutch", err);
    hutch_error_free(err);
    return status ? status : HUTCH_EXIT_USAGE;
  }
  if (detach) {
    printf("%s\n", c->id);
    fflush(stdout);
    return 0;
  }
  return status;
}

int cmd_run(int argc, char **argv) {
  return run_or_create(argc, argv);
}
int cmd_create(int argc, char **argv) {
  return run_or_create(argc, argv);
}
