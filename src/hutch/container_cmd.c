/* hutch container SUBCOMMAND: docker's management-command spelling of
 * the container verbs (container ls, container rm, container prune …). */
#include "commands.h"
#include "ctr_cli.h"

#include <string.h>

int cmd_container(int argc, char **argv) {
  static const struct {
    const char *name;
    int (*fn)(int, char **);
  } subs[] = {
      {"ls", cmd_ps},           {"list", cmd_ps},
      {"ps", cmd_ps},           {"run", cmd_run},
      {"create", cmd_create},   {"start", cmd_start},
      {"stop", cmd_stop},       {"kill", cmd_kill},
      {"restart", cmd_restart}, {"rm", cmd_rm},
      {"remove", cmd_rm},       {"inspect", cmd_inspect},
      {"logs", cmd_logs},       {"wait", cmd_wait},
      {"rename", cmd_rename},   {"prune", cmd_container_prune},
      {"exec", cmd_exec},       {"pause", cmd_pause},
      {"unpause", cmd_unpause}, {"top", cmd_top},
      {"stats", cmd_stats},     {"cp", cmd_cp},
      {"diff", cmd_diff},       {"export", cmd_export},
  };
  if (argc < 2)
    return ctr_cli_usage_error("container", "requires a subcommand");
  for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
    if (strcmp(subs[i].name, argv[1]) == 0)
      return subs[i].fn(argc - 1, argv + 1);
  return ctr_cli_usage_error("container", "unknown subcommand");
}
