/* hutch system service [--time SECONDS] [--group NAME] [URL]: the Docker
 * Engine API on a socket (src/lib/api), as podman's `system service`.
 * The library lives in the hutch-api.so plugin (plugins.c). */
#include "commands.h"
#include "flags.h"

#include "api/api.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>

static int system_service(int argc, char **argv) {
  int64_t idle = 5;
  const char *group = NULL;
  const struct hutch_flag flags[] = {
      {"time", 't', HUTCH_FLAG_INT, &idle,
       "Seconds without a connection before the service exits (0: never)", "int"},
      {"group", 0, HUTCH_FLAG_STRING, &group, "Group owning the unix socket (default root)"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] [unix://PATH|tcp://HOST:PORT]",
                                "Serve the Docker Engine API", flags, 0, 1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (idle < 0 || idle > 365LL * 86400) {
    fprintf(stderr, "hutch: invalid --time %lld: want 0 (never) or seconds\n", (long long)idle);
    return HUTCH_EXIT_ERROR;
  }
  struct hutch_api_opts o = {
      .listen = n == 1 ? argv[1] : NULL, .idle_seconds = (int)idle, .group = group};
  struct hutch_error *err = NULL;
  if (hutch_api_serve(&o, &err) < 0) {
    hutch_error_print(stderr, "hutch", err);
    hutch_error_free(err);
    return HUTCH_EXIT_ERROR;
  }
  return 0;
}

int cmd_system(int argc, char **argv) {
  static const struct hutch_subcmd subs[] = {
      {"service", system_service, "Serve the Docker Engine API on a socket"},
      {NULL, NULL, NULL},
  };
  return hutch_subcmd_dispatch("Manage hutch", subs, argc, argv);
}
