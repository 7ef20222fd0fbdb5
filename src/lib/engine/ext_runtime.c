/* Another OCI runtime binary, driven through its command line (see
 * ext_runtime.h). Every call passes `--root` (a state root of its own, so
 * its containers never mix with a system runc's) and `--log FILE
 * --log-format json`: runc and crun write their errors there as JSON
 * lines, which is how hutch gets the reason of a failure while the
 * runtime's stderr is the container's. */
#include "ext_runtime.h"

#include "engine/engine.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "linux/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int hutch_ext_runtime_resolve(const char *name, char **path, struct hutch_error **err) {
  *path = NULL;
  if (strchr(name, '/')) {
    *path = strdup(name);
  } else if (*name) {
    const char *env = getenv("PATH");
    _cleanup_free_ char *dirs = strdup(env ? env : "/usr/local/bin:/usr/bin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d && !*path; d = strtok_r(NULL, ":", &save)) {
      char *p = NULL;
      if (asprintf(&p, "%s/%s", d, name) >= 0 && access(p, X_OK) == 0)
        *path = p;
      else
        free(p);
    }
  }
  struct stat st;
  if (!*path || (*path)[0] != '/' || stat(*path, &st) < 0 || !S_ISREG(st.st_mode) ||
      access(*path, X_OK) < 0) {
    free(*path);
    *path = NULL;
    return hutch_error_say(err, EINVAL, "unknown or invalid runtime name: %s", name);
  }
  return 0;
}

/* An argv being built; the strings it made itself are freed with it. */
struct argv {
  const char *v[64];
  char *owned[64];
  size_t n, nowned;
};

static void argv_add(struct argv *a, const char *s) {
  if (a->n + 1 < sizeof(a->v) / sizeof(*a->v))
    a->v[a->n++] = s;
}

static void argv_addf(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void argv_addf(struct argv *a, const char *fmt, ...) {
  char *s = NULL;
  va_list ap;
  va_start(ap, fmt);
  int r = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (r < 0 || a->nowned == sizeof(a->owned) / sizeof(*a->owned)) {
    free(r < 0 ? NULL : s);
    return;
  }
  a->owned[a->nowned++] = s;
  argv_add(a, s);
}

static void argv_free(struct argv *a) {
  for (size_t i = 0; i < a->nowned; i++)
    free(a->owned[i]);
}

/* One run of the runtime. */
struct ext_call {
  const int *stdio; /* NULL: ours; else the child's fds 0-2 (-1: ours) */
  bool capture;     /* its stdout into out */
  char *out;
  int status;  /* its exit status, 128+signo for a signal */
  char *error; /* the last error its log holds, NULL when none */
};

/* The runtime's own state root: one per binary, under hutch's run dir. */
static int ext_root(struct hutch_engine *e, const char *rt, char *root, size_t size,
                    struct hutch_error **err) {
  _cleanup_free_ char *copy = strdup(rt);
  if (!copy)
    return hutch_error_set(err, ENOMEM, "runtime root");
  snprintf(root, size, "%s/runtimes/%s", e->rt_root, basename(copy));
  if (hutch_mkdir_p(root, 0700) < 0)
    return hutch_error_set(err, errno, "create %s", root);
  return 0;
}

/* The "msg" of the last line of level "error" in a JSON log. */
static char *last_error(const char *log) {
  _cleanup_free_ char *text = NULL;
  size_t len;
  if (hutch_read_file(log, &text, &len) < 0)
    return NULL;
  char *found = NULL, *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    json_t *j = json_loads(line, 0, NULL);
    const char *lvl = json_string_value(json_object_get(j, "level"));
    const char *msg = json_string_value(json_object_get(j, "msg"));
    if (lvl && msg && strcmp(lvl, "error") == 0) {
      free(found);
      found = strdup(msg);
    }
    json_decref(j);
  }
  return found;
}

static _Noreturn void ext_child(const struct ext_call *c, int out_w, const char *const *argv) {
  for (int fd = 0; c->stdio && fd < 3; fd++) {
    if (c->stdio[fd] < 0)
      continue;
    if (c->stdio[fd] == fd ? fcntl(fd, F_SETFD, 0) < 0 : dup2(c->stdio[fd], fd) < 0)
      _exit(127);
  }
  if (out_w >= 0 && dup2(out_w, STDOUT_FILENO) < 0)
    _exit(127);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execv(argv[0], (char *const *)argv);
  _exit(127);
}

static void read_all(int fd, char **out) {
  size_t len = 0;
  FILE *m = open_memstream(out, &len);
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && m)
      fwrite(buf, 1, (size_t)n, m);
  if (m)
    fclose(m);
}

