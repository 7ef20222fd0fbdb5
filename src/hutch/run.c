/* hutch run [OPTIONS] IMAGE [COMMAND] [ARG...]
 * hutch create [OPTIONS] IMAGE [COMMAND] [ARG...]
 *
 * docker's flags parsed into struct hutch_run_opts; the image is looked up
 * (pulled if missing; "busybox" imported from the host's busybox-static),
 * the engine creates the container and, for run, starts it attached or
 * with a monitor (-d). Exit status as docker's: 125 for our own errors,
 * 126/127 when the command cannot be run, else the container's. */
#include "commands.h"
#include "ctr_cli.h"

#include "engine/netsetup.h"

#include "image/reference.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
  O_ENV_FILE = 1000,
  O_ENTRYPOINT,
  O_MOUNT,
  O_TMPFS,
  O_READ_ONLY,
  O_MEMORY,
  O_MEMORY_SWAP,
  O_CPUS,
  O_CPU_SHARES,
  O_CPUSET,
  O_PIDS,
  O_ULIMIT,
  O_CAP_ADD,
  O_CAP_DROP,
  O_PRIVILEGED,
  O_SECURITY_OPT,
  O_DEVICE,
  O_INIT,
  O_STOP_SIGNAL,
  O_STOP_TIMEOUT,
  O_LABEL,
  O_RESTART,
  O_NETWORK,
  O_IP,
  O_DNS,
  O_DNS_SEARCH,
  O_DNS_OPTION,
  O_ADD_HOST,
  O_NET_ALIAS,
  O_EXPOSE,
  O_RM,
  O_NAME,
  O_PULL,
  O_PLATFORM,
  O_HELP,
};

