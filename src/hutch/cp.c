/* hutch cp CONTAINER:SRC DST|-  and  hutch cp SRC|- CONTAINER:DST:
 * docker cp. "-" is a tar stream on stdout (out of a container) or stdin
 * (into a container's directory DST). -a keeps uid/gid, -L follows a
 * symlink given as SRC. The container may be running or stopped; paths
 * inside it never leave it, and its bind mounts and volumes are what it
 * sees (engine/copy.c). */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "util/cleanup.h"

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
  struct hutch_cp_opts o = {0};
  const struct hutch_flag flags[] = {
      {"archive", 'a', HUTCH_FLAG_BOOL, &o.archive, "Archive mode (copy all uid/gid information)"},
      {"follow-link", 'L', HUTCH_FLAG_BOOL, &o.follow, "Always follow symbol link in SRC_PATH"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
                                "\thutch cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
                                "Copy files/folders between a container and the local filesystem",
                                flags, 2, 2};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  const char *a = argv[1], *b = argv[2];
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
  r = a_ctr ? hutch_ctr_copy_out(e, ct, ap, strcmp(b, "-") == 0 ? NULL : b, STDOUT_FILENO, &o, &err)
            : hutch_ctr_copy_in(e, ct, strcmp(a, "-") == 0 ? NULL : a, STDIN_FILENO, bp, &o, &err);
  if (r < 0)
    return ctr_cli_fail(err);
  return 0;
}
