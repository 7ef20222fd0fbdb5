/* hutch system df|events|info|prune: docker's management command for
 * the engine as a whole. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"
#include "image_cli.h"
#include "image/filter.h"
#include "sys_cli.h"
#include "format.h"

#include "engine/df.h"
#include "engine/prune.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/table.h"
#include "util/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void size_text(int64_t b, char *buf, size_t n) {
  hutch_format_size(b, false, 4, buf, n);
}

/* "11.63MB (70%)"; docker leaves the percentage out of Build Cache and
 * of an empty row. */
static void reclaimable_text(const struct hutch_df_row *r, char *buf, size_t n) {
  char sz[32];
  size_text(r->reclaimable, sz, sizeof(sz));
  if (r->size <= 0 || strcmp(r->type, "Build Cache") == 0)
    snprintf(buf, n, "%s", sz);
  else
    snprintf(buf, n, "%s (%d%%)", sz, (int)((r->reclaimable * 100) / r->size));
}

static json_t *row_json(const struct hutch_df_row *r) {
  char sz[32], rec[48];
  size_text(r->size, sz, sizeof(sz));
  reclaimable_text(r, rec, sizeof(rec));
  return json_pack("{ss sI sI ss ss}", "Type", r->type, "TotalCount", (json_int_t)r->total,
                   "Active", (json_int_t)r->active, "Size", sz, "Reclaimable", rec);
}

/* The summary through docker's formatter: its table, or --format. */
static int df_summary_print(const struct hutch_df_row *rows, const char *format) {
  _cleanup_json_ json_t *header =
      json_pack("{ss ss ss ss ss}", "Type", "TYPE", "TotalCount", "TOTAL", "Active", "ACTIVE",
                "Size", "SIZE", "Reclaimable", "RECLAIMABLE");
  struct hutch_error *err = NULL;
  struct cli_format cf;
  if (cli_format_open(&cf, format,
                      "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
                      NULL, header, &err) < 0)
    return ctr_cli_fail(err);
  for (size_t i = 0; i < 4; i++) {
    _cleanup_json_ json_t *j = row_json(&rows[i]);
    if (cli_format_row(&cf, j, &err) < 0) {
      cli_format_free(&cf);
      return ctr_cli_fail(err);
    }
  }
  if (cli_format_flush(&cf, stdout, &err) < 0)
    return ctr_cli_fail(err);
  return 0;
}

static void df_verbose(struct hutch_engine *e, const struct hutch_df *df) {
  printf("Images space usage:\n\n");
  _cleanup_table_ struct hutch_table *ti = hutch_table_new(8);
  hutch_table_addv(ti, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE",
                   "UNIQUE SIZE", "CONTAINERS");
  for (size_t i = 0; i < df->n_images; i++) {
    struct hutch_image *img = df->images[i];
    char id[13], since[40], sz[32], shared[32], unique[32], users[16];
    image_cli_short_id(img->id, id);
    image_cli_human_since(img->created, since, sizeof(since));
    size_text(img->size, sz, sizeof(sz));
    size_text(df->image_shared[i], shared, sizeof(shared));
    size_text(img->size - df->image_shared[i], unique, sizeof(unique));
    snprintf(users, sizeof(users), "%d", df->image_users[i]);
    size_t nn = img->names && img->names[0] ? hutch_strv_len(img->names) : 1;
    for (size_t k = 0; k < nn; k++) {
      _cleanup_free_ char *repo = NULL, *tag = NULL;
      if (img->names && img->names[0])
        hutch_image_split_name(img->names[k], &repo, &tag);
      hutch_table_addv(ti, repo ? repo : "<none>", tag ? tag : "<none>", id, since, sz, shared,
                       unique, users);
    }
  }
  hutch_table_print(ti, stdout);
  printf("\nContainers space usage:\n\n");
  _cleanup_table_ struct hutch_table *tc = hutch_table_new(8);
  hutch_table_addv(tc, "CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED",
                   "STATUS", "NAMES");
  for (size_t c = 0; c < df->n_ctrs; c++) {
    struct hutch_ctr *ct = df->ctrs[c];
    char id[13], vols[16], sz[32], since[40], status[96];
    snprintf(id, sizeof(id), "%.12s", ct->id);
    snprintf(vols, sizeof(vols), "%d", df->ctr_volumes[c]);
    _cleanup_free_ char *cmd = ctr_cli_command_text(ct->command ? ct->command : "", true);
    size_text(df->ctr_size[c], sz, sizeof(sz));
    image_cli_human_since(ct->created, since, sizeof(since));
    ctr_cli_status_text(e, ct, status, sizeof(status));
    hutch_table_addv(tc, id, ct->image_name, cmd ? cmd : "\"\"", vols, sz, since, status, ct->name);
  }
  hutch_table_print(tc, stdout);
  printf("\nLocal Volumes space usage:\n\n");
  _cleanup_table_ struct hutch_table *tv = hutch_table_new(3);
  hutch_table_addv(tv, "VOLUME NAME", "LINKS", "SIZE");
  for (size_t v = 0; v < df->n_volumes; v++) {
    char links[16], sz[32];
    snprintf(links, sizeof(links), "%d", df->volumes[v].links);
    size_text(df->volumes[v].size, sz, sizeof(sz));
    hutch_table_addv(tv, df->volumes[v].name, links, sz);
  }
  hutch_table_print(tv, stdout);
  printf("\nBuild cache usage: 0B\n\n");
  _cleanup_table_ struct hutch_table *tb = hutch_table_new(7);
  hutch_table_addv(tb, "CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED");
  hutch_table_print(tb, stdout);
}

