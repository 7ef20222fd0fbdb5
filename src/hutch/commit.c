/* hutch commit [-c INSTRUCTION]... [-m MSG] [-a AUTHOR] [-p] CONTAINER
 * [REPO[:TAG]]: the container's changes as a new image (build/commit.c);
 * prints its id as docker does ("sha256:…"). */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "build/commit.h"
#include "util/cleanup.h"

#include <stdio.h>

int cmd_commit(int argc, char **argv) {
  _cleanup_strv_ char **changes = NULL;
  const char *message = NULL, *author = NULL;
  bool pause = true;
  const struct hutch_flag flags[] = {
      {"author", 'a', HUTCH_FLAG_STRING, &author,
       "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")"},
      {"change", 'c', HUTCH_FLAG_LIST, &changes,
       "Apply Dockerfile instruction to the created image"},
      {"message", 'm', HUTCH_FLAG_STRING, &message, "Commit message"},
      {"pause", 'p', HUTCH_FLAG_BOOL, &pause, "Pause container during commit (default true)"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
                                "Create a new image from a container's changes", flags, 1, 2};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  _cleanup_engine_ struct hutch_engine *e = NULL;
  _cleanup_ctr_ struct hutch_ctr *c = NULL;
  if (ctr_cli_open(argv[1], false, &e, &c) != 0)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_image_ struct hutch_image *img = NULL;
  struct hutch_commit_opts o = {changes, message, author, n > 1 ? argv[2] : NULL, pause};
  if (hutch_ctr_commit(e, c, &o, &img, &err) < 0)
    return ctr_cli_fail(err);
  printf("%s\n", img->id);
  return 0;
}
