/* hutch images [-a] [-q] [--digests] [--no-trunc] [--format json|table] [REPO[:TAG]]
 *
 * One row per name, and one "<none>" row per image without a name, as
 * docker lists them. */
#include "commands.h"
#include "flags.h"
#include "image_cli.h"

#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

static bool matches(const char *filter, const char *repo, const char *tag) {
  if (filter == NULL)
    return true;
  const char *colon = strrchr(filter, ':');
  if (colon && !strchr(colon, '/'))
    return strncmp(filter, repo, (size_t)(colon - filter)) == 0 && repo[colon - filter] == '\0' &&
           strcmp(colon + 1, tag) == 0;
  return strcmp(filter, repo) == 0;
}

int cmd_images(int argc, char **argv) {
  bool quiet = false, digests = false, json = false, notrunc = false, all = false;
  const char *format = NULL;
  const struct hutch_flag flags[] = {
      {"all", 'a', HUTCH_FLAG_BOOL, &all,
       "Show all images (hutch keeps no intermediate images: the same list)"},
      {"digests", 0, HUTCH_FLAG_BOOL, &digests, "Show digests"},
      {"format", 0, HUTCH_FLAG_STRING, &format, "Format output: \"json\" or \"table\""},
      {"no-trunc", 0, HUTCH_FLAG_BOOL, &notrunc, "Don't truncate output"},
      {"quiet", 'q', HUTCH_FLAG_BOOL, &quiet, "Only show image IDs"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] [REPOSITORY[:TAG]]", "List images", flags, 0, 1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (format && (strcmp(format, "json") == 0 || strcmp(format, "{{json .}}") == 0))
    json = true;
  else if (format && strcmp(format, "table") != 0)
    return image_cli_usage_error("images", "--format takes json or table");
  const char *filter = n ? argv[1] : NULL;
  struct hutch_error *err = NULL;
  _cleanup_store_ struct hutch_store *s = NULL;
  if (image_cli_open_store(&s, &err) < 0)
    return image_cli_fail(err);
  struct hutch_image **v = NULL;
  size_t ni = 0;
  if (hutch_image_list(s, &v, &ni, &err) < 0)
    return image_cli_fail(err);
  if (!quiet && !json) {
    if (digests)
      printf("%-40s %-12s %-72s %-14s %-16s %s\n", "REPOSITORY", "TAG", "DIGEST", "IMAGE ID",
             "CREATED", "SIZE");
    else
      printf("%-40s %-12s %-14s %-16s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
  }
  _cleanup_strv_ char **seen = NULL;
  for (size_t i = 0; i < ni; i++) {
    struct hutch_image *img = v[i];
    size_t nn = hutch_strv_len(img->names);
    char idbuf[13];
    const char *id = notrunc ? img->id : image_cli_short_id(img->id, idbuf);
    char size[16], since[32];
    image_cli_human_size(img->size, size, sizeof(size));
    image_cli_human_since(img->created, since, sizeof(since));
    for (size_t k = 0; k < (nn ? nn : 1); k++) {
      _cleanup_free_ char *repo = NULL, *tag = NULL;
      if (nn)
        image_cli_split_name(img->names[k], &repo, &tag);
      else
        repo = strdup("<none>"), tag = strdup("<none>");
      if (!matches(filter, repo, tag) && !(nn && filter && strcmp(filter, img->names[k]) == 0))
        continue;
      if (quiet) {
        bool dup = false;
        for (size_t j = 0; seen && seen[j]; j++)
          dup = dup || strcmp(seen[j], id) == 0;
        if (!dup) {
          printf("%s\n", id);
          hutch_strv_push(&seen, id);
        }
      } else if (json) {
        _cleanup_json_ json_t *o =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "ID", id, "Repository", repo,
                      "Tag", tag, "Digest", img->manifest_digest, "CreatedAt", img->created,
                      "CreatedSince", since, "Size", size, "VirtualSize", (json_int_t)img->size);
        _cleanup_free_ char *t = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", t);
      } else if (digests) {
        printf("%-40s %-12s %-72s %-14s %-16s %s\n", repo, tag, img->manifest_digest, id, since,
               size);
      } else {
        printf("%-40s %-12s %-14s %-16s %s\n", repo, tag, id, since, size);
      }
    }
  }
  hutch_image_list_free(v, ni);
  return 0;
}