static const struct option run_opts[] = {
    {"detach", no_argument, NULL, 'd'},
    {"interactive", no_argument, NULL, 'i'},
    {"tty", no_argument, NULL, 't'},
    {"rm", no_argument, NULL, O_RM},
    {"name", required_argument, NULL, O_NAME},
    {"env", required_argument, NULL, 'e'},
    {"env-file", required_argument, NULL, O_ENV_FILE},
    {"workdir", required_argument, NULL, 'w'},
    {"user", required_argument, NULL, 'u'},
    {"entrypoint", required_argument, NULL, O_ENTRYPOINT},
    {"hostname", required_argument, NULL, 'h'},
    {"volume", required_argument, NULL, 'v'},
    {"mount", required_argument, NULL, O_MOUNT},
    {"tmpfs", required_argument, NULL, O_TMPFS},
    {"read-only", no_argument, NULL, O_READ_ONLY},
    {"memory", required_argument, NULL, 'm'},
    {"memory-swap", required_argument, NULL, O_MEMORY_SWAP},
    {"cpus", required_argument, NULL, O_CPUS},
    {"cpu-shares", required_argument, NULL, 'c'},
    {"cpuset-cpus", required_argument, NULL, O_CPUSET},
    {"pids-limit", required_argument, NULL, O_PIDS},
    {"ulimit", required_argument, NULL, O_ULIMIT},
    {"cap-add", required_argument, NULL, O_CAP_ADD},
    {"cap-drop", required_argument, NULL, O_CAP_DROP},
    {"privileged", no_argument, NULL, O_PRIVILEGED},
    {"security-opt", required_argument, NULL, O_SECURITY_OPT},
    {"device", required_argument, NULL, O_DEVICE},
    {"init", no_argument, NULL, O_INIT},
    {"stop-signal", required_argument, NULL, O_STOP_SIGNAL},
    {"stop-timeout", required_argument, NULL, O_STOP_TIMEOUT},
    {"label", required_argument, NULL, 'l'},
    {"restart", required_argument, NULL, O_RESTART},
    {"network", required_argument, NULL, O_NETWORK},
    {"net", required_argument, NULL, O_NETWORK},
    {"publish", required_argument, NULL, 'p'},
    {"publish-all", no_argument, NULL, 'P'},
    {"ip", required_argument, NULL, O_IP},
    {"dns", required_argument, NULL, O_DNS},
    {"dns-search", required_argument, NULL, O_DNS_SEARCH},
    {"dns-option", required_argument, NULL, O_DNS_OPTION},
    {"dns-opt", required_argument, NULL, O_DNS_OPTION},
    {"add-host", required_argument, NULL, O_ADD_HOST},
    {"network-alias", required_argument, NULL, O_NET_ALIAS},
    {"net-alias", required_argument, NULL, O_NET_ALIAS},
    {"expose", required_argument, NULL, O_EXPOSE},
    {"pull", required_argument, NULL, O_PULL},
    {"platform", required_argument, NULL, O_PLATFORM},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f, const char *cmd) {
  fprintf(f,
          "Usage: hutch %s [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n"
          "%s\n\nOptions:\n"
          "  -d, --detach                 run in the background and print the container ID\n"
          "  -i, --interactive            keep STDIN open\n"
          "  -t, --tty                    allocate a pseudo-TTY\n"
          "      --rm                     remove the container when it exits\n"
          "      --name string            assign a name\n"
          "  -e, --env list               set environment variables\n"
          "      --env-file list          read environment variables from a file\n"
          "  -w, --workdir string         working directory inside the container\n"
          "  -u, --user string            name|uid[:group|gid]\n"
          "      --entrypoint string      override the image's ENTRYPOINT\n"
          "  -h, --hostname string        container host name\n"
          "  -v, --volume list            bind mount a volume (src:dst[:ro])\n"
          "      --mount mount            type=bind|volume|tmpfs,source=,target=,readonly\n"
          "      --tmpfs list             mount a tmpfs (/dst[:opts])\n"
          "      --read-only              mount the root filesystem read-only\n"
          "  -m, --memory bytes           memory limit\n"
          "      --memory-swap bytes      memory + swap limit (-1: unlimited)\n"
          "      --cpus decimal           number of CPUs\n"
          "  -c, --cpu-shares int         CPU shares (relative weight)\n"
          "      --cpuset-cpus string     CPUs in which to allow execution (0-3, 0,1)\n"
          "      --pids-limit int         process limit (-1: unlimited)\n"
          "      --ulimit ulimit          name=soft[:hard]\n"
          "      --cap-add list           add Linux capabilities\n"
          "      --cap-drop list          drop Linux capabilities\n"
          "      --privileged             all capabilities, all devices, no seccomp\n"
          "      --security-opt list      seccomp=FILE|unconfined, no-new-privileges\n"
          "      --device list            add a host device\n"
          "      --init                   run an init inside the container that reaps processes\n"
          "      --stop-signal string     signal to stop the container\n"
          "      --stop-timeout int       seconds to wait before killing the container\n"
          "  -l, --label list             set metadata\n"
          "      --restart string         no|on-failure[:N]|always|unless-stopped\n"
          "      --network string         none|host|bridge|container:NAME|NAME\n"
          "  -p, --publish list           [ip:][hostPort:]containerPort[/tcp|udp]\n"
          "  -P, --publish-all            publish all exposed ports to ephemeral ports\n"
          "      --expose list            expose a port or a range of ports\n"
          "      --ip string              IPv4 address on a user network\n"
          "      --dns list               DNS servers\n"
          "      --dns-search list        DNS search domains\n"
          "      --dns-option list        DNS options\n"
          "      --add-host list          add a host:ip line to /etc/hosts\n"
          "      --network-alias list     network-scoped alias\n",
          cmd,
          strcmp(cmd, "run") == 0 ? "Create and run a new container from an image."
                                  : "Create a new container.");
}

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

