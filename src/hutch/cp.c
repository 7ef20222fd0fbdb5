/* hutch cp CONTAINER:SRC DST|-  and  hutch cp SRC|- CONTAINER:DST:
 * docker cp. "-" is a tar stream on stdout (out of a container) or stdin
 * (into a container's directory DST). -a keeps uid/gid, -L follows a
 * symlink given as SRC. The container may be running or stopped; paths
 * inside it never leave it, and its bind mounts and volumes are what it
 * sees (engine/copy.c). */
#include "commands.h"
#include "ctr_cli.h"

#include "util/cleanup.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* "NAME:PATH" → NAME and PATH; a local path has no ':' before its first
 * '/' (docker's rule, so "./a:b" stays local). */
static bool split_ref(const char *arg, char **name, const char **path) {
  const char *colon = strchr(arg, ':');
  const char *slash = strchr(arg, '/');
  if (!colon || colon == arg || (slash && slash < colon))
    return false;
  *name = strndup(arg, (size_t)(colon - arg));
  *path = colon + 1;
  return *name != NULL;
}

int cmd_cp(int argc, char **argv) {
  static const struct option opts[] = {{"archive", no_argument, NULL, 'a'},
                                       {"follow-link", no_argument, NULL, 'L'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  struct hutch_cp_opts o = {0};
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "+aLh", opts, NULL)) != -1) {
    switch (c) {
    case 'a':
      o.archive = true;
      break;
    case 'L':
      o.follow = true;
      break;
    case 'h':
      printf("Usage: hutch cp CONTAINER:SRC_PATH DEST_PATH|-\n"
             "       hutch cp SRC_PATH|- CONTAINER:DEST_PATH\n\n"
             "Copy files between a container and the host; '-' is a tar stream.\n\n"
             "  -a, --archive      Archive mode (copy all uid/gid information)\n"
             "  -L, --follow-link  Always follow symbol link in SRC_PATH\n");
      return 0;
    default:
      return ctr_cli_usage_error("cp", "unknown option");
    }
  }
  if (argc - optind != 2)
    return ctr_cli_usage_error("cp", "requires exactly 2 arguments");
  const char *a = argv[optind], *b = argv[optind + 1];
  _cleanup_free_ char *an = NULL, *bn = NULL;
  const char *ap = NULL, *bp = NULL;
  bool a_ctr = split_ref(a, &an, &ap), b_ctr = split_ref(b, &bn, &bp);
  if (a_ctr == b_ctr)
    return ctr_cli_usage_error("cp",
                               a_ctr ? "copying between containers is not supported"
                                     : "one of the paths must name a container (CONTAINER:PATH)");
  if (!*(a_ctr ? ap : bp))
    return ctr_cli_usage_error("cp", "the path in the container is empty");
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_ctr_ struct hutch_ctr *ct = NULL;
  if (hutch_ctr_open(e, a_ctr ? an : bn, false, &ct, &err) < 0)
    return ctr_cli_fail(err);
  int r =
      a_ctr ? hutch_ctr_copy_out(e, ct, ap, strcmp(b, "-") == 0 ? NULL : b, STDOUT_FILENO, &o, &err)
            : hutch_ctr_copy_in(e, ct, strcmp(a, "-") == 0 ? NULL : a, STDIN_FILENO, bp, &o, &err);
  if (r < 0)
    return ctr_cli_fail(err);
  return 0;
}
