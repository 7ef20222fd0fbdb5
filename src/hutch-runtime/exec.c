/* `exec [options] ID [COMMAND [ARG…]]`: a new process in a running
 * container, with runc's flags. */
#include "verbs.h"

#include "runtime/exec.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "Usage: hutch-runtime exec [options] ID [COMMAND [ARG...]]\n"
    "  -p, --process FILE        process.json to run (the process flags are ignored)\n"
    "  -e, --env KEY=VALUE       add or replace an environment variable (repeatable)\n"
    "      --cwd DIR             working directory in the container\n"
    "  -u, --user UID[:GID]      user and group ids\n"
    "  -g, --additional-gids G   supplementary group (repeatable, or comma-separated)\n"
    "  -c, --cap CAP             add a capability (repeatable)\n"
    "  -t, --tty                 a pseudo-terminal, proxied unless --console-socket\n"
    "      --console-socket S    unix socket that receives the pty master\n"
    "  -d, --detach              return once the process runs\n"
    "      --pid-file F          write the process's pid to F\n"
    "      --preserve-fds N      pass fds 3..3+N-1 on to the process\n"
    "      --no-new-privs        set no_new_privs for the process\n"
    "      --apparmor PROFILE    AppArmor profile for the process\n"
    "      --process-label L     SELinux label for the process\n"
    "      --ignore-paused       exec into a paused container\n";

static int add_gids(const char *arg, gid_t **gids, size_t *n) {
  _cleanup_free_ char *copy = strdup(arg);
  if (copy == NULL)
    return -1;
  char *save = NULL;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    int64_t v;
    if (hutch_parse_int64(t, 0, UINT32_MAX - 1, &v) < 0) {
      fprintf(stderr, "hutch-runtime: exec: --additional-gids: \"%s\" is not a group id\n", t);
      return -1;
    }
    gid_t *g = realloc(*gids, (*n + 1) * sizeof(gid_t));
    if (g == NULL)
      return -1;
    g[(*n)++] = (gid_t)v;
    *gids = g;
  }
  return 0;
}

VERB(exec) {
  enum {
    OPT_CWD = 256,
    OPT_CONSOLE,
    OPT_PID_FILE,
    OPT_PRESERVE,
    OPT_NNP,
    OPT_APPARMOR,
    OPT_LABEL,
    OPT_IGNORE_PAUSED
  };
  static const struct option opts[] = {
      {"process", required_argument, NULL, 'p'},
      {"env", required_argument, NULL, 'e'},
      {"cwd", required_argument, NULL, OPT_CWD},
      {"user", required_argument, NULL, 'u'},
      {"additional-gids", required_argument, NULL, 'g'},
      {"cap", required_argument, NULL, 'c'},
      {"tty", no_argument, NULL, 't'},
      {"console-socket", required_argument, NULL, OPT_CONSOLE},
      {"detach", no_argument, NULL, 'd'},
      {"pid-file", required_argument, NULL, OPT_PID_FILE},
      {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
      {"no-new-privs", no_argument, NULL, OPT_NNP},
      {"apparmor", required_argument, NULL, OPT_APPARMOR},
      {"process-label", required_argument, NULL, OPT_LABEL},
      {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  struct exec_opts o = {0};
  _cleanup_strv_ char **env = NULL, **caps = NULL;
  _cleanup_free_ gid_t *gids = NULL;
  int c;
  /* "+": everything from ID on is the container's command line. */
  while ((c = getopt_long_only(argc, argv, "+p:e:u:g:c:tdh", opts, NULL)) != -1) {
    switch (c) {
    case 'p':
      o.process_path = optarg;
      break;
    case 'e':
      if (hutch_strv_push(&env, optarg) < 0)
        return 1;
      break;
    case OPT_CWD:
      o.cwd = optarg;
      break;
    case 'u':
      o.user = optarg;
      break;
    case 'g':
      if (add_gids(optarg, &gids, &o.n_additional_gids) < 0)
        return 1;
      break;
    case 'c':
      if (hutch_strv_push(&caps, optarg) < 0)
        return 1;
      break;
    case 't':
      o.tty = true;
      break;
    case OPT_CONSOLE:
      o.console_socket = optarg;
      break;
    case 'd':
      o.detach = true;
      break;
    case OPT_PID_FILE:
      o.pid_file = optarg;
      break;
    case OPT_PRESERVE: {
      int64_t n;
      if (hutch_parse_int64(optarg, 0, 1024, &n) < 0) {
        fprintf(stderr, "hutch-runtime: exec: --preserve-fds: invalid number \"%s\"\n", optarg);
        return 1;
      }
      o.preserve_fds = (int)n;
      break;
    }
    case OPT_NNP:
      o.no_new_privs = true;
      break;
    case OPT_APPARMOR:
      o.apparmor = optarg;
      break;
    case OPT_LABEL:
      o.process_label = optarg;
      break;
    case OPT_IGNORE_PAUSED:
      o.ignore_paused = true;
      break;
    case 'h':
      fputs(usage_text, stdout);
      return 0;
    default:
      fputs(usage_text, stderr);
      return 1;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "hutch-runtime: exec: missing container id\n%s", usage_text);
    return 1;
  }
  const char *id = argv[optind];
  if (o.process_path == NULL && optind + 1 >= argc) {
    fprintf(stderr, "hutch-runtime: exec: give a COMMAND or --process FILE\n%s", usage_text);
    return 1;
  }
  o.args = argv + optind + 1;
  o.env = env;
  o.caps = caps;
  o.additional_gids = gids;
  struct hutch_error *e = NULL;
  int status = 0;
  /* As runc: 255 for a failure of the runtime itself, so that it cannot
   * be mistaken for the process's own status. */
  if (hutch_container_exec(&g->rt, id, &o, &status, &e) < 0) {
    verb_fail(e);
    return 255;
  }
  return status;
}