static int sys_df(int argc, char **argv) {
  bool verbose = false;
  const char *format = NULL;
  const struct hutch_flag flags[] = {
      {"format", 0, HUTCH_FLAG_STRING, &format,
       "Format output using a custom template: 'json' or a Go template"},
      {"verbose", 'v', HUTCH_FLAG_BOOL, &verbose, "Show detailed information on space usage"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS]", "Show hutch disk usage", flags, 0, 0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  _cleanup_engine_ struct hutch_engine *e = cli_engine_for_format(format);
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  struct hutch_df df;
  if (hutch_engine_df(e, &df, &err) < 0)
    return ctr_cli_fail(err);
  struct hutch_df_row rows[4];
  hutch_df_summary(e, &df, rows);
  int status = 0;
  if (verbose && !format)
    df_verbose(e, &df);
  else
    status = df_summary_print(rows, format);
  hutch_df_clear(&df);
  return status;
}

void cli_prune_print(const char *title, const struct hutch_prune_report *r, bool total) {
  if (title && r->deleted && r->deleted[0]) {
    printf("%s:\n", title);
    for (char **d = r->deleted; *d; d++)
      printf("%s\n", *d);
    printf("\n");
  }
  if (total) {
    char sz[32];
    size_text(r->reclaimed, sz, sizeof(sz));
    printf("Total reclaimed space: %s\n", sz);
  }
}

int cli_prune_filters(char **filters, struct hutch_prune_filter *f) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct hutch_error *err = NULL;
  for (char **p = filters; p && *p; p++)
    if (hutch_prune_filter_add(f, *p, (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec, &err) < 0) {
      hutch_prune_filter_clear(f);
      ctr_cli_fail(err);
      return -1;
    }
  return 0;
}

int cli_prune_cmd(int argc, char **argv, const struct cli_prune *p) {
  bool force = false;
  _cleanup_strv_ char **filters = NULL;
  const struct hutch_flag flags[] = {
      {"filter", 0, HUTCH_FLAG_LIST, &filters, "Provide filter values (e.g. 'until=<timestamp>')",
       "filter"},
      {"force", 'f', HUTCH_FLAG_BOOL, &force, "Do not prompt for confirmation"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS]", p->summary, flags, 0, 0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_prune_filter f = {.until_ns = -1};
  if (cli_prune_filters(filters, &f) < 0)
    return HUTCH_EXIT_ERROR;
  if (!force && !hutch_confirm(p->warning)) {
    hutch_prune_filter_clear(&f);
    return 0;
  }
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  struct hutch_error *err = NULL;
  struct hutch_prune_report rep = {0};
  int status = 0;
  if (!e)
    status = HUTCH_EXIT_ERROR;
  else if (p->fn(e, &f, &rep, &err) < 0)
    status = ctr_cli_fail(err);
  else
    cli_prune_print(p->title, &rep, p->total);
  hutch_prune_report_clear(&rep);
  hutch_prune_filter_clear(&f);
  return status;
}

/* docker's confirmation text: what goes, and the filters. */
static char *prune_warning(bool all, bool volumes, char **filters) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f)
    return NULL;
  fprintf(f, "WARNING! This will remove:\n  - all stopped containers\n"
             "  - all networks not used by at least one container\n");
  if (volumes)
    fprintf(f, "  - all anonymous volumes not used by at least one container\n");
  fprintf(f, all ? "  - all images without at least one container associated to them\n"
                   "  - all build cache\n"
                 : "  - all dangling images\n  - all dangling build cache\n");
  if (filters) {
    fprintf(f, "\n  Items to be pruned will be filtered with:\n");
    for (char **p = filters; *p; p++)
      fprintf(f, "  - %s\n", *p);
  }
  if (fclose(f) != 0) {
    free(text);
    return NULL;
  }
  return text;
}

