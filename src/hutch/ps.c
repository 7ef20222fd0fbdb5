/* hutch ps [-a] [-q] [--no-trunc] [--format json]: list containers as
 * docker does (running ones unless -a). */
#include "commands.h"
#include "ctr_cli.h"

#include "engine/netsetup.h"

#include "util/cleanup.h"
#include "util/json.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_ps(int argc, char **argv) {
  static const struct option opts[] = {
      {"all", no_argument, NULL, 'a'},      {"quiet", no_argument, NULL, 'q'},
      {"no-trunc", no_argument, NULL, 'T'}, {"format", required_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0}};
  bool all = false, quiet = false, notrunc = false, json = false;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "+aqh", opts, NULL)) != -1) {
    switch (c) {
    case 'a':
      all = true;
      break;
    case 'q':
      quiet = true;
      break;
    case 'T':
      notrunc = true;
      break;
    case 'f':
      if (strcmp(optarg, "json") != 0 && strcmp(optarg, "{{json .}}") != 0)
        return ctr_cli_usage_error("ps", "only --format json is supported");
      json = true;
      break;
    case 'h':
      printf("Usage: hutch ps [-a] [-q] [--no-trunc] [--format json]\n");
      return 0;
    default:
      return ctr_cli_usage_error("ps", "unknown option");
    }
  }
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  struct hutch_ctr **v = NULL;
  size_t n = 0;
  if (hutch_ctr_list_all(e, false, &v, &n, &err) < 0)
    return ctr_cli_fail(err);
  if (!quiet && !json)
    printf("%-15s %-20s %-25s %-20s %-25s %-10s %s\n", "CONTAINER ID", "IMAGE", "COMMAND",
           "CREATED", "STATUS", "PORTS", "NAMES");
  for (size_t i = 0; i < n; i++) {
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
  hutch_ctr_list_free(v, n);
  return 0;
}