/* Run `RT --root R --log L --log-format json ARGS…` and wait for it. */
static int ext_run(struct hutch_engine *e, const char *rt, struct ext_call *c,
                   const char *const *args, struct hutch_error **err) {
  char root[PATH_MAX], log[PATH_MAX + 16];
  if (ext_root(e, rt, root, sizeof(root), err) < 0)
    return -1;
  snprintf(log, sizeof(log), "%s/log.XXXXXX", root);
  _cleanup_close_ int logfd = mkostemp(log, O_CLOEXEC);
  if (logfd < 0)
    return hutch_error_set(err, errno, "create %s", log);
  struct argv a = {0};
  const char *head[] = {rt, "--root", root, "--log", log, "--log-format", "json"};
  for (size_t i = 0; i < sizeof(head) / sizeof(*head); i++)
    argv_add(&a, head[i]);
  for (size_t i = 0; args[i]; i++)
    argv_add(&a, args[i]);
  a.v[a.n] = NULL;
  int p[2] = {-1, -1};
  if (c->capture && pipe2(p, O_CLOEXEC) < 0) {
    unlink(log);
    return hutch_error_set(err, errno, "pipe");
  }
  pid_t pid = fork();
  if (pid == 0)
    ext_child(c, p[1], a.v);
  int fork_errno = errno;
  if (p[1] >= 0)
    close(p[1]);
  if (pid > 0 && p[0] >= 0)
    read_all(p[0], &c->out);
  if (p[0] >= 0)
    close(p[0]);
  int ws = 0;
  while (pid > 0 && waitpid(pid, &ws, 0) < 0 && errno == EINTR)
    ;
  c->status = WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
  c->error = last_error(log);
  unlink(log);
  if (pid < 0)
    return hutch_error_set(err, fork_errno, "run %s", rt);
  return 0;
}

/* runc and crun report a missing or unusable command only in words; the
 * errno that hutch's exit codes (127 not found, 126 not executable) go by. */
static int error_errno(const char *msg) {
  if (strstr(msg, "not found") || strstr(msg, "no such file"))
    return ENOENT;
  if (strstr(msg, "permission denied"))
    return EACCES;
  return EIO;
}

/* A call that must succeed: its error, or its exit status, as *err. */
static int ext_must(struct hutch_engine *e, const char *rt, struct ext_call *c,
                    const char *const *args, struct hutch_error **err) {
  if (ext_run(e, rt, c, args, err) < 0)
    return -1;
  _cleanup_free_ char *msg = c->error;
  c->error = NULL;
  if (c->status == 0)
    return 0;
  if (msg)
    return hutch_error_say(err, error_errno(msg), "%s", msg);
  return hutch_error_say(err, EIO, "%s %s: exit status %d", rt, args[0], c->status);
}

/* crun 1.8 refuses an ociVersion it does not know ("unknown version
 * specified") and hutch writes 1.2.0; nothing hutch puts in a bundle needs
 * more than 1.0, which every runtime takes. */
static int bundle_oci_version(const char *bundle, struct hutch_error **err) {
  _cleanup_close_ int dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_free_ char *text = NULL;
  size_t len;
  if (dfd < 0 || hutch_read_file_at(dfd, "config.json", &text, &len) < 0)
    return hutch_error_set(err, errno, "read %s/config.json", bundle);
  _cleanup_json_ json_t *cfg = json_loadb(text, len, 0, NULL);
  if (!cfg)
    return hutch_error_say(err, EINVAL, "%s/config.json: not JSON", bundle);
  json_object_set_new(cfg, "ociVersion", json_string("1.0.2"));
  _cleanup_free_ char *out = json_dumps(cfg, JSON_COMPACT);
  if (!out || hutch_write_file_atomic(dfd, "config.json", out, strlen(out), 0644) < 0)
    return hutch_error_set(err, out ? errno : ENOMEM, "write %s/config.json", bundle);
  return 0;
}

/* A terminal: the runtime sends the pty master to a listening socket
 * (--console-socket PATH, runc's protocol); we pass it on to the
 * caller's connected socket, as hutch's own runtime would have sent it. */
struct console {
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  int listen_fd;
};

/* In the runtime's root, not the bundle: a socket's path has 107 bytes
 * at most, and a bundle's path ends in a 64-character id. */
static int console_open(struct hutch_engine *e, const char *rt, const char *id, struct console *c,
                        struct hutch_error **err) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  char root[PATH_MAX];
  if (ext_root(e, rt, root, sizeof(root), err) < 0)
    return -1;
  if (snprintf(c->path, sizeof(c->path), "%s/%.12s.console", root, id) >= (int)sizeof(c->path))
    return hutch_error_say(err, ENAMETOOLONG, "console socket in %s: path too long", root);
  memcpy(addr.sun_path, c->path, sizeof(c->path));
  unlink(c->path);
  c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->listen_fd < 0 || bind(c->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
      listen(c->listen_fd, 1) < 0)
    return hutch_error_set(err, errno, "console socket %s", c->path);
  return 0;
}

