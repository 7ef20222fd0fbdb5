/* hutch-runtime: runc's command line over OCI bundles. main.c parses the
 * global flags (runc's: --root, --log, --log-format, --debug,
 * --systemd-cgroup, …) and dispatches to one file per verb. */
#include "verbs.h"

#include "runtime/oci_features.h"
#include "runtime/sealed.h"
#include "util/log.h"

#include "linux/rootless.h"

#include <limits.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
  const char *name;
  int (*fn)(const struct global_opts *, int, char **);
  const char *summary;
} verbs[] = {
    {"create", verb_create, "create a container from a bundle"},
    {"start", verb_start, "start the process of a created container"},
    {"run", verb_run, "create and start a container"},
    {"state", verb_state, "print the state of a container"},
    {"list", verb_list, "list containers"},
    {"kill", verb_kill, "send a signal to a container's init"},
    {"exec", verb_exec, "run a new process in a running container"},
    {"delete", verb_delete, "delete a container"},
    {"update", verb_update, "update the cgroup limits of a container"},
    {"pause", verb_pause, "freeze every process of a container"},
    {"resume", verb_resume, "thaw a paused container"},
    {"ps", verb_ps, "list the processes of a container"},
    {"events", verb_events, "print a container's stats and OOM events"},
    {"spec", verb_spec, "write a default config.json"},
    {"features", verb_features, "print the features this runtime supports"},
    {"checkpoint", verb_checkpoint, "not supported (no CRIU support yet)"},
    {"restore", verb_restore, "not supported (no CRIU support yet)"},
};

int verb_fail(struct hutch_error *e) {
  char *t = hutch_error_text(e);
  /* One line on stderr for the user; the same as a log record for
   * callers (containerd, podman) that read --log back. */
  fprintf(stderr, "hutch-runtime: %s\n", t ? t : "error");
  if (hutch_log_fd() != 2)
    hutch_log_write(HUTCH_LOG_ERROR, t ? t : "error");
  free(t);
  hutch_error_free(e);
  return 1;
}

const char *verb_one_id(int argc, char **argv, int optind_, const char *usage) {
  if (argc - optind_ != 1) {
    fprintf(stderr, "hutch-runtime: %s: %s\nUsage: hutch-runtime %s\n", argv[0],
            argc - optind_ < 1 ? "missing container id" : "too many arguments", usage);
    return NULL;
  }
  return argv[optind_];
}

const char *verb_only_id(int argc, char **argv, const char *usage, int *rc) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
  int c;
  while ((c = getopt_long_only(argc, argv, "h", opts, NULL)) != -1) {
    fprintf(c == 'h' ? stdout : stderr, "Usage: hutch-runtime %s\n", usage);
    *rc = c == 'h' ? 0 : 1;
    return NULL;
  }
  *rc = 1;
  return verb_one_id(argc, argv, optind, usage);
}

static void usage(FILE *f) {
  fprintf(f, "Usage: hutch-runtime [global options] COMMAND [options] [ID]\n\n"
             "An OCI runtime with runc's command line.\n\nCommands:\n");
  for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
    fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
  fprintf(f, "\nGlobal options:\n"
             "  --root DIR          state directory (default /run/hutch; "
             "$XDG_RUNTIME_DIR/hutch-runtime rootless)\n"
             "  --log FILE          log file (default stderr)\n"
             "  --log-format FMT    text or json\n"
             "  --debug             log each kernel-level step\n"
             "  --systemd-cgroup    use systemd to manage cgroups (needs systemd)\n"
             "  --version, --help\n");
}

