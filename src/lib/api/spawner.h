/* The API service's spawner (spawner.c): a single-threaded child that
 * starts containers, since fork() from the service's threads is unsafe. */
#pragma once

#include "engine/engine.h"

/* Fork it: before any other thread exists. */
int hutch_api_spawner_start(struct hutch_error **err);
void hutch_api_spawner_stop(void);
/* Start the container (full id) detached, as `hutch start` does. */
int hutch_api_spawner_start_ctr(const char *id, struct hutch_error **err);

/* docker export of the container (full id): its rootfs as a tar written
 * to fd by a runner the spawner forks; fd's end is the tar's. */
int hutch_api_spawner_export(const char *id, int fd, struct hutch_error **err);

/* docker cp out (HEAD and GET /containers/{id}/archive): req is the JSON
 * object {"ctr", "path"}; the runner sends struct hutch_api_stat_msg on
 * fds[0], then, when fds[1] is given, the path as a tar on it. With
 * "put": true (PUT), it extracts the tar it reads on fds[1] into the
 * directory path, then sends the result on fds[0]. */
int hutch_api_spawner_archive(const char *req, const int *fds, size_t n, struct hutch_error **err);
struct hutch_api_stat_msg {
  int rc, errnum; /* rc < 0: msg says why */
  char msg[1024];
  struct hutch_path_stat st;
};

/* An exec, through an exec runner the spawner forks (exec_runner.c): req
 * is the JSON object {"ctr", "exec_id", "args", "env", "user", "workdir",
 * "tty", "privileged"}; fds[0] is the socket (SOCK_SEQPACKET) where the
 * runner reports, then come the process's stdin, stdout and stderr (those
 * missing are /dev/null). Reports are struct hutch_api_exec_msg: STARTED
 * (with the pty master as SCM_RIGHTS under a tty) or FAILED, then EXITED. */
int hutch_api_spawner_exec(const char *req, const int *fds, size_t n, struct hutch_error **err);

enum hutch_api_exec_report {
  HUTCH_API_EXEC_STARTED = 1,
  HUTCH_API_EXEC_FAILED,
  HUTCH_API_EXEC_EXITED,
};
struct hutch_api_exec_msg {
  int type; /* enum hutch_api_exec_report */
  int pid;  /* STARTED */
  int code; /* FAILED (126, 127) and EXITED: the exit status */
  int errnum;
  char msg[1024]; /* FAILED: why */
};
/* The runner (in the spawner's grandchild): never returns. */
_Noreturn void hutch_api_exec_runner(const char *req, const int *fds, size_t n);