/* After create: the master from the runtime, on to fd. */
static int console_relay(struct console *c, int fd, struct hutch_error **err) {
  struct pollfd p = {.fd = c->listen_fd, .events = POLLIN};
  if (poll(&p, 1, 0) <= 0)
    return hutch_error_say(err, EIO, "the runtime sent no terminal");
  _cleanup_close_ int conn = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  _cleanup_close_ int master = conn >= 0 ? hutch_recv_fd(conn, NULL, 0) : -errno;
  if (master < 0)
    return hutch_error_set(err, -master, "receive the container's pty");
  int r = hutch_send_fd(fd, master, "pty");
  return r < 0 ? hutch_error_set(err, -r, "pass on the container's pty") : 0;
}

static void console_close(struct console *c) {
  if (c->listen_fd >= 0) {
    close(c->listen_fd);
    unlink(c->path);
  }
}

int hutch_ext_create(struct hutch_engine *e, const char *rt, const struct hutch_create_opts *co,
                     pid_t *pid, struct hutch_error **err) {
  if (co->console_socket)
    return hutch_error_say(err, ENOTSUP, "a console socket path with --runtime %s", rt);
  _cleanup_(console_close) struct console cons = {.listen_fd = -1};
  if (co->console_sock_fd && console_open(e, rt, co->id, &cons, err) < 0)
    return -1;
  char pidfile[PATH_MAX];
  snprintf(pidfile, sizeof(pidfile), "%s/ext-runtime.pid", co->bundle);
  unlink(pidfile);
  /* The runtime forks the container's init and exits; the init, orphaned,
   * comes to us as a subreaper, so the monitor waits for it as for the
   * init hutch's own runtime clones. */
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
    return hutch_error_set(err, errno, "become a subreaper");
  if (bundle_oci_version(co->bundle, err) < 0)
    return -1;
  const char *args[] = {"create",           "--bundle", co->bundle, "--pid-file", pidfile,
                        "--console-socket", cons.path,  co->id,     NULL};
  if (!co->console_sock_fd) {
    args[5] = co->id; /* no terminal: no --console-socket */
    args[6] = NULL;
  }
  struct ext_call c = {.stdio = co->stdio};
  if (ext_must(e, rt, &c, args, err) < 0)
    return -1;
  if (co->console_sock_fd && console_relay(&cons, *co->console_sock_fd, err) < 0) {
    hutch_ext_verb(e, rt, "delete", co->id, NULL);
    return -1;
  }
  _cleanup_free_ char *text = NULL;
  size_t len;
  if (hutch_read_file(pidfile, &text, &len) < 0 || (*pid = (pid_t)atoi(text)) <= 0) {
    const char *del[] = {"delete", "--force", co->id, NULL};
    struct ext_call d = {0};
    ext_run(e, rt, &d, del, NULL);
    free(d.error);
    return hutch_error_say(err, EIO, "%s create: no pid in %s", rt, pidfile);
  }
  return 0;
}

int hutch_ext_verb(struct hutch_engine *e, const char *rt, const char *verb, const char *id,
                   struct hutch_error **err) {
  bool del = strcmp(verb, "delete") == 0;
  const char *args[] = {verb, del ? "--force" : id, del ? id : NULL, NULL};
  struct ext_call c = {0};
  return ext_must(e, rt, &c, args, err);
}

int hutch_ext_kill(struct hutch_engine *e, const char *rt, const char *id, int sig, bool all,
                   struct hutch_error **err) {
  char num[16];
  snprintf(num, sizeof(num), "%d", sig);
  const char *args[] = {"kill", all ? "--all" : id, all ? id : num, all ? num : NULL, NULL};
  struct ext_call c = {0};
  return ext_must(e, rt, &c, args, err);
}

/* A verb whose stdout is JSON. */
static json_t *ext_json(struct hutch_engine *e, const char *rt, const char *const *args,
                        struct hutch_error **err) {
  struct ext_call c = {.capture = true};
  _cleanup_free_ char *out = NULL;
  int r = ext_must(e, rt, &c, args, err);
  out = c.out;
  if (r < 0)
    return NULL;
  json_t *j = json_loads(out ? out : "", JSON_DISABLE_EOF_CHECK, NULL);
  if (!j)
    hutch_error_say(err, EIO, "%s %s: unreadable output", rt, args[0]);
  return j;
}

