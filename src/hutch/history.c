/* hutch history / hutch image history IMAGE: the image config's history,
 * newest first, as docker prints it: the top row names the image, the
 * rows of steps with a layer show its size (the layers are matched to
 * the non-empty history entries in order), comments last. */
#include "commands.h"
#include "flags.h"
#include "image_cli.h"

#include "build/buildcfg.h"
#include "util/cleanup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* docker's CREATED BY column: 45 characters, "…" when cut. */
static void created_by(const char *s, bool trunc, char *buf, size_t n) {
  if (!trunc || strlen(s) <= 45)
    snprintf(buf, n, "%s", s);
  else
    snprintf(buf, n, "%.44s…", s);
}

int cmd_history(int argc, char **argv) {
  bool no_trunc = false, quiet = false;
  const struct hutch_flag flags[] = {
      {"no-trunc", 0, HUTCH_FLAG_BOOL, &no_trunc, "Don't truncate output"},
      {"quiet", 'q', HUTCH_FLAG_BOOL, &quiet, "Only show image IDs"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] IMAGE", "Show the history of an image", flags, 1, 1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_error *err = NULL;
  _cleanup_store_ struct hutch_store *s = NULL;
  _cleanup_image_ struct hutch_image *img = NULL;
  _cleanup_build_config_ struct hutch_build_config *bc = NULL;
  if (image_cli_open_store(&s, &err) < 0 || hutch_image_lookup(s, argv[1], &img, &err) < 0 ||
      hutch_build_config_parse(img->config_json, img->config_len, &bc, &err) < 0)
    return image_cli_fail(err);
  /* which layer each history entry made, counted from the bottom */
  size_t layer = 0;
  _cleanup_free_ int64_t *sizes = calloc(bc->n_history + 1, sizeof(int64_t));
  if (!sizes)
    return HUTCH_EXIT_ERROR;
  for (size_t i = 0; i < bc->n_history; i++) {
    sizes[i] = 0;
    if (!bc->history[i].empty_layer && layer < img->n_layers) {
      struct stat st;
      _cleanup_free_ char *p = hutch_store_blob_path(s, img->layer_digests[layer++]);
      if (p && stat(p, &st) == 0)
        sizes[i] = st.st_size;
    }
  }
  char idbuf[13];
  const char *id = no_trunc ? img->id : image_cli_short_id(img->id, idbuf);
  if (!quiet)
    printf("%-*s   %-15s  %-45s   %-9s %s\n", no_trunc ? 71 : 12, "IMAGE", "CREATED", "CREATED BY",
           "SIZE", "COMMENT");
  for (size_t k = bc->n_history; k-- > 0;) {
    const struct hutch_build_history *h = &bc->history[k];
    const char *rid = k == bc->n_history - 1 ? id : "<missing>";
    if (quiet) {
      printf("%s\n", rid);
      continue;
    }
    char since[64], by[4096], size[32];
    image_cli_human_since(h->created ? h->created : "", since, sizeof(since));
    created_by(h->created_by ? h->created_by : "", !no_trunc, by, sizeof(by));
    image_cli_human_size(sizes[k], size, sizeof(size));
    printf("%-*s   %-15s  %-45s   %-9s %s\n", no_trunc ? 71 : 12, rid, since, by, size,
           h->comment ? h->comment : "");
  }
  return 0;
}
