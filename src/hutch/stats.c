/* hutch stats [-a] [--no-stream] [--no-trunc] [--format F] [CONTAINER...]:
 * docker's columns (CPU %, MEM USAGE / LIMIT, MEM %, NET I/O, BLOCK I/O,
 * PIDS) from two samples a second apart (engine/stats.c), refreshed every
 * second until interrupted unless --no-stream; --format through the
 * template engine, "table …" with a header and docker's tabwriter
 * alignment (cells padded by 3, at least 10 wide). */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"
#include "template.h"

#include "engine/stats.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_FORMAT                                                                             \
  "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}"  \
  "\t{{.PIDs}}"

struct target {
  struct hutch_ctr *c;
  const char *ref; /* as the user named it: {{.Container}} */
  struct hutch_stats_sample prev, cur;
};

/* docker's preFormat: "table" off, \t and \n as the characters */
static char *pre_format(const char *f, bool *table) {
  *table = hutch_str_has_prefix(f, "table");
  if (*table)
    f += 5;
  while (*f == ' ')
    f++;
  char *out = strdup(f), *w = out;
  for (const char *p = f; out && *p; p++) {
    if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
      *w++ = p[1] == 't' ? '\t' : '\n';
      p++;
    } else {
      *w++ = *p;
    }
  }
  if (out) {
    *w = '\0';
    while (w > out && w[-1] == ' ')
      *--w = '\0';
  }
  return out;
}

/* text/tabwriter (minwidth 10, padding 3): the tab-separated cells of
 * every line in aligned columns; the last cell of a line is not padded */
static void align(FILE *out, char *text) {
  size_t widths[64] = {0};
  for (int pass = 0; pass < 2; pass++) {
    char *save = NULL;
    _cleanup_free_ char *copy = strdup(text);
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
      size_t col = 0;
      for (char *cell = l;; col++) {
        char *tab = strchr(cell, '\t');
        size_t len = tab ? (size_t)(tab - cell) : strlen(cell);
        if (pass == 0 && tab && col < 64 && len + 3 > widths[col])
          widths[col] = len + 3 < 10 ? 10 : len + 3;
        if (pass == 1)
          fprintf(out, "%-*.*s", tab && col < 64 ? (int)widths[col] : (int)len, (int)len, cell);
        if (!tab)
          break;
        cell = tab + 1;
      }
      if (pass == 1)
        fputc('\n', out);
    }
  }
}

static int render(FILE *out, const char *tmpl, bool table, struct target *t, size_t n,
                  bool no_trunc) {
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  if (!m)
    return -1;
  struct hutch_error *err = NULL;
  if (table) {
    _cleanup_json_ json_t *head = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Container", "CONTAINER", "ID",
        "CONTAINER ID", "Name", "NAME", "CPUPerc", "CPU %", "MemUsage", "MEM USAGE / LIMIT",
        "MemPerc", "MEM %", "NetIO", "NET I/O", "BlockIO", "BLOCK I/O", "PIDs", "PIDS");
    hutch_template_print(m, tmpl, head, &err);
  }
  for (size_t i = 0; i < n && !err; i++) {
    _cleanup_json_ json_t *row = hutch_stats_row(t[i].c, t[i].ref, no_trunc, &t[i].prev, &t[i].cur);
    hutch_template_print(m, tmpl, row, &err);
  }
  fclose(m);
  if (err)
    return ctr_cli_fail(err), -1;
  if (table)
    align(out, buf);
  else
    fputs(buf, out);
  fflush(out);
  return 0;
}

static void sample_all(struct hutch_engine *e, struct target *t, size_t n) {
  for (size_t i = 0; i < n; i++) {
    t[i].prev = t[i].cur;
    hutch_ctr_reload(t[i].c, NULL);
    hutch_ctr_stats_sample(e, t[i].c, &t[i].cur);
  }
}

/* The containers named, or every running one (-a: every one). */
static int targets(struct hutch_engine *e, int argc, char **argv, bool all, struct target **out,
                   size_t *n) {
  struct hutch_error *err = NULL;
  *n = 0;
  if (argc > 1) {
    *out = calloc((size_t)argc, sizeof(**out));
    for (int i = 1; *out && i < argc; i++) {
      if (hutch_ctr_open(e, argv[i], false, &(*out)[*n].c, &err) < 0)
        return ctr_cli_fail(err), -1;
      (*out)[(*n)++].ref = argv[i];
    }
    return *out ? 0 : -1;
  }
  struct hutch_ctr **list = NULL;
  size_t k = 0;
  if (hutch_ctr_list_all(e, false, &list, &k, &err) < 0)
    return ctr_cli_fail(err), -1;
  *out = calloc(k + 1, sizeof(**out));
  for (size_t i = 0; *out && i < k; i++) {
    if (!all && !hutch_ctr_running(list[i]))
      continue;
    if (hutch_ctr_open(e, list[i]->id, false, &(*out)[*n].c, NULL) == 0)
      (*n)++;
  }
  hutch_ctr_list_free(list, k);
  return *out ? 0 : -1;
}

int cmd_stats(int argc, char **argv) {
  bool no_stream = false, no_trunc = false, all = false;
  const char *format = NULL;
  const struct hutch_flag flags[] = {
      {"all", 'a', HUTCH_FLAG_BOOL, &all, "Show all containers (default shows just running)"},
      {"format", 0, HUTCH_FLAG_STRING, &format, "Format output using a custom template"},
      {"no-stream", 0, HUTCH_FLAG_BOOL, &no_stream,
       "Disable streaming stats and only pull the first result"},
      {"no-trunc", 0, HUTCH_FLAG_BOOL, &no_trunc, "Do not truncate output"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] [CONTAINER...]",
                                "Display a live stream of container(s) resource usage statistics",
                                flags, 0, -1};
  int nargs, r = hutch_flags_parse(&cmd, argc, argv, &nargs);
  if (r != 0)
    return hutch_flags_status(r);
  bool table;
  _cleanup_free_ char *tmpl = pre_format(format ? format : DEFAULT_FORMAT, &table);
  struct hutch_error *err = NULL;
  if (!tmpl || hutch_template_check(tmpl, &err) < 0)
    return ctr_cli_fail(err);
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct target *t = NULL;
  size_t n = 0;
  int ret = HUTCH_EXIT_ERROR;
  if (targets(e, nargs + 1, argv, all, &t, &n) < 0)
    goto out;
  sample_all(e, t, n);
  for (;;) {
    sleep(1);
    sample_all(e, t, n);
    if (!no_stream)
      fputs("\033[2J\033[H", stdout); /* docker redraws the screen */
    if (render(stdout, tmpl, table, t, n, no_trunc) < 0)
      goto out;
    if (no_stream)
      break;
  }
  ret = 0;
out:
  for (size_t i = 0; t && i < n; i++)
    hutch_ctr_free(t[i].c);
  free(t);
  return ret;
}