static int run_prunes(struct hutch_engine *e, const struct hutch_prune_filter *f, bool all,
                      bool volumes) {
  static const char *const titles[] = {"Deleted Containers", "Deleted Networks", "Deleted Volumes",
                                       "Deleted Images"};
  struct hutch_prune_report r[4] = {0};
  struct hutch_error *err = NULL;
  int status = 0;
  int64_t total = 0;
  if (hutch_prune_containers(e, f, &r[0], &err) < 0 ||
      hutch_prune_networks(e, f, &r[1], &err) < 0 ||
      (volumes && hutch_prune_volumes(e, f, false, &r[2], &err) < 0) ||
      hutch_prune_images(e, f, all, &r[3], &err) < 0)
    status = ctr_cli_fail(err);
  for (size_t i = 0; i < 4; i++) {
    cli_prune_print(titles[i], &r[i], false);
    total += r[i].reclaimed;
    hutch_prune_report_clear(&r[i]);
  }
  struct hutch_prune_report sum = {.reclaimed = total};
  cli_prune_print(NULL, &sum, true);
  return status;
}

static int sys_prune(int argc, char **argv) {
  bool all = false, force = false, volumes = false;
  _cleanup_strv_ char **filters = NULL;
  const struct hutch_flag flags[] = {
      {"all", 'a', HUTCH_FLAG_BOOL, &all, "Remove all unused images not just dangling ones"},
      {"filter", 0, HUTCH_FLAG_LIST, &filters, "Provide filter values (e.g. 'label=<key>=<value>')",
       "filter"},
      {"force", 'f', HUTCH_FLAG_BOOL, &force, "Do not prompt for confirmation"},
      {"volumes", 0, HUTCH_FLAG_BOOL, &volumes, "Prune volumes"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS]", "Remove unused data", flags, 0, 0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_prune_filter f = {.until_ns = -1};
  if (cli_prune_filters(filters, &f) < 0)
    return HUTCH_EXIT_ERROR;
  _cleanup_free_ char *warning = prune_warning(all, volumes, filters);
  if (!force && !hutch_confirm(warning ? warning : "WARNING! This will remove unused data.")) {
    hutch_prune_filter_clear(&f);
    return 0;
  }
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  int status = e ? run_prunes(e, &f, all, volumes) : HUTCH_EXIT_ERROR;
  hutch_prune_filter_clear(&f);
  return status;
}

int cmd_system(int argc, char **argv) {
  static const struct hutch_subcmd subs[] = {
      {"df", sys_df, "Show hutch disk usage"},
      {"events", cmd_events, "Get real time events from the engine"},
      {"info", cmd_info, "Display system-wide information"},
      {"prune", sys_prune, "Remove unused data"},
      {"service", cmd_system_service, "Serve the Docker Engine API on a socket"},
      {NULL, NULL, NULL},
  };
  return hutch_subcmd_dispatch("Manage hutch", subs, argc, argv);
}