/* Parse flags; returns the index of IMAGE in argv, or -1 after printing. */
static int parse(const char *cmd, int argc, char **argv, struct hutch_run_opts *o) {
  o->stop_timeout = -1;
  struct hutch_error *err = NULL;
  int c;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+dith:e:w:u:v:m:c:l:p:P", run_opts, NULL)) != -1) {
    struct hutch_mount_req m;
    int64_t n;
    switch (c) {
    case 'd':
      o->detach = true;
      break;
    case 'i':
      o->interactive = true;
      break;
    case 't':
      o->tty = true;
      break;
    case O_RM:
      o->rm = true;
      break;
    case O_NAME:
      free(o->name);
      o->name = strdup(optarg);
      break;
    case 'e':
      add_env(&o->env, optarg);
      break;
    case O_ENV_FILE: {
      int r = read_env_file(&o->env_file, optarg);
      if (r < 0) {
        fprintf(stderr, "hutch: open %s: %s\n", optarg, strerror(-r));
        return -1;
      }
      break;
    }
    case 'w':
      free(o->workdir);
      o->workdir = strdup(optarg);
      break;
    case 'u':
      free(o->user);
      o->user = strdup(optarg);
      break;
    case O_ENTRYPOINT:
      free(o->entrypoint);
      o->entrypoint = strdup(optarg);
      o->has_entrypoint = true;
      break;
    case 'h':
      free(o->hostname);
      o->hostname = strdup(optarg);
      break;
    case 'v':
      if (hutch_parse_volume_flag(optarg, &m, &err) < 0 || add_mount(o, &m) < 0)
        return ctr_cli_fail(err), -1;
      break;
    case O_MOUNT:
      if (hutch_parse_mount_flag(optarg, &m, &err) < 0 || add_mount(o, &m) < 0)
        return ctr_cli_fail(err), -1;
      break;
    case O_TMPFS:
      if (hutch_parse_tmpfs_flag(optarg, &m, &err) < 0 || add_mount(o, &m) < 0)
        return ctr_cli_fail(err), -1;
      break;
    case O_READ_ONLY:
      o->read_only = true;
      break;
    case 'm':
      if (hutch_parse_bytes(optarg, &o->memory) < 0)
        return ctr_cli_usage_error(cmd, "invalid --memory"), -1;
      if (o->memory < 6 * 1024 * 1024)
        return ctr_cli_usage_error(cmd, "minimum memory limit allowed is 6MB"), -1;
      break;
    case O_MEMORY_SWAP:
      if (strcmp(optarg, "-1") == 0)
        o->memory_swap = -1;
      else if (hutch_parse_bytes(optarg, &o->memory_swap) < 0)
        return ctr_cli_usage_error(cmd, "invalid --memory-swap"), -1;
      break;
    case O_CPUS:
      if (hutch_parse_cpus(optarg, &o->nano_cpus) < 0)
        return ctr_cli_usage_error(cmd, "invalid --cpus"), -1;
      break;
    case 'c':
      if (hutch_parse_int64(optarg, 2, 262144, &o->cpu_shares) < 0)
        return ctr_cli_usage_error(cmd, "invalid --cpu-shares"), -1;
      break;
    case O_CPUSET:
      free(o->cpuset_cpus);
      o->cpuset_cpus = strdup(optarg);
      break;
    case O_PIDS:
      if (hutch_parse_int64(optarg, -1, INT64_MAX, &n) < 0)
        return ctr_cli_usage_error(cmd, "invalid --pids-limit"), -1;
      o->pids_limit = n;
      break;
    case O_ULIMIT:
      push(&o->ulimits, optarg);
      break;
    case O_CAP_ADD:
      push(&o->cap_add, optarg);
      break;
    case O_CAP_DROP:
      push(&o->cap_drop, optarg);
      break;
    case O_PRIVILEGED:
      o->privileged = true;
      break;
    case O_SECURITY_OPT:
      push(&o->security_opt, optarg);
      if (hutch_str_has_prefix(optarg, "seccomp=") || hutch_str_has_prefix(optarg, "seccomp:")) {
        free(o->seccomp);
        o->seccomp = strdup(optarg + 8);
      } else if (strcmp(optarg, "no-new-privileges") == 0 ||
                 strcmp(optarg, "no-new-privileges=true") == 0 ||
                 strcmp(optarg, "no-new-privileges:true") == 0) {
        o->no_new_privs = true;
      } else if (strncmp(optarg, "apparmor", 8) != 0 && strncmp(optarg, "label", 5) != 0 &&
                 strncmp(optarg, "no-new-privileges", 17) != 0) {
        return ctr_cli_usage_error(cmd, "invalid --security-opt"), -1;
      }
      break;
    case O_DEVICE:
      push(&o->devices, optarg);
      break;
    case O_INIT:
      o->init = true;
      break;
    case O_STOP_SIGNAL:
      if (hutch_parse_signal(optarg) < 0)
        return ctr_cli_usage_error(cmd, "invalid --stop-signal"), -1;
      free(o->stop_signal);
      o->stop_signal = strdup(optarg);
      break;
    case O_STOP_TIMEOUT:
      if (hutch_parse_int64(optarg, -1, 1000000, &o->stop_timeout) < 0)
        return ctr_cli_usage_error(cmd, "invalid --stop-timeout"), -1;
      break;
    case 'l':
      push(&o->labels, optarg);
      break;
    case O_RESTART: {
      const char *pn;
      int mx;
      if (hutch_parse_restart(optarg, &pn, &mx) < 0)
        return ctr_cli_usage_error(cmd, "invalid restart policy"), -1;
      free(o->restart);
      o->restart = strdup(optarg);
      break;
    }
    case O_NETWORK:
      free(o->network);
      o->network = strdup(optarg);
      break;
    case 'p':
      push(&o->publish, optarg);
      break;
    case 'P':
      o->publish_all = true;
      break;
    case O_IP:
      free(o->ip);
      o->ip = strdup(optarg);
      break;
    case O_DNS:
      push(&o->dns, optarg);
      break;
    case O_DNS_SEARCH:
      push(&o->dns_search, optarg);
      break;
    case O_DNS_OPTION:
      push(&o->dns_options, optarg);
      break;
    case O_ADD_HOST:
      push(&o->add_hosts, optarg);
      break;
    case O_NET_ALIAS:
      push(&o->net_aliases, optarg);
      break;
    case O_EXPOSE:
      push(&o->expose, optarg);
      break;
    case O_PULL:
    case O_PLATFORM:
      break;
    case O_HELP:
      usage(stdout, cmd);
      exit(0);
    default:
      if (optopt && optopt < 256)
        fprintf(stderr, "hutch: %s: unknown shorthand flag: '%c' in -%c\n", cmd, optopt, optopt);
      else
        fprintf(stderr, "hutch: %s: unknown flag: %s\n", cmd, argv[optind - 1]);
      fprintf(stderr, "See 'hutch %s --help'.\n", cmd);
      return -1;
    }
  }
  if (optind >= argc) {
    ctr_cli_usage_error(cmd, "requires at least 1 argument");
    return -1;
  }
  /* the network flags together (engine/netflags.c), before any work */
  if (hutch_engine_net_validate(o, &err) < 0)
    return ctr_cli_fail(err), -1;
  if (optind + 1 < argc) {
    o->cmd = calloc(1, sizeof(char *));
    for (int i = optind + 1; i < argc; i++)
      push(&o->cmd, argv[i]);
  }
  return optind;
}

