/* hutch exec [-i] [-d] [-e K=V] [-w DIR] [-u USER] CONTAINER CMD [ARG...]:
 * a new process in a running container through runtime/'s exec. -u takes
 * a name or uid[:gid] resolved in the container's /etc/passwd and
 * /etc/group. -t is refused for now (see the report: no pty proxy for
 * exec yet). */
#include "commands.h"
#include "ctr_cli.h"

#include "runtime/exec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *read_in(const char *rootfs, const char *path) {
  _cleanup_close_ int rfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rfd < 0)
    return NULL;
  _cleanup_close_ int fd = hutch_open_in_root(rfd, path, O_RDONLY | O_CLOEXEC, 0);
  char *t = NULL;
  size_t len;
  if (fd < 0 || hutch_read_fd(fd, &t, &len) < 0)
    return NULL;
  return t;
}

int cmd_exec(int argc, char **argv) {
  static const struct option opts[] = {
      {"interactive", no_argument, NULL, 'i'}, {"tty", no_argument, NULL, 't'},
      {"detach", no_argument, NULL, 'd'},      {"env", required_argument, NULL, 'e'},
      {"workdir", required_argument, NULL, 'w'}, {"user", required_argument, NULL, 'u'},
      {"privileged", no_argument, NULL, 'P'},  {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  bool tty = false, detach = false;
  const char *workdir = NULL, *user = NULL;
  _cleanup_strv_ char **env = NULL;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "+itde:w:u:h", opts, NULL)) != -1) {
    switch (c) {
    case 'i':
      break; /* our stdin is the process's stdin either way */
    case 't':
      tty = true;
      break;
    case 'd':
      detach = true;
      break;
    case 'e':
      hutch_strv_push(&env, optarg);
      break;
    case 'w':
      workdir = optarg;
      break;
    case 'u':
      user = optarg;
      break;
    case 'P':
      break;
    case 'h':
      printf("Usage: hutch exec [-i] [-d] [-e K=V] [-w DIR] [-u USER] CONTAINER COMMAND [ARG...]\n");
      return 0;
    default:
      return ctr_cli_usage_error("exec", "unknown option");
    }
  }
  if (argc - optind < 2)
    return ctr_cli_usage_error("exec", "requires at least 2 arguments");
  if (tty)
    return ctr_cli_usage_error("exec", "-t is not supported yet");
  _cleanup_engine_ struct hutch_engine *e = ctr_cli_engine();
  if (!e)
    return HUTCH_EXIT_ERROR;
  struct hutch_error *err = NULL;
  _cleanup_ctr_ struct hutch_ctr *ct = NULL;
  if (hutch_ctr_open(e, argv[optind], false, &ct, &err) < 0)
    return ctr_cli_fail(err);
  if (!hutch_ctr_running(ct)) {
    fprintf(stderr, "hutch: container %s is not running\n", argv[optind]);
    return HUTCH_EXIT_ERROR;
  }
  char userbuf[64];
  if (user) {
    const char *merged = json_string_value(
        json_object_get(json_object_get(json_object_get(ct->rec, "GraphDriver"), "Data"), "MergedDir"));
    _cleanup_free_ char *passwd = read_in(merged, "/etc/passwd"), *group = read_in(merged, "/etc/group");
    struct hutch_user u;
    if (hutch_resolve_user(user, passwd, group, &u, &err) < 0)
      return ctr_cli_fail(err);
    snprintf(userbuf, sizeof(userbuf), "%u:%u", u.uid, u.gid);
    hutch_user_clear(&u);
    user = userbuf;
  }
  struct exec_opts eo = {
      .args = argv + optind + 1, .env = env, .cwd = workdir, .user = user, .detach = detach};
  int status = 0;
  if (hutch_container_exec(&e->rt, ct->id, &eo, &status, &err) < 0) {
    int code = hutch_exec_error_status(err);
    hutch_error_print(stderr, "hutch", err);
    hutch_error_free(err);
    return code;
  }
  return detach ? 0 : status;
}
