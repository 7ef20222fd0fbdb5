/* hutch image SUBCOMMAND: inspect and prune here; ls, rm, pull, tag,
 * import, save and load are the top-level commands under another name. */
#include "commands.h"
#include "engine/engine.h"
#include "image_cli.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static json_t *strv_json(char **v) {
  json_t *a = json_array();
  for (size_t i = 0; v && v[i]; i++)
    json_array_append_new(a, json_string(v[i]));
  return a;
}

/* docker's inspect shape: Id, RepoTags, RepoDigests, Created, Os,
 * Architecture, Config (the image config's "config"), RootFS, Size, and
 * where the layers are (GraphDriver, as overlay2 shows them). */
json_t *image_cli_inspect_json(struct hutch_image *img) {
  json_error_t je;
  _cleanup_json_ json_t *cfg = json_loadb(img->config_json, img->config_len, 0, &je);
  json_t *tags = json_array(), *digests = json_array();
  for (size_t i = 0; img->names && img->names[i]; i++) {
    const char *n = img->names[i];
    if (strchr(n, '@')) {
      json_array_append_new(digests, json_string(n));
    } else {
      json_array_append_new(tags, json_string(n));
      _cleanup_free_ char *d = strndup(n, (size_t)(strrchr(n, ':') - n));
      _cleanup_free_ char *rd = NULL;
      if (d && asprintf(&rd, "%s@%s", d, img->manifest_digest) >= 0)
        json_array_append_new(digests, json_string(rd));
    }
  }
  /* overlayfs lists the upper-most lower layer first */
  _cleanup_free_ char *lower = hutch_lower_dir_join(img->layer_dirs, img->n_layers);
  json_t *c = json_object_get(cfg, "config");
  json_t *o = json_pack(
      "{s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:o, s:{s:s, s:o}, s:I, s:s, s:{s:s, s:{s:s}}}", "Id",
      img->id, "RepoTags", tags, "RepoDigests", digests, "Created",
      json_string_value(json_object_get(cfg, "created")) ?: "", "Author",
      json_string_value(json_object_get(cfg, "author")) ?: "", "Architecture",
      img->config->architecture ?: "", "Os", img->config->os ?: "", "Config",
      c ? json_incref(c) : json_object(), "RootFS", "Type", "layers", "Layers",
      strv_json(img->diff_ids), "Size", (json_int_t)img->size, "ManifestDigest",
      img->manifest_digest, "GraphDriver", "Name", "overlay", "Data", "LowerDir", lower);
  if (img->config->variant)
    json_object_set_new(o, "Variant", json_string(img->config->variant));
  return o;
}

static int image_inspect(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    printf("Usage: hutch image inspect IMAGE [IMAGE...]\n\nShow images as JSON.\n");
    return argc < 2 ? HUTCH_EXIT_ERROR : 0;
  }
  struct hutch_error *err = NULL;
  _cleanup_store_ struct hutch_store *s = NULL;
  if (image_cli_open_store(&s, &err) < 0)
    return image_cli_fail(err);
  _cleanup_json_ json_t *all = json_array();
  int ret = 0;
  for (int i = 1; i < argc; i++) {
    _cleanup_image_ struct hutch_image *img = NULL;
    if (hutch_image_lookup(s, argv[i], &img, &err) < 0) {
      hutch_error_print(stderr, "hutch", err);
      hutch_error_free(err);
      err = NULL;
      ret = HUTCH_EXIT_ERROR;
      continue;
    }
    json_array_append_new(all, image_cli_inspect_json(img));
  }
  _cleanup_free_ char *t = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
  printf("%s\n", t);
  return ret;
}

static int image_prune(int argc, char **argv) {
  static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                       {"force", no_argument, NULL, 'f'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  bool all = false;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "+afh", opts, NULL)) != -1) {
    if (c == 'a')
      all = true;
    else if (c == 'f')
      ; /* nothing to confirm: hutch does not prompt */
    else if (c == 'h') {
      printf("Usage: hutch image prune [-a] [-f]\n\n"
             "Remove images without a name (-a: every image no container uses), then\n"
             "free layers and blobs no image needs.\n");
      return 0;
    } else
      return image_cli_usage_error("image prune", "unknown option");
  }
  struct hutch_error *err = NULL;
  _cleanup_store_ struct hutch_store *s = NULL;
  _cleanup_strv_ char **deleted = NULL;
  uint64_t freed = 0;
  if (image_cli_open_store(&s, &err) < 0 || hutch_image_prune(s, all, &deleted, &freed, &err) < 0)
    return image_cli_fail(err);
  if (deleted) {
    printf("Deleted Images:\n");
    for (size_t i = 0; deleted[i]; i++)
      printf("%s\n", deleted[i]);
    printf("\n");
  }
  char sz[16];
  image_cli_human_size((int64_t)freed, sz, sizeof(sz));
  printf("Total reclaimed space: %s\n", sz);
  return 0;
}

int cmd_image(int argc, char **argv) {
  static const struct {
    const char *name;
    int (*fn)(int, char **);
  } subs[] = {
      {"inspect", image_inspect}, {"prune", image_prune}, {"ls", cmd_images},
      {"list", cmd_images},       {"rm", cmd_rmi},        {"pull", cmd_pull},
      {"tag", cmd_tag},           {"import", cmd_import}, {"save", cmd_save},
      {"load", cmd_load},
  };
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    printf("Usage: hutch image COMMAND\n\nManage images.\n\nCommands:\n"
           "  inspect  show images as JSON\n  ls       list images\n"
           "  prune    remove unused images\n  pull     download an image\n"
           "  rm       remove images\n  tag      name an image\n"
           "  import   create an image from a rootfs tarball\n"
           "  save     write images to an archive\n  load     read images from an archive\n");
    return argc < 2 ? HUTCH_EXIT_ERROR : 0;
  }
  for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
    if (strcmp(argv[1], subs[i].name) == 0)
      return subs[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "hutch: image: unknown command: %s\n", argv[1]);
  return HUTCH_EXIT_ERROR;
}