/* Look the image up; pull it (or import busybox) when missing. */
static int get_image(struct hutch_engine *e, const char *ref, struct hutch_image **img,
                     struct hutch_error **err) {
  struct hutch_store *s;
  if (hutch_engine_store(e, &s, err) < 0)
    return -1;
  struct hutch_error *lerr = NULL;
  if (hutch_image_lookup(s, ref, img, &lerr) == 0)
    return 0;
  int code = hutch_error_code(lerr);
  hutch_error_free(lerr);
  if (code != -ENOENT)
    return hutch_image_lookup(s, ref, img, err);
  /* the embedded image: docker.io/library/busybox[:latest] */
  _cleanup_reference_ struct hutch_reference *r = NULL;
  if (hutch_reference_parse(ref, &r, NULL) == 0) {
    _cleanup_free_ char *full = hutch_reference_string(r);
    if (full && strcmp(full, "docker.io/library/busybox:latest") == 0)
      return hutch_engine_busybox_image(e, img, err);
  }
  fprintf(stderr, "Unable to find image '%s' locally\n", ref);
  struct hutch_pull_opts po = {0};
  return hutch_image_pull(s, ref, &po, img, err);
}

static int run_or_create(const char *cmd, int argc, char **argv) {
  struct hutch_run_opts o = {0};
  int idx = parse(cmd, argc, argv, &o);
  if (idx < 0) {
    hutch_run_opts_clear(&o);
    return HUTCH_EXIT_ERROR;
  }
  bool run = strcmp(cmd, "run") == 0;
  if (!run)
    o.detach = true;
  const char *ref = argv[idx];
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e) {
    hutch_run_opts_clear(&o);
    return HUTCH_EXIT_ERROR;
  }
  struct hutch_error *err = NULL;
  _cleanup_image_ struct hutch_image *img = NULL;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (get_image(e, ref, &img, &err) < 0 || hutch_ctr_create(e, ref, img, &o, &c, &err) < 0) {
    hutch_run_opts_clear(&o);
    return ctr_cli_fail(err);
  }
  hutch_run_opts_clear(&o);
  if (!run) {
    printf("%s\n", c->id);
    return 0;
  }
  bool detach = !c->cfg.attach_stdout;
  bool interactive = c->cfg.open_stdin;
  struct hutch_attach a = {.attach = !detach, .interactive = interactive};
  int status = 0;
  if (hutch_ctr_start(e, c, &a, &status, &err) < 0) {
    hutch_error_print(stderr, "hutch", err);
    hutch_error_free(err);
    return status ? status : HUTCH_EXIT_ERROR;
  }
  if (detach) {
    printf("%s\n", c->id);
    fflush(stdout);
    return 0;
  }
  return status;
}

int cmd_run(int argc, char **argv) {
  return run_or_create("run", argc, argv);
}
int cmd_create(int argc, char **argv) {
  return run_or_create("create", argc, argv);
}
