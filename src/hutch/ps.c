/* hutch ps [-a] [-q] [--no-trunc] [--format json]: list containers as
 * docker does (running ones unless -a). */
#include "commands.h"
#include "ctr_cli.h"
#include "flags.h"

#include "engine/netsetup.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_ps(int argc, char **argv) {
  bool all = false, quiet = false, notrunc = false, json = false;
  const char *format = NULL;
  const struct hutch_flag flags[] = {
      {"all", 'a', HUTCH_FLAG_BOOL, &all, "Show all containers (default shows just running)"},
      {"format", 0, HUTCH_FLAG_STRING, &format, "Format output: \"json\" or \"{{json .}}\""},
      {"no-trunc", 0, HUTCH_FLAG_BOOL, &notrunc, "Don't truncate output"},
      {"quiet", 'q', HUTCH_FLAG_BOOL, &quiet, "Only display container IDs"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS]", "List containers", flags, 0, 0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (format) {
    if (strcmp(format, "json") != 0 && strcmp(format, "{{json .}}") != 0)
      return ctr_cli_usage_error("ps", "only --format json is supported");
    json = true;
  }
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  struct hutch_ctr **v = NULL;
  size_t nc = 0;
  if (hutch_ctr_list_all(e, false, &v, &nc, &err) < 0)
    return ctr_cli_fail(err);
  if (!quiet && !json)
    printf("%-15s %-20s %-25s %-20s %-25s %-10s %s\n", "CONTAINER ID", "IMAGE", "COMMAND",
           "CREATED", "STATUS", "PORTS", "NAMES");
  for (size_t i = 0; i < nc; i++) {
    struct hutch_ctr *ct = v[i];
    const char *st = hutch_ctr_status(e, ct);
    if (!all && strcmp(st, "running") && strcmp(st, "paused") && strcmp(st, "restarting"))
      continue;
    char id[65];
    snprintf(id, sizeof(id), notrunc ? "%s" : "%.12s", ct->id);
    if (quiet) {
      printf("%s\n", id);
      continue;
    }
    char status[128];
    ctr_cli_status_text(e, ct, status, sizeof(status));
    const char *cmdline = ct->command;
    const char *image = ct->image_name;
    const char *created = ct->created;
    _cleanup_free_ char *ports = hutch_engine_net_ports_text(e, ct);
    if (json) {
      _cleanup_json_ json_t *j =
          json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id, "Image", image, "Command",
                    cmdline, "CreatedAt", created, "State", st, "Status", status, "Names", ct->name,
                    "Ports", ports ? ports : "");
      _cleanup_free_ char *t = json_dumps(j, JSON_COMPACT);
      printf("%s\n", t);
      continue;
    }
    char quoted[64];
    snprintf(quoted, sizeof(quoted), notrunc ? "\"%s\"" : "\"%.20s\"", cmdline);
    printf("%-15s %-20s %-25s %-20.19s %-25s %-10s %s\n", id, image, quoted, created, status,
           ports ? ports : "", ct->name);
  }
  hutch_ctr_list_free(v, nc);
  return 0;
}
