/* hutch: docker's command line, no daemon. main.c parses the global flags
 * and dispatches to one file per command through the table below. */
#include "commands.h"
#include "flags.h"

#include "linux/rootless.h"
#include "runtime/sealed.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hutch_global_debug;
static bool global_debug, global_version;

/* Commands register here; keep the table sorted as `hutch --help` shows it.
 * Completion and the man pages walk it (describe.c), so a command listed
 * here is completed and documented. */
const struct hutch_subcmd hutch_commands[] = {
    {"attach", cmd_attach, "Attach to a running container's standard streams"},
    {"build", cmd_build, "Build an image from a Dockerfile"},
    {"check", cmd_check, "Check the host's features and hutch's self-protection"},
    {"commit", cmd_commit, "Create a new image from a container's changes"},
    {"completion", cmd_completion, "Generate the autocompletion script for the specified shell"},
    {"container", cmd_container, "Manage containers"},
    {"cp", cmd_cp, "Copy files between a container and the host"},
    {"create", cmd_create, "Create a new container"},
    {"diff", cmd_diff, "Changes to files in a container's filesystem"},
    {"events", cmd_events, "Get real time events from the engine"},
    {"exec", cmd_exec, "Run a command in a running container"},
    {"export", cmd_export, "Export a container's filesystem as a tar archive"},
    {"history", cmd_history, "Show the history of an image"},
    {"image", cmd_image, "Manage images"},
    {"images", cmd_images, "List images"},
    {"import", cmd_import, "Create an image from a rootfs tarball"},
    {"info", cmd_info, "Display system-wide information"},
    {"inspect", cmd_inspect, "Low-level information on containers"},
    {"kill", cmd_kill, "Kill running containers"},
    {"load", cmd_load, "Load images from a tar archive"},
    {"login", cmd_login, "Log in to a registry"},
    {"logout", cmd_logout, "Log out from a registry"},
    {"logs", cmd_logs, "Fetch the logs of a container"},
    {"network", cmd_network, "Manage networks"},
    {"pause", cmd_pause, "Pause all processes within containers"},
    {"port", cmd_port, "List port mappings of a container"},
    {"ps", cmd_ps, "List containers"},
    {"pull", cmd_pull, "Download an image from a registry"},
    {"push", cmd_push, "Upload an image to a registry"},
    {"rename", cmd_rename, "Rename a container"},
    {"restart", cmd_restart, "Restart containers"},
    {"rm", cmd_rm, "Remove containers"},
    {"rmi", cmd_rmi, "Remove images"},
    {"run", cmd_run, "Create and run a new container from an image"},
    {"save", cmd_save, "Save images to a tar archive"},
    {"start", cmd_start, "Start stopped containers"},
    {"stats", cmd_stats, "Resource usage of containers"},
    {"stop", cmd_stop, "Stop running containers"},
    {"system", cmd_system, "Manage hutch"},
    {"tag", cmd_tag, "Give an image another name"},
    {"top", cmd_top, "The running processes of a container"},
    {"unpause", cmd_unpause, "Unpause all processes within containers"},
    {"update", cmd_update, "Update configuration of one or more containers"},
    {"version", cmd_version, "Show the hutch version information"},
    {"volume", cmd_volume, "Manage volumes"},
    {"wait", cmd_wait, "Block until containers stop, print their exit codes"},
    {NULL, NULL, NULL},
};

/* Internal commands: not in --help, not completed, no man page. */
static const struct hutch_subcmd internal_commands[] = {
    {"__monitor", cmd_monitor, NULL},   /* hutch-monitor's way back in */
    {"__health", cmd_health, NULL},     /* the monitor's health checks (health_cmd.c) */
    {"__complete", cmd_complete, NULL}, /* the completion scripts' (completion.c) */
    {"__man", cmd_man, NULL},           /* the build's (docs/meson.build) */
    {NULL, NULL, NULL},
};

static const struct hutch_flag global_flags[] = {
    {"debug", 'D', HUTCH_FLAG_BOOL, &global_debug, "Enable debug mode"},
    {"version", 'v', HUTCH_FLAG_BOOL, &global_version, "Print version information and quit"},
    {0},
};

