/* Shared pieces of the container commands (run, create, start, ps, logs,
 * stop, kill, rm, inspect, …): opening the engine, printing errors. */
#pragma once

#include "engine/engine.h"

/* Print "hutch: <error>" and return HUTCH_EXIT_ERROR (1, as docker). */
int ctr_cli_fail(struct hutch_error *e);
/* Print *err, free it, empty it: for commands that go on with their next
 * argument (docker's rm, inspect). */
void ctr_cli_report(struct hutch_error **err);
int ctr_cli_usage_error(const char *cmd, const char *msg);
/* Open the engine or print the error; NULL on failure. */
struct hutch_engine *ctr_cli_engine(void);
/* ctr_cli_engine(), then the container ref names (locked with lock):
 * 0, or HUTCH_EXIT_ERROR after printing why. */
int ctr_cli_open(const char *ref, bool lock, struct hutch_engine **e, struct hutch_ctr **c);
/* Apply fn to each container named in argv[first..]: prints each ref on
 * success (docker's output), errors to stderr; 1 if any failed. With
 * missing_ok a container that does not exist is reported but is no
 * failure (docker's rm -f). */
int ctr_cli_each(struct hutch_engine *e, int argc, char **argv, int first, bool lock,
                 bool missing_ok,
                 int (*fn)(struct hutch_engine *e, struct hutch_ctr *c, void *ud,
                           struct hutch_error **err),
                 void *ud);
/* docker's Ellipsis: s cut to at most max characters, the last one "…",
 * into buf (of at least 4 * max + 4 bytes); s itself when it fits. */
const char *ctr_cli_ellipsis(const char *s, size_t max, char *buf);
/* docker's COMMAND column: the command (an argument with a blank already
 * in single quotes, as the engine records it) cut to 20 characters unless
 * !trunc, then quoted as Go's strconv.Quote. Caller frees; NULL: no memory. */
char *ctr_cli_command_text(const char *cmd, bool trunc);
/* docker's STATUS: "Up 3 minutes", "Up 5 seconds (Paused)", "Exited (0) 2
 * seconds ago", "Restarting (1) 3 seconds ago", "Created", "Dead". */
void ctr_cli_status_text(struct hutch_engine *e, struct hutch_ctr *c, char *buf, size_t n);
/* docker's CREATED (RunningFor): "5 minutes ago" from an RFC 3339 time. */
void ctr_cli_running_for(const char *created, char *buf, size_t n);
/* run -it, start -ai with a tty: start c detached and attach to it with
 * docker's detach keys (NULL: ctrl-p,ctrl-q); its exit status, 0 after a
 * detach (the container goes on), fail when it could not start or attach
 * (run: 125, start: 1, as docker). */
int ctr_cli_start_attach(struct hutch_engine *e, struct hutch_ctr *c, const char *detach_keys,
                         int fail);
