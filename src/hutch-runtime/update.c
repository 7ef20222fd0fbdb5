/* `update [--resources FILE|-] [runc's resource flags] ID`: change the
 * cgroup limits of a live container. The flags are turned into a
 * linux.resources object (on top of the --resources one, if given) and the
 * library validates and applies it like config.json's. */
#include "verbs.h"

#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/units.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind {
  K_SIZE,   /* "64m", or -1 for unlimited (runc's memory flags) */
  K_U64,    /* decimal, >= 0 */
  K_I64,    /* decimal, may be negative (quota -1 = unlimited) */
  K_U16,    /* blkio weight */
  K_STRING, /* cpuset lists */
  K_REFUSE, /* Intel RDT: not supported */
};

/* runc's flags and where each lands in linux.resources. */
static const struct flag {
  const char *name;
  const char *section; /* "memory", "cpu", "pids", "blockIO" */
  const char *key;
  enum kind kind;
} flags[] = {
    {"memory", "memory", "limit", K_SIZE},
    {"memory-reservation", "memory", "reservation", K_SIZE},
    {"memory-swap", "memory", "swap", K_SIZE},
    {"kernel-memory", "memory", "kernel", K_SIZE},
    {"kernel-memory-tcp", "memory", "kernelTCP", K_SIZE},
    {"cpu-share", "cpu", "shares", K_U64},
    {"cpu-shares", "cpu", "shares", K_U64},
    {"cpu-quota", "cpu", "quota", K_I64},
    {"cpu-period", "cpu", "period", K_U64},
    {"cpu-burst", "cpu", "burst", K_U64},
    {"cpu-rt-runtime", "cpu", "realtimeRuntime", K_I64},
    {"cpu-rt-period", "cpu", "realtimePeriod", K_U64},
    {"cpu-idle", "cpu", "idle", K_I64},
    {"cpuset-cpus", "cpu", "cpus", K_STRING},
    {"cpuset-mems", "cpu", "mems", K_STRING},
    {"pids-limit", "pids", "limit", K_I64},
    {"blkio-weight", "blockIO", "weight", K_U16},
    {"l3-cache-schema", NULL, NULL, K_REFUSE},
    {"mem-bw-schema", NULL, NULL, K_REFUSE},
};

static json_t *flag_value(const struct flag *f, const char *arg) {
  int64_t v;
  int r;
  switch (f->kind) {
  case K_SIZE:
    if (strcmp(arg, "-1") == 0)
      return json_integer(-1);
    r = hutch_parse_size(arg, &v);
    if (r < 0)
      goto bad;
    return json_integer(v);
  case K_U64:
    if (hutch_parse_int64(arg, 0, INT64_MAX, &v) < 0)
      goto bad;
    return json_integer(v);
  case K_I64:
    if (hutch_parse_int64(arg, INT64_MIN, INT64_MAX, &v) < 0)
      goto bad;
    return json_integer(v);
  case K_U16:
    if (hutch_parse_int64(arg, 0, UINT16_MAX, &v) < 0)
      goto bad;
    return json_integer(v);
  case K_STRING:
    return json_string(arg);
  case K_REFUSE:
    fprintf(stderr, "hutch-runtime: update --%s: Intel RDT is not supported by this runtime\n",
            f->name);
    return NULL;
  }
bad:
  fprintf(stderr, "hutch-runtime: update --%s: invalid value \"%s\"%s\n", f->name, arg,
          f->kind == K_SIZE ? " (a size like 512k, 64m, 1g, or -1)" : "");
  return NULL;
}

/* The --resources document: a file, or stdin for "-". */
static json_t *load_resources(const char *path) {
  json_error_t jerr;
  json_t *j = strcmp(path, "-") == 0 ? json_loadf(stdin, 0, &jerr) : json_load_file(path, 0, &jerr);
  if (j == NULL) {
    fprintf(stderr, "hutch-runtime: update --resources %s: line %d: %s\n", path, jerr.line,
            jerr.text);
    return NULL;
  }
  if (!json_is_object(j)) {
    fprintf(stderr, "hutch-runtime: update --resources %s: must be a linux.resources object\n",
            path);
    json_decref(j);
    return NULL;
  }
  return j;
}

static void usage(FILE *f) {
  fprintf(f, "Usage: hutch-runtime update [options] ID\n\n"
             "  -r, --resources FILE|-   linux.resources JSON (\"-\": stdin)\n");
  for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
    fprintf(f, "  --%s VALUE\n", flags[i].name);
}

VERB(update) {
  enum { N = sizeof(flags) / sizeof(flags[0]) };
  struct option opts[N + 3];
  for (size_t i = 0; i < N; i++)
    opts[i] = (struct option){flags[i].name, required_argument, NULL, 256 + (int)i};
  opts[N] = (struct option){"resources", required_argument, NULL, 'r'};
  opts[N + 1] = (struct option){"help", no_argument, NULL, 'h'};
  opts[N + 2] = (struct option){0};

  const char *resources_path = NULL;
  /* Flags are applied after --resources, whatever their order. */
  const char *values[N] = {0};
  int c;
  while ((c = getopt_long_only(argc, argv, "r:h", opts, NULL)) != -1) {
    if (c == 'r')
      resources_path = optarg;
    else if (c >= 256 && c < 256 + (int)N)
      values[c - 256] = optarg;
    else {
      usage(c == 'h' ? stdout : stderr);
      return c == 'h' ? 0 : 1;
    }
  }
  const char *id = verb_one_id(argc, argv, optind, "update [options] ID");
  if (id == NULL)
    return 1;

  _cleanup_json_ json_t *res = resources_path ? load_resources(resources_path) : json_object();
  if (res == NULL)
    return 1;
  bool any = resources_path != NULL;
  for (size_t i = 0; i < N; i++) {
    if (values[i] == NULL)
      continue;
    json_t *v = flag_value(&flags[i], values[i]);
    if (v == NULL)
      return 1;
    json_t *sec = json_object_get(res, flags[i].section);
    if (!json_is_object(sec)) {
      sec = json_object();
      json_object_set_new(res, flags[i].section, sec);
    }
    json_object_set_new(sec, flags[i].key, v);
    any = true;
  }
  if (!any) {
    fprintf(stderr,
            "hutch-runtime: update: nothing to update (give --resources or a resource flag)\n");
    return 1;
  }
  struct hutch_error *e = NULL;
  if (hutch_container_update(&g->rt, id, res, &e) < 0)
    return verb_fail(e);
  return 0;
}
