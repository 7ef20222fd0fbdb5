/* hutch ps [-a] [-q] [-s] [-n N] [-l] [--no-trunc] [--filter K=V]
 * [--format F]: list containers as docker does (running ones unless -a),
 * through docker's formatter: its columns, its table, its templates. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"
#include "format.h"
#include "image_cli.h"

#include "engine/ctrquery.h"
#include "engine/netsetup.h"
#include "linux/rootless.h"

#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PS_TABLE                                                                                   \
  "table "                                                                                         \
  "{{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}\\t{{.Names}}"

struct ps_opts {
  bool notrunc, size;
  struct hutch_engine *e;
  struct hutch_store *store; /* for -s: the images' sizes */
};

/* CreatedAt as Go prints a time: "2006-01-02 15:04:05 +0000 UTC". */
static void created_at(const char *rfc3339, char *buf, size_t n) {
  time_t t;
  struct tm tm;
  if (hutch_parse_rfc3339(rfc3339, &t) < 0 || !gmtime_r(&t, &tm))
    snprintf(buf, n, "%s", rfc3339);
  else
    strftime(buf, n, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
}

static json_t *joined(char **v) {
  _cleanup_free_ char *s = hutch_strv_join(v, ",");
  return json_string(s ? s : "");
}

/* The columns that need the configuration: Labels, Mounts, Networks,
 * LocalVolumes (empty for brief records). */
static void config_columns(json_t *row, struct hutch_ctr *c, bool trunc) {
  _cleanup_strv_ char **labels = NULL, **mounts = NULL, **nets = NULL;
  const char *k;
  json_t *v;
  json_object_foreach(c->cfg.labels, k, v) {
    _cleanup_free_ char *kv = NULL;
    if (asprintf(&kv, "%s=%s", k, json_string_value(v) ?: "") >= 0)
      hutch_strv_push(&labels, kv);
  }
  size_t i, local = 0;
  json_array_foreach(c->cfg.mounts, i, v) {
    const char *name = json_string_value(json_object_get(v, "Name"));
    const char *src = json_string_value(json_object_get(v, "Source"));
    local += name && *name;
    char cut[4 * 15 + 4];
    const char *what = name && *name ? name : src ? src : "";
    hutch_strv_push(&mounts, trunc ? ctr_cli_ellipsis(what, 15, cut) : what);
  }
  json_array_foreach(json_object_get(c->cfg.net, "networks"), i, v) {
    const char *name = json_string_value(json_object_get(v, "name"));
    if (name)
      hutch_strv_push(&nets, name);
  }
  hutch_strv_sort(labels);
  hutch_strv_sort(nets);
  json_object_set_new(row, "Labels", joined(labels));
  /* for {{.Label "key"}} (template.h) */
  json_object_set_new(row, "Label", c->cfg.labels ? json_deep_copy(c->cfg.labels) : json_object());
  json_object_set_new(row, "Mounts", joined(mounts));
  json_object_set_new(row, "Networks", joined(nets));
  char n[24];
  snprintf(n, sizeof(n), "%zu", local);
  json_object_set_new(row, "LocalVolumes", json_string(n));
}

/* SIZE: "2B (virtual 7.8MB)", the writable layer and it with its image. */
static json_t *size_text(struct ps_opts *o, struct hutch_ctr *c) {
  int64_t rw = hutch_ctr_rw_size(c), img = 0;
  _cleanup_image_ struct hutch_image *image = NULL;
  if (o->store && c->rec && hutch_image_lookup(o->store, c->cfg.image_id, &image, NULL) == 0)
    img = image->size;
  char a[32], b[32], out[80];
  image_cli_human_size(rw, a, sizeof(a));
  image_cli_human_size(rw + img, b, sizeof(b));
  snprintf(out, sizeof(out), "%s (virtual %s)", a, b);
  return json_string(out);
}

/* One container as docker's ContainerContext shows it. */
static json_t *ps_row(struct ps_opts *o, struct hutch_ctr *c) {
  char id[65], status[128], running_for[80], created[64];
  snprintf(id, sizeof(id), o->notrunc ? "%s" : "%.12s", c->id);
  ctr_cli_status_text(o->e, c, status, sizeof(status));
  ctr_cli_running_for(c->created, running_for, sizeof(running_for));
  created_at(c->created, created, sizeof(created));
  _cleanup_free_ char *ports = hutch_engine_net_ports_text(o->e, c);
  _cleanup_free_ char *cmd = ctr_cli_command_text(c->command ? c->command : "", !o->notrunc);
  json_t *row =
      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id,
                "Image", c->image_name ? c->image_name : "", "Command", cmd ? cmd : "\"\"",
                "CreatedAt", created, "RunningFor", running_for, "Ports", ports ? ports : "",
                "State", hutch_ctr_status(o->e, c), "Status", status, "Names", c->name, "Size",
                "0B", "Labels", "", "Mounts", "", "Networks", "", "LocalVolumes", "0");
  if (row && c->rec)
    config_columns(row, c, !o->notrunc);
  if (row && o->size)
    json_object_set_new(row, "Size", size_text(o, c));
  return row;
}

