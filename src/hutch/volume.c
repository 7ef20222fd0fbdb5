/* hutch volume create|ls|rm|inspect|prune. */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"
#include "format.h"

#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* docker's local driver is the only one; its options (tmpfs, a device
 * or NFS mounted at each use) are not hutch's: its volumes are
 * directories, so refuse them rather than ignore them. */
static int vol_check_driver(const char *name, const char *driver, char **opts,
                            struct hutch_error **err) {
  if (strcmp(driver, "local") != 0)
    return hutch_error_say(err, ENOENT,
                           "create %s: error looking up volume plugin %s: plugin \"%s\" not found",
                           name, driver, driver);
  if (opts && *opts)
    return hutch_error_say(err, ENOTSUP,
                           "create %s: volume options (--opt %s): not supported: hutch's local "
                           "volumes are directories",
                           name, *opts);
  return 0;
}

static int vol_create(int argc, char **argv) {
  const char *driver = "local";
  _cleanup_strv_ char **opts = NULL, **labels = NULL;
  const struct hutch_flag flags[] = {
      {"driver", 'd', HUTCH_FLAG_STRING, &driver, "Specify volume driver name", "string"},
      {"label", 0, HUTCH_FLAG_LIST, &labels, "Set metadata for a volume", "list"},
      {"opt", 'o', HUTCH_FLAG_LIST, &opts, "Set driver specific options", "map"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] [VOLUME]", "Create a volume", flags, 0, 1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_error *err = NULL;
  if (vol_check_driver(n ? argv[1] : "", driver, opts, &err) < 0)
    return ctr_cli_fail(err);
  _cleanup_json_ json_t *lab = labels ? json_object() : NULL;
  for (char **l = labels; l && *l; l++) {
    char *eq = strchr(*l, '=');
    _cleanup_free_ char *k = eq ? strndup(*l, (size_t)(eq - *l)) : strdup(*l);
    json_object_set_new(lab, k ? k : "", json_string(eq ? eq + 1 : ""));
  }
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  _cleanup_free_ char *name = NULL;
  if (hutch_volume_create(e, n ? argv[1] : NULL, n == 0, lab, &name, NULL, &err) < 0)
    return ctr_cli_fail(err);
  printf("%s\n", name);
  return 0;
}

/* --filter KEY=VALUE for volume ls: dangling, name, driver, label. */
struct vol_filter {
  int dangling; /* -1: any */
  char **names, **labels;
  bool other_driver;
};

static int parse_filters(char **filters, struct vol_filter *f) {
  f->dangling = -1;
  for (char **p = filters; p && *p; p++) {
    const char *eq = strchr(*p, '=');
    if (!eq) {
      fprintf(stderr, "hutch: bad format of filter (expected name=value)\n");
      return -1;
    }
    const char *v = eq + 1;
    size_t klen = (size_t)(eq - *p);
    if (klen == 8 && strncmp(*p, "dangling", 8) == 0) {
      if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
        f->dangling = 1;
      else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        f->dangling = 0;
      else {
        fprintf(stderr, "hutch: invalid filter 'dangling=%s'\n", v);
        return -1;
      }
    } else if (klen == 4 && strncmp(*p, "name", 4) == 0) {
      hutch_strv_push(&f->names, v);
    } else if (klen == 5 && strncmp(*p, "label", 5) == 0) {
      hutch_strv_push(&f->labels, v);
    } else if (klen == 6 && strncmp(*p, "driver", 6) == 0) {
      f->other_driver = f->other_driver || strcmp(v, "local") != 0;
    } else {
      fprintf(stderr, "hutch: invalid filter '%.*s'\n", (int)klen, *p);
      return -1;
    }
  }
  return 0;
}

static bool label_matches(json_t *labels, const char *want) {
  const char *eq = strchr(want, '=');
  _cleanup_free_ char *key = eq ? strndup(want, (size_t)(eq - want)) : strdup(want);
  json_t *v = key ? json_object_get(labels, key) : NULL;
  return v && (!eq || strcmp(json_string_value(v) ?: "", eq + 1) == 0);
}

static bool vol_matches(struct hutch_engine *e, const struct vol_filter *f, const char *name,
                        json_t *info) {
  if (f->other_driver)
    return false;
  bool any = f->names == NULL;
  for (char **n = f->names; n && *n && !any; n++)
    any = strstr(name, *n) != NULL;
  if (!any)
    return false;
  for (char **l = f->labels; l && *l; l++)
    if (!label_matches(json_object_get(info, "Labels"), *l))
      return false;
  if (f->dangling >= 0) {
    _cleanup_strv_ char **users = NULL;
    if (hutch_volume_users(e, name, &users, NULL) < 0)
      return false;
    if ((users && users[0]) == (f->dangling == 1))
      return false;
  }
  return true;
}

/* docker's volume ls row: Labels as "k=v,k2=v2", Size "N/A". */
static json_t *vol_row(json_t *info) {
  char *labels = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&labels, &len);
  const char *k;
  json_t *v;
  bool first = true;
  json_object_foreach(json_object_get(info, "Labels"), k, v) {
    fprintf(m, "%s%s=%s", first ? "" : ",", k, json_string_value(v) ?: "");
    first = false;
  }
  fclose(m);
  json_t *row = json_pack(
      "{s:O, s:s, s:O, s:O, s:O, s:s}", "Driver", json_object_get(info, "Driver"), "Labels",
      labels ? labels : "", "Mountpoint", json_object_get(info, "Mountpoint"), "Name",
      json_object_get(info, "Name"), "Scope", json_object_get(info, "Scope"), "Size", "N/A");
  /* for {{.Label "key"}} (template.h) */
  json_t *l = json_object_get(info, "Labels");
  if (row)
    json_object_set_new(row, "Label", json_is_object(l) ? json_deep_copy(l) : json_object());
  free(labels);
  return row;
}