int hutch_ext_state(struct hutch_engine *e, const char *rt, const char *id, json_t **out,
                    struct hutch_error **err) {
  const char *args[] = {"state", id, NULL};
  return (*out = ext_json(e, rt, args, err)) ? 0 : -1;
}

int hutch_ext_stats(struct hutch_engine *e, const char *rt, const char *id, json_t **out,
                    struct hutch_error **err) {
  const char *args[] = {"events", "--stats", id, NULL};
  _cleanup_json_ json_t *ev = ext_json(e, rt, args, err);
  json_t *data = json_object_get(ev, "data");
  if (!data)
    return ev ? hutch_error_say(err, EIO, "%s events: no stats", rt) : -1;
  *out = json_incref(data);
  return 0;
}

int hutch_ext_ps(struct hutch_engine *e, const char *rt, const char *id, pid_t **pids, size_t *n,
                 struct hutch_error **err) {
  const char *args[] = {"ps", "--format", "json", id, NULL};
  _cleanup_json_ json_t *arr = ext_json(e, rt, args, err);
  if (!arr)
    return -1;
  *n = json_array_size(arr);
  *pids = calloc(*n + 1, sizeof(pid_t));
  if (!*pids)
    return hutch_error_set(err, ENOMEM, "pids");
  for (size_t i = 0; i < *n; i++)
    (*pids)[i] = (pid_t)json_integer_value(json_array_get(arr, i));
  return 0;
}

/* runc's exec flags for the options (crun takes the same). */
static void exec_flags(struct argv *a, const struct exec_opts *o) {
  const char *const named[][2] = {{"--process", o->process_path},
                                  {"--cwd", o->cwd},
                                  {"--user", o->user},
                                  {"--apparmor", o->apparmor},
                                  {"--process-label", o->process_label},
                                  {"--console-socket", o->console_socket},
                                  {"--pid-file", o->pid_file}};
  for (size_t i = 0; i < sizeof(named) / sizeof(*named); i++)
    if (named[i][1])
      argv_addf(a, "%s=%s", named[i][0], named[i][1]);
  for (size_t i = 0; o->env && o->env[i]; i++)
    argv_addf(a, "--env=%s", o->env[i]);
  for (size_t i = 0; i < o->n_additional_gids; i++)
    argv_addf(a, "--additional-gids=%u", (unsigned)o->additional_gids[i]);
  for (size_t i = 0; o->caps && o->caps[i]; i++)
    argv_addf(a, "--cap=%s", o->caps[i]);
  if (o->tty)
    argv_add(a, "--tty");
  if (o->no_new_privs)
    argv_add(a, "--no-new-privs");
  if (o->detach)
    argv_add(a, "--detach");
  if (o->preserve_fds)
    argv_addf(a, "--preserve-fds=%d", o->preserve_fds);
}

int hutch_ext_exec(struct hutch_engine *e, const char *rt, const char *id,
                   const struct exec_opts *o, int *status, struct hutch_error **err) {
  /* detached (exec -t), the process outlives the runtime: as our subreaper
   * child, the caller waits for it as for one hutch's runtime left */
  if (o->detach && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
    return hutch_error_set(err, errno, "become a subreaper");
  struct argv a = {0};
  argv_add(&a, "exec");
  exec_flags(&a, o);
  argv_add(&a, id);
  for (size_t i = 0; !o->process_path && o->args && o->args[i]; i++)
    argv_add(&a, o->args[i]);
  a.v[a.n] = NULL;
  struct ext_call c = {0};
  int r = ext_run(e, rt, &c, a.v, err);
  argv_free(&a);
  if (r < 0)
    return -1;
  _cleanup_free_ char *msg = c.error;
  /* the process's own exit status, unless the runtime said why it failed */
  if (msg)
    return hutch_error_say(err, error_errno(msg), "%s", msg);
  *status = c.status;
  return 0;
}

int hutch_ext_update(struct hutch_engine *e, const char *rt, const char *id,
                     const json_t *resources, struct hutch_error **err) {
  char root[PATH_MAX], file[PATH_MAX + 24];
  if (ext_root(e, rt, root, sizeof(root), err) < 0)
    return -1;
  snprintf(file, sizeof(file), "%s/resources.XXXXXX", root);
  _cleanup_close_ int fd = mkostemp(file, O_CLOEXEC);
  if (fd < 0)
    return hutch_error_set(err, errno, "create %s", file);
  int r = json_dumpfd(resources, fd, JSON_COMPACT) < 0 ? hutch_error_set(err, EIO, "write %s", file)
                                                       : 0;
  const char *args[] = {"update", "--resources", file, id, NULL};
  struct ext_call c = {0};
  if (r == 0)
    r = ext_must(e, rt, &c, args, err);
  unlink(file);
  return r;
}
