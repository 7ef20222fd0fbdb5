/* hutch check [--format table|json]: what this host gives hutch, and
 * whether hutch's defences hold here. Two halves: the kernel features
 * hutch relies on (linux/hostprobe.c), each with the hutch feature it
 * enables or the fallback used without it, and the self-protection
 * probes (engine/selfcheck.c) run against the binaries hutch would
 * execute. It opens no engine store and starts nothing, so it works on a
 * fresh host, and it is not re-executed sealed (main.c): it starts no
 * container process.
 *
 * Exit status: 0 when no row is FAIL (missing features with a fallback
 * are fine), 1 otherwise, 125 for a usage error. */
#include "commands.h"
#include "ctr_cli.h"

#include "engine/selfcheck.h"
#include "util/cleanup.h"
#include "util/json.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f) {
  fprintf(f, "Usage: hutch check [OPTIONS]\n\n"
             "Probe the host for the kernel features hutch relies on and check that\n"
             "hutch's self-protection works with these binaries. Exits 1 if any check\n"
             "is FAIL; 'missing' and 'fallback' rows are not failures.\n\n"
             "Options:\n"
             "      --format string  table (default) or json\n"
             "  -h, --help           print this help\n");
}

static void print_table(const struct hutch_probes *p) {
  int w = 5;
  for (size_t i = 0; i < p->n; i++)
    if ((int)strlen(p->v[i].name) > w)
      w = (int)strlen(p->v[i].name);
  printf("%-*s  %-8s  %s\n", w, "CHECK", "STATUS", "DETAIL");
  for (size_t i = 0; i < p->n; i++) {
    const struct hutch_probe *r = &p->v[i];
    printf("%-*s  %-8s  %s%s%s\n", w, r->name, hutch_probe_status_name(r->status), r->detail,
           *r->enables ? " -> " : "", r->enables);
  }
}

static int print_json(const struct hutch_probes *p) {
  _cleanup_json_ json_t *a = json_array();
  for (size_t i = 0; a && i < p->n; i++) {
    const struct hutch_probe *r = &p->v[i];
    if (json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "check", r->name, "status",
                                           hutch_probe_status_name(r->status), "detail", r->detail,
                                           "enables", r->enables)) < 0)
      return -1;
  }
  _cleanup_free_ char *t = a ? json_dumps(a, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;
  if (!t)
    return -1;
  printf("%s\n", t);
  return 0;
}

/* getopt's own message names "check" as the program; say it our way.
 * optopt is the option's letter for a missing value or an unknown short
 * option, 0 for an unknown long one. */
static int bad_option(char **argv) {
  char msg[160];
  if (optopt == 'f')
    snprintf(msg, sizeof(msg), "flag needs an argument: --format");
  else if (optopt)
    snprintf(msg, sizeof(msg), "unknown flag -%c", optopt);
  else
    snprintf(msg, sizeof(msg), "unknown flag %.100s", argv[optind - 1]);
  return ctr_cli_usage_error("check", msg);
}

/* --format: 0 table, 1 json, -1 anything else. */
static int parse_format(const char *v) {
  return strcmp(v, "table") == 0 ? 0 : strcmp(v, "json") == 0 ? 1 : -1;
}

int cmd_check(int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int json = 0, c;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return 0;
    }
    if (c != 'f')
      return bad_option(argv);
    if ((json = parse_format(optarg)) < 0)
      return ctr_cli_usage_error("check", "--format takes table or json");
  }
  if (optind < argc)
    return ctr_cli_usage_error("check", "accepts no arguments");
  struct hutch_probes p = {0};
  hutch_probe_host(&p);
  hutch_probe_self(&p);
  int status = hutch_probes_failed(&p) ? 1 : 0;
  if (!json)
    print_table(&p);
  else if (print_json(&p) < 0) {
    fprintf(stderr, "hutch: check: render the result as JSON: out of memory\n");
    status = HUTCH_EXIT_ERROR;
  }
  hutch_probes_free(&p);
  return status;
}
