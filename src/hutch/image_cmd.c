/* hutch image SUBCOMMAND: inspect and prune here; ls, rm, pull, tag,
 * import, save and load are the top-level commands under another name. */
#include "commands.h"
#include "engine/engine.h"
#include "flags.h"
#include "image_cli.h"
#include "template.h"

#include "util/cleanup.h"
#include "util/json.h"

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
  const char *format = NULL;
  const struct hutch_flag flags[] = {
      {"format", 'f', HUTCH_FLAG_STRING, &format, "Format output using a template"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] IMAGE [IMAGE...]",
                                "Display detailed information on one or more images", flags, 1, -1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_error *err = NULL;
  if (format && hutch_template_check(format, &err) < 0)
    return image_cli_fail(err);
  _cleanup_store_ struct hutch_store *s = NULL;
  if (image_cli_open_store(&s, &err) < 0)
    return image_cli_fail(err);
  _cleanup_json_ json_t *all = json_array();
  int ret = 0;
  for (int i = 1; i <= n; i++) {
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
  if (hutch_template_print_all(stdout, format, all, &err) < 0)
    return image_cli_fail(err);
  return ret;
}

static int image_prune(int argc, char **argv) {
  bool all = false, force = false;
  const struct hutch_flag flags[] = {
      {"all", 'a', HUTCH_FLAG_BOOL, &all, "Remove all unused images, not just dangling ones"},
      {"force", 'f', HUTCH_FLAG_BOOL, &force, "Do not prompt for confirmation"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS]", "Remove unused images", flags, 0, 0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (!force && !hutch_confirm(all ? "WARNING! This will remove all images without at least one "
                                     "container associated to them."
                                   : "WARNING! This will remove all dangling images."))
    return 0;
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
  static const struct hutch_subcmd subs[] = {
      {"history", cmd_history, "Show the history of an image"},
      {"import", cmd_import, "Import the contents from a tarball to create a filesystem image"},
      {"inspect", image_inspect, "Display detailed information on one or more images"},
      {"load", cmd_load, "Load an image from a tar archive or STDIN"},
      {"ls", cmd_images, "List images"},
      {"list", cmd_images, NULL},
      {"prune", image_prune, "Remove unused images"},
      {"pull", cmd_pull, "Download an image from a registry"},
      {"rm", cmd_rmi, "Remove one or more images"},
      {"remove", cmd_rmi, NULL},
      {"save", cmd_save,
       "Save one or more images to a tar archive (streamed to STDOUT by default)"},
      {"tag", cmd_tag, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"},
      {NULL, NULL, NULL},
  };
  return hutch_subcmd_dispatch("Manage images", subs, argc, argv);
}