static const json_t *ps_header(void) {
  static json_t *h;
  if (!h)
    h = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID",
                  "CONTAINER ID", "Image", "IMAGE", "Command", "COMMAND", "CreatedAt", "CREATED AT",
                  "RunningFor", "CREATED", "Ports", "PORTS", "State", "STATE", "Status", "STATUS",
                  "Names", "NAMES", "Size", "SIZE", "Labels", "LABELS", "Mounts", "MOUNTS",
                  "Networks", "NETWORKS", "LocalVolumes", "LOCAL VOLUMES");
  return h;
}

/* Whether the format shows a column that needs the configuration. */
static bool wants_config(const char *format) {
  static const char *const keys[] = {"Labels",       "Label ", "Mounts", "Networks",
                                     "LocalVolumes", "json",   "{{.}}",  "$"};
  /* rootless, the ports (the default table's) are in the configuration:
   * one query for all rather than one per running container */
  if (hutch_rootless() && (!format || strstr(format, "Ports") || strcmp(format, "table") == 0))
    return true;
  if (!format)
    return false;
  if (strcmp(format, "json") == 0)
    return true;
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    if (strstr(format, keys[i]))
      return true;
  return false;
}

static int ps_print(struct ps_opts *o, struct hutch_ctr **v, size_t n, struct cli_format *cf) {
  struct hutch_error *err = NULL;
  for (size_t i = 0; i < n; i++) {
    _cleanup_json_ json_t *row = ps_row(o, v[i]);
    if (!row || cli_format_row(cf, row, &err) < 0) {
      cli_format_free(cf);
      return ctr_cli_fail(err);
    }
  }
  if (cli_format_flush(cf, stdout, &err) < 0)
    return ctr_cli_fail(err);
  return 0;
}

int cmd_ps(int argc, char **argv) {
  bool all = false, quiet = false, latest = false;
  struct ps_opts o = {0};
  const char *format = NULL;
  int64_t last = -1;
  _cleanup_strv_ char **filters = NULL;
  const struct hutch_flag flags[] = {
      {"all", 'a', HUTCH_FLAG_BOOL, &all, "Show all containers (default shows just running)"},
      {"filter", 'f', HUTCH_FLAG_LIST, &filters, "Filter output based on conditions provided",
       "filter"},
      {"format", 0, HUTCH_FLAG_STRING, &format,
       "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'"},
      {"last", 'n', HUTCH_FLAG_INT, &last, "Show n last created containers (includes all states)",
       "int"},
      {"latest", 'l', HUTCH_FLAG_BOOL, &latest,
       "Show the latest created container (includes all "
       "states)"},
      {"no-trunc", 0, HUTCH_FLAG_BOOL, &o.notrunc, "Don't truncate output"},
      {"quiet", 'q', HUTCH_FLAG_BOOL, &quiet, "Only display container IDs"},
      {"size", 's', HUTCH_FLAG_BOOL, &o.size, "Display total file sizes"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS]", "List containers", flags, 0, 0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_error *err = NULL;
  struct hutch_ctr_query q;
  if (hutch_ctr_query_parse(filters, &q, &err) < 0) {
    hutch_ctr_query_free(&q);
    return ctr_cli_fail(err);
  }
  q.all = all;
  q.last = latest ? 1 : last;
  struct cli_format cf;
  r = cli_format_open(&cf, format, o.size ? PS_TABLE "\\t{{.Size}}" : PS_TABLE,
                      quiet ? "{{.ID}}" : NULL, ps_header(), &err);
  _cleanup_engine_ struct hutch_engine *e = r < 0 ? NULL : ctr_cli_engine();
  struct hutch_ctr **v = NULL;
  size_t nc = 0;
  if (r < 0 || !e ||
      hutch_ctr_list_query(e, &q, o.size || wants_config(format), &v, &nc, &err) < 0) {
    hutch_ctr_query_free(&q);
    cli_format_free(&cf);
    return err ? ctr_cli_fail(err) : HUTCH_EXIT_ERROR;
  }
  hutch_ctr_query_free(&q);
  o.e = e;
  if (o.size)
    hutch_engine_store(e, &o.store, NULL);
  r = ps_print(&o, v, nc, &cf);
  hutch_ctr_list_free(v, nc);
  return r;
}
