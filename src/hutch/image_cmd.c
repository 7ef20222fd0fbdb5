/* hutch image SUBCOMMAND: inspect and prune here; ls, rm, pull, tag,
 * import, save and load are the top-level commands under another name. */
#include "commands.h"
#include "engine/engine.h"
#include "flags.h"
#include "image_cli.h"
#include "format.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

/* docker's image Config has every key of its container.Config: the
 * strings and flags an image leaves out are "" and false, its lists and
 * maps null (so -f '{{.Config.User}}' prints "" and '{{.Config.Cmd}}' []). */
static void config_defaults(json_t *cfg) {
  static const char *const strs[] = {"Hostname", "Domainname", "User", "Image", "WorkingDir"};
  static const char *const flags[] = {"AttachStdin", "AttachStdout", "AttachStderr",
                                      "Tty",         "OpenStdin",    "StdinOnce"};
  static const char *const nulls[] = {"Env", "Cmd", "Volumes", "Entrypoint", "OnBuild", "Labels"};
  for (size_t i = 0; i < sizeof(strs) / sizeof(*strs); i++)
    if (!json_object_get(cfg, strs[i]))
      json_object_set_new(cfg, strs[i], json_string(""));
  for (size_t i = 0; i < sizeof(flags) / sizeof(*flags); i++)
    if (!json_object_get(cfg, flags[i]))
      json_object_set_new(cfg, flags[i], json_false());
  for (size_t i = 0; i < sizeof(nulls) / sizeof(*nulls); i++)
    if (!json_object_get(cfg, nulls[i]))
      json_object_set_new(cfg, nulls[i], json_null());
}

json_t *image_cli_inspect_json(struct hutch_image *img) {
  json_t *j = hutch_image_inspect(img);
  json_t *cfg = j ? json_object_get(j, "Config") : NULL;
  if (json_is_object(cfg))
    config_defaults(cfg);
  return j;
}

static json_t *image_inspect_one(void *ud, const char *name, struct hutch_error **err) {
  _cleanup_image_ struct hutch_image *img = NULL;
  if (hutch_image_lookup(ud, name, &img, err) < 0)
    return NULL;
  return image_cli_inspect_json(img);
}

static int image_inspect(int argc, char **argv) {
  const char *format = NULL;
  const struct hutch_flag flags[] = {
      {"format", 'f', HUTCH_FLAG_STRING, &format,
       "Format output using the given Go template (or \"json\")"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] IMAGE [IMAGE...]",
                                "Display detailed information on one or more images", flags, 1, -1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_error *err = NULL;
  _cleanup_store_ struct hutch_store *s = NULL;
  if (image_cli_open_store(&s, &err) < 0)
    return image_cli_fail(err);
  return cli_inspect_print(argv + 1, n, format, image_inspect_one, s);
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
