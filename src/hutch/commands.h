/* The hutch CLI's command table: each command lives in its own file and
 * exports one entry point, int cmd_<name>(int argc, char **argv), which
 * returns the process exit status. argv[0] is the command name. */
#pragma once

#include "flags.h"

/* Exit statuses as docker's CLI: 1 for a command that fails (what docker's
 * daemon refuses: no such container, image, network or volume, a name in
 * use, a container that is not running...); 125 for a flag its parser
 * refuses and for run's own failures (the container could not be set up).
 * run and exec pass the command's status through, 126/127 when it is not
 * executable / not found. */
#define HUTCH_EXIT_ERROR 1
#define HUTCH_EXIT_USAGE 125
#define HUTCH_EXIT_EXEC_FAILED 126

/* Global options parsed by main.c. */
extern int hutch_global_debug;

/* main.c: hutch's own flags and its command table (hutch_main_cmd.subs
 * is hutch_commands): the root that completion and the man pages walk.
 * A command's own table is reached by hutch_cmd_describe() (flags.h). */
extern const struct hutch_cmd hutch_main_cmd;
extern const struct hutch_subcmd hutch_commands[];

/* Image commands (src/hutch/{pull,images,image_cmd,rmi,tag,import,save,load,login}.c). */
int cmd_pull(int argc, char **argv);
int cmd_images(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_rmi(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_login(int argc, char **argv);
int cmd_logout(int argc, char **argv);

/* Container commands (src/hutch/{run,start,ps,logs,stop,wait,rm,inspect,volume,container_cmd}.c).
 */
int cmd_run(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_wait(int argc, char **argv);
/* hutch __monitor (monitor_cmd.c): hutch-monitor's way back in; not listed. */
int cmd_monitor(int argc, char **argv);
int cmd_health(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_container_prune(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_rename(int argc, char **argv);
int cmd_volume(int argc, char **argv);
int cmd_container(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_stats(int argc, char **argv);
/* src/hutch/{cp,diff,export}.c */
int cmd_cp(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* Builder commands (src/hutch/{build,commit,push}.c). */
int cmd_build(int argc, char **argv);
int cmd_commit(int argc, char **argv);
int cmd_push(int argc, char **argv);

/* hutch check (src/hutch/check.c): host features and self-protection probes. */
int cmd_check(int argc, char **argv);

/* Shell completion (src/hutch/{completion,complete}.c): the scripts, and
 * hutch __complete, the candidates they ask for at each TAB. */
int cmd_completion(int argc, char **argv);
int cmd_complete(int argc, char **argv);
/* hutch __man DIR (src/hutch/man.c): the man pages, for the build. */
int cmd_man(int argc, char **argv);

/* Networking (src/hutch/{network,port}.c). */
int cmd_network(int argc, char **argv);
int cmd_port(int argc, char **argv);

/* System commands (src/hutch/{version,events_cmd,system,service}.c). */
int cmd_version(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_system(int argc, char **argv);
int cmd_system_service(int argc, char **argv);
/* src/hutch/update.c, src/hutch/attach.c */
int cmd_update(int argc, char **argv);
int cmd_attach(int argc, char **argv);
/* src/hutch/history.c: image history. */
int cmd_history(int argc, char **argv);