const struct hutch_cmd hutch_main_cmd = {
    "[OPTIONS] COMMAND",
    "A container engine with docker's command line and no daemon.",
    global_flags,
    0,
    -1,
    .no_interspersed = true,
    .subs = hutch_commands,
    .description =
        "hutch runs containers from OCI and docker images with docker's command line, without a "
        "daemon: each command opens the engine's state, does its work and exits; a detached "
        "container is watched by a small monitor process that records its exit.\n\n"
        "State lives under $HUTCH_ROOT (default /var/lib/hutch: images, containers, volumes, the "
        "state database) and $HUTCH_RUN_ROOT (default /run/hutch: runtime state, network "
        "namespaces).\n\n"
        "Each command has its own page: hutch-run(1), hutch-container-ls(1) and so on. The OCI "
        "runtime hutch uses in process is also a program of its own, hutch-runtime, with runc's "
        "command line.",
};

/* Commands that may start a process in a container: they run from a
 * sealed copy of this binary (runtime/sealed.h), re-executed before they
 * do anything. */
static bool starts_container_processes(int argc, char **argv) {
  static const char *const verbs[] = {"run",   "start",     "restart",  "exec",
                                      "build", "__monitor", "__health", "system"};
  const char *v = argv[0];
  if (strcmp(v, "container") == 0 && argc > 1)
    v = argv[1];
  for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
    if (strcmp(v, verbs[i]) == 0)
      return true;
  return false;
}

static int ensure_sealed(char **argv) {
  struct hutch_error *err = NULL;
  if (hutch_sealed_ensure(argv, &err) == 0)
    return 0;
  hutch_error_print(stderr, "hutch", err);
  hutch_error_free(err);
  return -1;
}

/* An unprivileged user's hutch: state under the XDG directories (the
 * HUTCH_* variables still override), run inside the user's rootless user
 * and mount namespaces (linux/rootless.h). */
static int enter_rootless(void) {
  const char *run = getenv("HUTCH_RUN_ROOT");
  struct hutch_rootless_env env = {getenv("HOME"), getenv("XDG_DATA_HOME"),
                                   run && *run ? "/" : getenv("XDG_RUNTIME_DIR"),
                                   getenv("XDG_CONFIG_HOME")};
  struct hutch_paths p;
  _cleanup_free_ char *seccomp = NULL, *certs = NULL;
  struct hutch_error *err = NULL;
  if (hutch_paths_select(false, &env, &p, &err) < 0)
    goto fail;
  if (run && *run)
    snprintf(p.run, sizeof(p.run), "%s", run);
  if (asprintf(&seccomp, "%s/seccomp-cache", p.run) < 0 ||
      asprintf(&certs, "%s/certs.d", p.config) < 0)
    return -1;
  setenv("HUTCH_ROOT", p.data, 0);
  setenv("HUTCH_RUN_ROOT", p.run, 1);
  setenv("HUTCH_SECCOMP_CACHE", seccomp, 0);
  setenv("HUTCH_CERTS_DIR", certs, 0);
  if (hutch_rootless_enter(p.run, &err) == 0)
    return 0;
fail:
  hutch_error_print(stderr, "hutch", err);
  hutch_error_free(err);
  return -1;
}

int main(int argc, char **argv) {
  hutch_log_set_prefix("hutch");
  /* parse a copy: the sealed re-execution (ensure_sealed) takes argv as given */
  _cleanup_free_ char **args = calloc((size_t)argc + 1, sizeof(char *));
  if (!args)
    return HUTCH_EXIT_ERROR;
  memcpy(args, argv, (size_t)argc * sizeof(char *));
  args[0] = "hutch";
  int n, r = hutch_flags_parse(&hutch_main_cmd, argc, args, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (global_debug) {
    hutch_global_debug = 1;
    hutch_log_set_level(HUTCH_LOG_DEBUG);
  }
  if (global_version) {
    printf("hutch version %s\n", HUTCH_VERSION);
    return 0;
  }
  if (n == 0) {
    hutch_flags_help(stderr, &hutch_main_cmd, "hutch");
    return HUTCH_EXIT_USAGE;
  }
  if (geteuid() != 0 && strncmp(args[1], "__", 2) != 0 && enter_rootless() < 0)
    return HUTCH_EXIT_ERROR;
  if (starts_container_processes(n, args + 1) && ensure_sealed(argv) < 0)
    return HUTCH_EXIT_ERROR;
  for (const struct hutch_subcmd *c = hutch_commands; c->name; c++)
    if (strcmp(c->name, args[1]) == 0)
      return c->fn(n, args + 1);
  for (const struct hutch_subcmd *c = internal_commands; c->name; c++)
    if (strcmp(c->name, args[1]) == 0)
      return c->fn(n, args + 1);
  /* docker's words, and its status: 1, not 125 */
  fprintf(stderr, "hutch: '%s' is not a hutch command.\nSee 'hutch --help'.\n", args[1]);
  return 1;
}
