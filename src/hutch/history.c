/* hutch image history (and hutch history) [-H=false] [--no-trunc] [-q]
 * [--format F] IMAGE: the image's history entries, newest first, with the
 * size of the layer each made (image/history.h). */
#include "commands.h"
#include "flags.h"
#include "image_cli.h"
#include "format.h"
#include "sys_cli.h"

#include "image/history.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/units.h"

#include <stdio.h>
#include <string.h>

struct history_opts {
  bool human, no_trunc, quiet;
  const char *format;
};

/* docker's stringutils.Ellipsis: at most max characters, the last "…". */
static void ellipsis(const char *s, size_t max, char *buf, size_t n) {
  size_t chars = 0, cut = 0;
  for (size_t i = 0; s[i]; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80 && ++chars == max)
      cut = i; /* where the max-th character starts */
  if (chars <= max)
    snprintf(buf, n, "%s", s);
  else
    snprintf(buf, n, "%.*s…", (int)cut, s);
}

/* One entry's columns as docker's history formatter has them. */
static json_t *entry_json(const struct hutch_history_entry *h, const char *image_id,
                          const struct history_opts *o) {
  char id[80], since[48], size[32], by[4096];
  if (!h->is_top)
    snprintf(id, sizeof(id), "<missing>");
  else if (o->no_trunc)
    snprintf(id, sizeof(id), "%s", image_id);
  else
    image_cli_short_id(image_id, id);
  if (o->human) {
    if (h->created[0])
      image_cli_human_since(h->created, since, sizeof(since));
    else
      snprintf(since, sizeof(since), "N/A");
    hutch_format_size(h->size, false, 3, size, sizeof(size));
  } else {
    snprintf(since, sizeof(since), "%s", h->created[0] ? h->created : "N/A");
    snprintf(size, sizeof(size), "%lld", (long long)h->size);
  }
  /* docker: tabs would break the table */
  _cleanup_free_ char *flat = strdup(h->created_by);
  for (char *p = flat; p && *p; p++)
    if (*p == '\t' || *p == '\n')
      *p = ' ';
  if (o->no_trunc)
    snprintf(by, sizeof(by), "%s", flat ? flat : "");
  else
    ellipsis(flat ? flat : "", 45, by, sizeof(by));
  return json_pack("{ss ss ss ss ss ss}", "ID", id, "CreatedSince", since, "CreatedAt", h->created,
                   "CreatedBy", by, "Size", size, "Comment", h->comment);
}

static int print_history(const struct hutch_image *img, const struct hutch_history_entry *v,
                         size_t n, const struct history_opts *o) {
  _cleanup_json_ json_t *header =
      json_pack("{ss ss ss ss ss ss}", "ID", "IMAGE", "CreatedSince", "CREATED", "CreatedAt",
                "CREATED AT", "CreatedBy", "CREATED BY", "Size", "SIZE", "Comment", "COMMENT");
  struct hutch_error *err = NULL;
  struct cli_format cf;
  if (cli_format_open(&cf, o->format,
                      "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
                      o->quiet ? "{{.ID}}" : NULL, header, &err) < 0)
    return image_cli_fail(err);
  for (size_t i = 0; i < n; i++) {
    _cleanup_json_ json_t *j = entry_json(&v[i], img->id, o);
    if (cli_format_row(&cf, j, &err) < 0) {
      cli_format_free(&cf);
      return image_cli_fail(err);
    }
  }
  if (cli_format_flush(&cf, stdout, &err) < 0)
    return image_cli_fail(err);
  return 0;
}

int cmd_history(int argc, char **argv) {
  struct history_opts o = {.human = true};
  const struct hutch_flag flags[] = {
      {"format", 0, HUTCH_FLAG_STRING, &o.format,
       "Format output using a custom template: 'json' or a Go template"},
      {"human", 'H', HUTCH_FLAG_BOOL, &o.human,
       "Print sizes and dates in human readable format (default true)"},
      {"no-trunc", 0, HUTCH_FLAG_BOOL, &o.no_trunc, "Don't truncate output"},
      {"quiet", 'q', HUTCH_FLAG_BOOL, &o.quiet, "Only show image IDs"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] IMAGE", "Show the history of an image", flags, 1, 1};
  int nargs, r = hutch_flags_parse(&cmd, argc, argv, &nargs);
  if (r != 0)
    return hutch_flags_status(r);
  if (cli_check_format(o.format) < 0) /* before the store is touched */
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_store_ struct hutch_store *s = NULL;
  _cleanup_image_ struct hutch_image *img = NULL;
  struct hutch_history_entry *v = NULL;
  size_t n = 0;
  if (image_cli_open_store(&s, &err) < 0 || hutch_image_lookup(s, argv[1], &img, &err) < 0 ||
      hutch_image_history(img, &v, &n, &err) < 0)
    return image_cli_fail(err);
  int status = print_history(img, v, n, &o);
  hutch_history_free(v, n);
  return status;
}
