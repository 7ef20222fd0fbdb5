/* The hutch CLI's command table: each command lives in its own file and
 * exports one entry point, int cmd_<name>(int argc, char **argv), which
 * returns the process exit status. argv[0] is the command name. */
#pragma once

/* Exit status for hutch's own errors, as docker's. */
#define HUTCH_EXIT_ERROR 125

/* Global options parsed by main.c. */
extern int hutch_global_debug;

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
int cmd_history(int argc, char **argv);

/* hutch check (src/hutch/check.c): host features and self-protection probes. */
int cmd_check(int argc, char **argv);

/* Networking (src/hutch/{network,port}.c). */
int cmd_network(int argc, char **argv);
int cmd_port(int argc, char **argv);
