/* hutch images [-a] [-q] [--digests] [--no-trunc] [--filter K=V]
 * [--format F] [REPO[:TAG]]
 *
 * One row per name, and one "<none>" row per image without a name, as
 * docker lists them, through docker's formatter (its ImageContext
 * columns). */
#include "commands.h"
#include "flags.h"
#include "format.h"
#include "image_cli.h"

#include "image/filter.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/units.h"

#include <stdlib.h>
#include <string.h>

#define IMAGES_TABLE "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.CreatedSince}}\\t{{.Size}}"
#define IMAGES_DIGESTS_TABLE                                                                       \
  "table {{.Repository}}\\t{{.Tag}}\\t{{.Digest}}\\t{{.ID}}\\t{{.CreatedSince}}\\t{{.Size}}"

static bool matches(const char *filter, const char *repo, const char *tag) {
  if (filter == NULL)
    return true;
  const char *colon = strrchr(filter, ':');
  if (colon && !strchr(colon, '/'))
    return strncmp(filter, repo, (size_t)(colon - filter)) == 0 && repo[colon - filter] == '\0' &&
           strcmp(colon + 1, tag) == 0;
  return strcmp(filter, repo) == 0;
}

struct images_run {
  struct hutch_store *s;
  struct hutch_image_filter f;
  time_t before, since;
  const char *arg; /* [REPOSITORY[:TAG]] */
  bool notrunc;
  char **seen; /* -q prints an id once */
  bool quiet;
};

static const json_t *images_header(void) {
  static json_t *h;
  if (!h)
    h = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "IMAGE ID",
                  "Repository", "REPOSITORY", "Tag", "TAG", "Digest", "DIGEST", "CreatedSince",
                  "CREATED", "CreatedAt", "CREATED AT", "Size", "SIZE", "Containers", "CONTAINERS",
                  "VirtualSize", "VIRTUAL SIZE", "SharedSize", "SHARED SIZE", "UniqueSize",
                  "UNIQUE SIZE");
  return h;
}

static json_t *image_row(struct images_run *x, struct hutch_image *img, const char *repo,
                         const char *tag) {
  char idbuf[13], size[16], since[48], created[64] = "";
  const char *id = x->notrunc ? img->id : image_cli_short_id(img->id, idbuf);
  image_cli_human_size(img->size, size, sizeof(size));
  image_cli_human_since(img->created, since, sizeof(since));
  time_t t;
  struct tm tm;
  if (hutch_parse_rfc3339(img->created, &t) == 0 && gmtime_r(&t, &tm))
    strftime(created, sizeof(created), "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id,
                   "Repository", repo, "Tag", tag, "Digest",
                   img->manifest_digest ? img->manifest_digest : "<none>", "CreatedSince", since,
                   "CreatedAt", created, "Size", size, "Containers", "N/A", "VirtualSize", size,
                   "SharedSize", "N/A", "UniqueSize", "N/A");
}

/* The image's rows that pass the filters. */
static int image_rows(struct images_run *x, struct hutch_image *img, struct cli_format *cf,
                      struct hutch_error **err) {
  _cleanup_image_ struct hutch_image *full = NULL;
  if (x->f.labels && !img->config && hutch_image_lookup(x->s, img->id, &full, NULL) < 0)
    return 0;
  if (!hutch_image_filter_image(&x->f, full ? full : img, x->before, x->since))
    return 0;
  size_t nn = hutch_strv_len(img->names);
  for (size_t k = 0; k < (nn ? nn : 1); k++) {
    _cleanup_free_ char *repo = NULL, *tag = NULL;
    if (nn)
      hutch_image_split_name(img->names[k], &repo, &tag);
    else
      repo = strdup("<none>"), tag = strdup("<none>");
    if (!repo || !tag)
      return hutch_error_set(err, ENOMEM, "images");
    if (!hutch_image_filter_name(&x->f, repo, tag) ||
        (!matches(x->arg, repo, tag) && !(nn && x->arg && strcmp(x->arg, img->names[k]) == 0)))
      continue;
    _cleanup_json_ json_t *row = image_row(x, img, repo, tag);
    if (x->quiet) { /* one line per image, not per name */
      const char *id = json_string_value(json_object_get(row, "ID"));
      bool dup = false;
      for (char **s = x->seen; s && *s && !dup; s++)
        dup = strcmp(*s, id) == 0;
      if (dup)
        continue;
      hutch_strv_push(&x->seen, id);
    }
    if (cli_format_row(cf, row, err) < 0)
      return -1;
  }
  return 0;
}

static int images_list(struct images_run *x, struct cli_format *cf, struct hutch_error **err) {
  if (image_cli_open_store(&x->s, err) < 0 ||
      hutch_image_filter_times(x->s, &x->f, &x->before, &x->since, err) < 0)
    return -1;
  struct hutch_image **v = NULL;
  size_t ni = 0;
  if (hutch_image_list(x->s, &v, &ni, err) < 0)
    return -1;
  int r = 0;
  for (size_t i = 0; i < ni && r == 0; i++)
    r = image_rows(x, v[i], cf, err);
  hutch_image_list_free(v, ni);
  return r < 0 ? -1 : cli_format_flush(cf, stdout, err);
}

int cmd_images(int argc, char **argv) {
  bool digests = false, all = false;
  struct images_run x = {0};
  const char *format = NULL;
  _cleanup_strv_ char **filters = NULL;
  const struct hutch_flag flags[] = {
      {"all", 'a', HUTCH_FLAG_BOOL, &all,
       "Show all images (hutch keeps no intermediate images: the same list)"},
      {"digests", 0, HUTCH_FLAG_BOOL, &digests, "Show digests"},
      {"filter", 'f', HUTCH_FLAG_LIST, &filters, "Filter output based on conditions provided",
       "filter"},
      {"format", 0, HUTCH_FLAG_STRING, &format,
       "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'"},
      {"no-trunc", 0, HUTCH_FLAG_BOOL, &x.notrunc, "Don't truncate output"},
      {"quiet", 'q', HUTCH_FLAG_BOOL, &x.quiet, "Only show image IDs"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] [REPOSITORY[:TAG]]", "List images", flags, 0, 1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  x.arg = n ? argv[1] : NULL;
  struct hutch_error *err = NULL;
  struct cli_format cf = {0};
  x.quiet = x.quiet && (!format || strcmp(format, "table") == 0);
  if (hutch_image_filter_parse(filters, &x.f, &err) == 0 &&
      cli_format_open(&cf, format, digests ? IMAGES_DIGESTS_TABLE : IMAGES_TABLE,
                      x.quiet ? "{{.ID}}" : NULL, images_header(), &err) == 0)
    r = images_list(&x, &cf, &err);
  else
    r = -1;
  cli_format_free(&cf);
  hutch_image_filter_free(&x.f);
  hutch_strv_free(x.seen);
  if (x.s)
    hutch_store_close(x.s);
  return r < 0 ? image_cli_fail(err) : 0;
}