int main(int argc, char **argv) {
  struct global_opts g = {.rt = {.root = NULL, .argv = argv}};
  char default_root[PATH_MAX];
  const char *log_path = NULL;
  /* runc's two formats: logrus text (its default) and JSON. */
  enum hutch_log_format fmt = HUTCH_LOG_LOGRUS;
  hutch_log_set_prefix("hutch-runtime");
  /* A closed stderr or log pipe must not kill us halfway through create:
   * writes fail with EPIPE and are ignored instead. */
  signal(SIGPIPE, SIG_IGN);
  enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_SYSTEMD, OPT_ROOTLESS, OPT_CRIU };
  static const struct option opts[] = {
      {"root", required_argument, NULL, OPT_ROOT},
      {"log", required_argument, NULL, OPT_LOG},
      {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
      {"debug", no_argument, NULL, 'D'},
      {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
      {"rootless", required_argument, NULL, OPT_ROOTLESS},
      {"criu", required_argument, NULL, OPT_CRIU},
      {"version", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  int c;
  /* "+": stop at the verb; its own flags are the verb's business. */
  while ((c = getopt_long_only(argc, argv, "+vh", opts, NULL)) != -1) {
    switch (c) {
    case OPT_ROOT:
      g.rt.root = optarg;
      break;
    case OPT_LOG:
      log_path = optarg;
      break;
    case OPT_LOG_FORMAT:
      if (strcmp(optarg, "json") == 0)
        fmt = HUTCH_LOG_JSON;
      else if (strcmp(optarg, "text") == 0)
        fmt = HUTCH_LOG_LOGRUS;
      else {
        fprintf(stderr, "hutch-runtime: --log-format: unknown format \"%s\" (text or json)\n",
                optarg);
        return 1;
      }
      break;
    case 'D':
      g.debug = true;
      break;
    case OPT_SYSTEMD:
      g.rt.systemd_cgroup = true;
      break;
    case OPT_ROOTLESS:
    case OPT_CRIU:
      break; /* accepted for runc compatibility */
    case 'v':
      printf("hutch-runtime version %s\nspec: %s\n", HUTCH_VERSION, HUTCH_OCI_VERSION);
      return 0;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 1;
    }
  }
  if (hutch_log_open(log_path, fmt, g.debug ? HUTCH_LOG_DEBUG : HUTCH_LOG_WARNING) < 0) {
    fprintf(stderr, "hutch-runtime: open log file %s: %s\n", log_path, strerror(errno));
    return 1;
  }
  if (g.rt.systemd_cgroup && access("/run/systemd/system", F_OK) != 0) {
    fprintf(stderr, "hutch-runtime: --systemd-cgroup: systemd is not running on this host\n");
    return 1;
  }
  if (optind >= argc) {
    usage(stderr);
    return 1;
  }
  const char *verb = argv[optind];
  if (g.rt.root == NULL) {
    /* /run/hutch, or $XDG_RUNTIME_DIR/hutch-runtime when rootless (as runc) */
    struct hutch_error *rerr = NULL;
    if (hutch_runtime_default_root(default_root, sizeof(default_root), &rerr) < 0)
      return verb_fail(rerr);
    g.rt.root = default_root;
  }
  /* The verbs that start or join container processes re-execute from a
   * sealed binary first thing, so nothing is done twice (CVE-2019-5736;
   * hutch_container_create and exec check it again). */
  if (strcmp(verb, "create") == 0 || strcmp(verb, "run") == 0 || strcmp(verb, "exec") == 0) {
    struct hutch_error *se = NULL;
    if (!hutch_sealed_running() && hutch_sealed_ensure(argv, &se) < 0)
      return verb_fail(se);
  }
  for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
    if (strcmp(verbs[i].name, verb) == 0) {
      int vargc = argc - optind;
      char **vargv = argv + optind;
      /* The verb parses its own flags from here. 0, not 1: glibc
       * re-reads the optstring only then, so the verb's flags may follow
       * its ID (update ID --memory X, as runc's CLI reorders them) instead
       * of inheriting the "+" above; exec and ps keep "+" for their
       * command lines. */
      optind = 0;
      return verbs[i].fn(&g, vargc, vargv);
    }
  /* Through verb_fail: a client that reads --log back (containerd's shim)
   * then shows this instead of a bare exit status. */
  struct hutch_error *e = NULL;
  hutch_error_set(&e, 0, "unknown command \"%s\"", verb);
  return verb_fail(e);
}