static int vol_ls(int argc, char **argv) {
  bool quiet = false;
  const char *format = NULL;
  _cleanup_strv_ char **filters = NULL;
  const struct hutch_flag flags[] = {
      {"filter", 'f', HUTCH_FLAG_LIST, &filters,
       "Provide filter values (e.g. \"dangling=true\", \"name=NAME\", \"label=KEY[=VALUE]\")",
       "filter"},
      {"format", 0, HUTCH_FLAG_STRING, &format,
       "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or 'TEMPLATE'"},
      {"quiet", 'q', HUTCH_FLAG_BOOL, &quiet, "Only display volume names"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS]", "List volumes", flags, 0, 0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  struct hutch_error *err = NULL;
  _cleanup_strv_ char **fnames = NULL, **flabels = NULL;
  struct vol_filter vf = {0};
  int pr = parse_filters(filters, &vf);
  fnames = vf.names;
  flabels = vf.labels;
  if (pr < 0)
    return HUTCH_EXIT_ERROR;
  _cleanup_json_ json_t *header =
      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "Driver", "DRIVER", "Name", "VOLUME NAME",
                "Labels", "LABELS", "Mountpoint", "MOUNTPOINT", "Scope", "SCOPE", "Size", "SIZE");
  struct cli_format cf;
  if (cli_format_open(&cf, format, "table {{.Driver}}\t{{.Name}}", quiet ? "{{.Name}}" : NULL,
                      header, &err) < 0)
    return ctr_cli_fail(err);
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  _cleanup_strv_ char **names = NULL;
  if (!e || hutch_volume_list(e, &names, &err) < 0) {
    cli_format_free(&cf);
    return e ? ctr_cli_fail(err) : HUTCH_EXIT_ERROR;
  }
  for (char **v = names; *v; v++) {
    _cleanup_json_ json_t *info = hutch_volume_inspect(e, *v, NULL);
    if (!info || !vol_matches(e, &vf, *v, info))
      continue;
    _cleanup_json_ json_t *row = vol_row(info);
    if (cli_format_row(&cf, row, &err) < 0) {
      cli_format_free(&cf);
      return ctr_cli_fail(err);
    }
  }
  if (cli_format_flush(&cf, stdout, &err) < 0)
    return ctr_cli_fail(err);
  return 0;
}

static int vol_rm(int argc, char **argv) {
  bool force = false;
  const struct hutch_flag flags[] = {
      {"force", 'f', HUTCH_FLAG_BOOL, &force, "Force the removal of one or more volumes"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] VOLUME [VOLUME...]", "Remove one or more volumes", flags,
                                1, -1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  int ret = 0;
  for (int i = 1; i <= n; i++) {
    if (hutch_volume_remove(e, argv[i], force, &err) < 0) {
      ctr_cli_report(&err);
      ret = 1;
      continue;
    }
    printf("%s\n", argv[i]);
  }
  return ret;
}

static json_t *vol_inspect_one(void *ud, const char *name, struct hutch_error **err) {
  return hutch_volume_inspect(ud, name, err);
}

static int vol_inspect(int argc, char **argv) {
  const char *format = NULL;
  const struct hutch_flag flags[] = {
      {"format", 'f', HUTCH_FLAG_STRING, &format,
       "Format output using the given Go template (or \"json\")"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] VOLUME [VOLUME...]",
                                "Display detailed information on one or more volumes", flags, 1,
                                -1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  return cli_inspect_print(argv + 1, n, format, vol_inspect_one, e);
}

static int vol_prune(int argc, char **argv) {
  bool all = false, force = false;
  const struct hutch_flag flags[] = {
      {"all", 'a', HUTCH_FLAG_BOOL, &all, "Remove all unused volumes, not just anonymous ones"},
      {"force", 'f', HUTCH_FLAG_BOOL, &force, "Do not prompt for confirmation"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS]", "Remove unused local volumes", flags, 0, 0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  /* docker prunes anonymous volumes only, unless -a */
  if (!force && !hutch_confirm(all ? "WARNING! This will remove all local volumes not used by at "
                                     "least one container."
                                   : "WARNING! This will remove anonymous local volumes not used "
                                     "by at least one container."))
    return 0;
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_strv_ char **names = NULL;
  if (hutch_volume_list(e, &names, &err) < 0)
    return ctr_cli_fail(err);
  printf("Deleted Volumes:\n");
  for (char **v = names; *v; v++) {
    _cleanup_json_ json_t *j = hutch_volume_inspect(e, *v, NULL);
    bool anon = j && json_object_get(json_object_get(j, "Labels"), "com.docker.volume.anonymous");
    if (!all && !anon)
      continue;
    if (hutch_volume_remove(e, *v, false, NULL) == 0)
      printf("%s\n", *v);
  }
  return 0;
}

int cmd_volume(int argc, char **argv) {
  static const struct hutch_subcmd subs[] = {
      {"create", vol_create, "Create a volume"},
      {"inspect", vol_inspect, "Display detailed information on one or more volumes"},
      {"ls", vol_ls, "List volumes"},
      {"list", vol_ls, NULL},
      {"prune", vol_prune, "Remove unused local volumes"},
      {"rm", vol_rm, "Remove one or more volumes"},
      {"remove", vol_rm, NULL},
      {NULL, NULL, NULL},
  };
  return hutch_subcmd_dispatch("Manage volumes", subs, argc, argv);
}
