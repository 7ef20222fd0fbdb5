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
#include "flags.h"

#include "engine/selfcheck.h"
#include "util/cleanup.h"
#include "util/json.h"

#include <stdio.h>
#include <string.h>

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

/* --format: 0 table, 1 json, -1 anything else. */
static int parse_format(const char *v) {
  return strcmp(v, "table") == 0 ? 0 : strcmp(v, "json") == 0 ? 1 : -1;
}

int cmd_check(int argc, char **argv) {
  const char *format = "table";
  const struct hutch_flag flags[] = {
      {"format", 0, HUTCH_FLAG_STRING, &format, "table (default) or json"},
      {0},
  };
  const struct hutch_cmd cmd = {
      "[OPTIONS]",
      "Probe the host for the kernel features hutch relies on and check that\n"
      "hutch's self-protection works with these binaries. Exits 1 if any check\n"
      "is FAIL; 'missing' and 'fallback' rows are not failures.",
      flags, 0, 0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  int json = parse_format(format);
  if (json < 0)
    return ctr_cli_usage_error("check", "--format takes table or json");
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
