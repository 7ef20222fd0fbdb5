/* An exec in a running engine container (ctr_exec.h): the container's
 * user database resolves -u, the process runs through runtime/'s exec
 * detached with a pid file (still our child), and with a tty its pty
 * master comes back over a console socket in a private temporary
 * directory. */
#include "engine/ctr_exec.h"

#include "engine/spec_gen.h"
#include "linux/caps.h"
#include "linux/terminal.h"
#include "ctr_runtime.h"
#include "runtime/exec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

struct tmp_dir {
  char path[64];
};
static void tmp_dir_remove(struct tmp_dir *d) {
  if (d->path[0])
    hutch_rm_rf(d->path);
}

/* -u NAME[:GROUP] in the container's /etc/passwd and /etc/group: "uid:gid"
 * in buf. */
static int resolve_user(struct hutch_ctr *c, const char *user, char *buf, size_t n,
                        struct hutch_error **err) {
  const char *merged = c->cfg.merged_dir ? c->cfg.merged_dir : "";
  _cleanup_free_ char *passwd = NULL, *group = NULL;
  struct hutch_user u;
  if (hutch_read_user_db(merged, "/etc/passwd", &passwd, err) < 0 ||
      hutch_read_user_db(merged, "/etc/group", &group, err) < 0 ||
      hutch_resolve_user(user, passwd, group, &u, err) < 0)
    return -1;
  snprintf(buf, n, "%u:%u", u.uid, u.gid);
  hutch_user_clear(&u);
  return 0;
}

/* Every capability up to the kernel's last, by name. */
static char **all_caps(void) {
  char **v = calloc(1, sizeof(char *));
  for (int i = 0; v && i <= hutch_cap_last() && i < 64; i++) {
    char *name = cap_to_name(i); /* libcap memory: cap_free */
    int r = name ? hutch_strv_push(&v, name) : -ENOMEM;
    cap_free(name);
    if (r < 0) {
      hutch_strv_free(v);
      return NULL;
    }
  }
  return v;
}

int hutch_exec_read_pid(const char *path, pid_t *pid, struct hutch_error **err) {
  _cleanup_free_ char *text = NULL;
  size_t len;
  int64_t v = 0;
  if (hutch_read_file(path, &text, &len) == 0)
    text[strcspn(text, "\n")] = '\0';
  if (!text || hutch_parse_int64(text, 1, INT32_MAX, &v) < 0)
    return hutch_error_set(err, EIO, "exec: read the pid file %s", path);
  *pid = (pid_t)v;
  return 0;
}

/* The process is running: its pty master from the console socket. */
static int take_master(int listener, pid_t pid, struct hutch_exec_proc *p,
                       struct hutch_error **err) {
  _cleanup_close_ int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  int master = conn >= 0 ? hutch_recv_fd(conn, NULL, 0) : -errno;
  if (master < 0) {
    kill(pid, SIGKILL);
    hutch_ctr_exec_wait(pid);
    return hutch_error_set(err, -master, "exec: receive the process's pty");
  }
  p->master = master;
  return 0;
}

int hutch_ctr_exec_spawn(struct hutch_engine *e, struct hutch_ctr *c,
                         const struct hutch_exec_cfg *x, struct hutch_exec_proc *p,
                         struct hutch_error **err) {
  p->pid = -1;
  p->master = -EBADF;
  char userbuf[64];
  if (x->user && *x->user && resolve_user(c, x->user, userbuf, sizeof(userbuf), err) < 0)
    return -1;
  _cleanup_strv_ char **caps = x->privileged ? all_caps() : NULL;
  if (x->privileged && !caps)
    return hutch_error_set(err, ENOMEM, "exec: capabilities");
  _cleanup_(tmp_dir_remove) struct tmp_dir d = {.path = "/tmp/hutch-exec-XXXXXX"};
  if (!mkdtemp(d.path)) {
    d.path[0] = '\0';
    return hutch_error_set(err, errno, "exec: temporary directory");
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  char pidfile[96];
  snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/console.sock", d.path);
  snprintf(pidfile, sizeof(pidfile), "%s/pid", d.path);
  _cleanup_close_ int ls = -EBADF;
  if (x->tty) {
    ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 1) < 0)
      return hutch_error_set(err, errno, "exec: console socket %s", addr.sun_path);
  }
  struct exec_opts eo = {.args = x->args,
                         .env = x->env,
                         .cwd = x->workdir && *x->workdir ? x->workdir : NULL,
                         .user = x->user && *x->user ? userbuf : NULL,
                         .caps = caps,
                         .tty = x->tty,
                         .console_socket = x->tty ? addr.sun_path : NULL,
                         .detach = true,
                         .pid_file = pidfile};
  int status = 0;
  if (hutch_rt_exec(e, c->cfg.runtime_path, c->id, &eo, &status, err) < 0 ||
      hutch_exec_read_pid(pidfile, &p->pid, err) < 0)
    return -1;
  return x->tty ? take_master(ls, p->pid, p, err) : 0;
}

int hutch_ctr_exec_wait(pid_t pid) {
  int ws;
  while (waitpid(pid, &ws, 0) < 0)
    if (errno != EINTR)
      return -errno;
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

int hutch_ctr_exec_fail_status(const struct hutch_error *err) {
  /* docker's exec: 127 not found, else 126 for what the runtime refused
   * (a missing working directory, a command that is not executable, a
   * user that does not resolve) */
  int code = hutch_exec_error_status(err);
  return code == 125 ? 126 : code;
}

void hutch_ctr_exec_event(struct hutch_ctr *c, const char *what, const char *exec_id,
                          char *const *args, int code) {
  _cleanup_free_ char *action = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&action, &len);
  if (!f)
    return;
  fputs(what, f);
  if (strcmp(what, "exec_die") != 0)
    for (size_t i = 0; args && args[i]; i++)
      fprintf(f, "%s%s", i ? " " : ": ", args[i]);
  if (fclose(f) != 0)
    return;
  char codebuf[16];
  snprintf(codebuf, sizeof(codebuf), "%d", code);
  hutch_ctr_event(c, action, "execID", exec_id, code >= 0 ? "exitCode" : NULL, codebuf, NULL);
}
