/* hutch container SUBCOMMAND: docker's management-command spelling of
 * the container verbs (container ls, container rm, container prune …). */
#include "commands.h"
#include "flags.h"

int cmd_container(int argc, char **argv) {
  static const struct hutch_subcmd subs[] = {
      {"cp", cmd_cp, "Copy files/folders between a container and the local filesystem"},
      {"create", cmd_create, "Create a new container"},
      {"diff", cmd_diff, "Inspect changes to files or directories on a container's filesystem"},
      {"exec", cmd_exec, "Execute a command in a running container"},
      {"export", cmd_export, "Export a container's filesystem as a tar archive"},
      {"inspect", cmd_inspect, "Display detailed information on one or more containers"},
      {"kill", cmd_kill, "Kill one or more running containers"},
      {"logs", cmd_logs, "Fetch the logs of a container"},
      {"ls", cmd_ps, "List containers"},
      {"list", cmd_ps, NULL},
      {"ps", cmd_ps, NULL},
      {"pause", cmd_pause, "Pause all processes within one or more containers"},
      {"port", cmd_port, "List port mappings or a specific mapping for the container"},
      {"prune", cmd_container_prune, "Remove all stopped containers"},
      {"rename", cmd_rename, "Rename a container"},
      {"restart", cmd_restart, "Restart one or more containers"},
      {"rm", cmd_rm, "Remove one or more containers"},
      {"remove", cmd_rm, NULL},
      {"run", cmd_run, "Create and run a new container from an image"},
      {"start", cmd_start, "Start one or more stopped containers"},
      {"stats", cmd_stats, "Display a live stream of container(s) resource usage statistics"},
      {"stop", cmd_stop, "Stop one or more running containers"},
      {"top", cmd_top, "Display the running processes of a container"},
      {"unpause", cmd_unpause, "Unpause all processes within one or more containers"},
      {"update", cmd_update, "Update configuration of one or more containers"},
      {"wait", cmd_wait, "Block until one or more containers stop, then print their exit codes"},
      {NULL, NULL, NULL},
  };
  return hutch_subcmd_dispatch("Manage containers", subs, argc, argv);
}
