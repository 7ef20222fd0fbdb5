/* The rootless user namespace: create it with its pause process, or join
 * it (rootless.h). */
#include "rootless.h"
#include "subid.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int check_userns_enabled(struct hutch_error **err) {
  _cleanup_free_ char *text = NULL;
  size_t len;
  if (hutch_read_file("/proc/sys/user/max_user_namespaces", &text, &len) == 0 &&
      strtoul(text, NULL, 10) == 0)
    return hutch_error_set(err, ENOSPC,
                           "user namespaces are disabled (/proc/sys/user/max_user_namespaces is "
                           "0): as root, run sysctl -w user.max_user_namespaces=15000");
  return 0;
}

/* The user's range in FILE, or a warning and NULL (single-id map). */
static const struct hutch_subid *find_range(const char *file, struct hutch_subid *r) {
  struct passwd *pw = getpwuid(getuid());
  _cleanup_free_ char *text = NULL;
  size_t len;
  if (hutch_read_file(file, &text, &len) == 0 &&
      hutch_subid_find(text, pw ? pw->pw_name : NULL, getuid(), r) == 0)
    return r;
  hutch_warn("no subordinate range for %s in %s: mapping only id %u, so images with files of "
             "other owners cannot be unpacked (as root: usermod --add-subuids 100000-165535 "
             "--add-subgids 100000-165535 %s)",
             pw ? pw->pw_name : "this user", file, (unsigned)getuid(), pw ? pw->pw_name : "USER");
  return NULL;
}

/* newuidmap/newgidmap PID MAP..., or, without a range, the single-id map
 * written directly (allowed for one's own id; setgroups denied first). */
static int write_map(pid_t pid, const char *tool, const char *file, unsigned long id,
                     const struct hutch_subid *range, struct hutch_error **err) {
  char map[128], path[64];
  hutch_subid_map(id, range, map, sizeof(map));
  hutch_debug("%s %d %s", range ? tool : file, (int)pid, map);
  if (!range) {
    if (strcmp(file, "gid_map") == 0) {
      snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
      int r = hutch_write_file(path, "deny", 4);
      if (r < 0)
        return hutch_error_set(err, r, "write %s", path);
    }
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    int r = hutch_write_file(path, map, strlen(map));
    return r < 0 ? hutch_error_set(err, r, "write %s", path) : 0;
  }
  char cmd[256];
  snprintf(cmd, sizeof(cmd), "%s %d %s", tool, (int)pid, map);
  _cleanup_free_ char **argv = calloc(16, sizeof(char *));
  int n = 0;
  for (char *save = NULL, *t = strtok_r(cmd, " ", &save); t && n < 15;
       t = strtok_r(NULL, " ", &save))
    argv[n++] = t;
  pid_t p = fork();
  if (p == 0) {
    execvp(tool, argv);
    _exit(errno == ENOENT ? 127 : 126);
  }
  int st = 0;
  if (p < 0 || waitpid(p, &st, 0) < 0)
    return hutch_error_set(err, errno, "%s", tool);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
    return hutch_error_set(err, ENOENT, "%s not found: install the uidmap package", tool);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    return hutch_error_set(err, EPERM,
                           "%s %d %s failed (is it setuid root, or has it "
                           "cap_setuid/cap_setgid?)",
                           tool, (int)pid, map);
  return 0;
}

/* The pause process: holds the namespaces; no stdio, no cwd, no signals
 * but SIGKILL and SIGTERM. */
static _Noreturn void pause_forever(int fd) {
  char c = 0;
  if (read(fd, &c, 1) != 1 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
    _exit(1);
  /* the containers' mounts stay in here; nothing of the host's changes
   * through them */
  mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL);
  prctl(PR_SET_NAME, "hutch-pause");
  setsid();
  if (chdir("/") < 0)
    _exit(1);
  /* nothing inherited stays open: not the caller's lock, nor its stdio */
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int i = 0; i < 3; i++)
    dup2(null, i);
  if (dup2(fd, 3) < 0)
    _exit(1);
  fd = 3;
  close_range(4, ~0U, 0);
  if (write(fd, "k", 1) != 1)
    _exit(1);
  close(fd);
  for (;;)
    pause();
}

static pid_t spawn_pause(struct hutch_error **err) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return hutch_error_set(err, errno, "socketpair");
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    int e = unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0 ? errno : 0;
    if (write(sv[1], &e, sizeof(e)) != sizeof(e) || e)
      _exit(1);
    pause_forever(sv[1]);
  }
  close(sv[1]);
  _cleanup_close_ int fd = sv[0];
  if (pid < 0)
    return hutch_error_set(err, errno, "fork");
  int e = EIO;
  struct hutch_subid ur, gr;
  const struct hutch_subid *u = NULL, *g = NULL;
  char c = 0;
  if (read(fd, &e, sizeof(e)) != sizeof(e) || e) {
    hutch_error_set(err, e, "unshare user and mount namespace");
    goto fail;
  }
  u = find_range("/etc/subuid", &ur);
  g = find_range("/etc/subgid", &gr);
  if (write_map(pid, "newuidmap", "uid_map", getuid(), u, err) < 0 ||
      write_map(pid, "newgidmap", "gid_map", getgid(), g, err) < 0)
    goto fail;
  if (write(fd, "g", 1) != 1 || read(fd, &c, 1) != 1) {
    hutch_error_set(err, EIO, "rootless pause process died while starting");
    goto fail;
  }
  return pid;
fail:
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  return -1;
}

/* setns into PID's user and mount namespaces and become root there. */
static int join_pause(pid_t pid, struct hutch_error **err) {
  char path[64], comm[32] = "";
  snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
  _cleanup_close_ int cfd = open(path, O_RDONLY | O_CLOEXEC);
  if (cfd < 0 || read(cfd, comm, sizeof(comm) - 1) <= 0 || strncmp(comm, "hutch-pause", 11))
    return -ESRCH;
  snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
  _cleanup_close_ int ufd = open(path, O_RDONLY | O_CLOEXEC);
  snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
  _cleanup_close_ int mfd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (ufd < 0 || mfd < 0 || fstat(ufd, &st) < 0)
    return -ESRCH;
  _cleanup_free_ char *cwd = getcwd(NULL, 0);
  hutch_debug("setns user+mnt of hutch-pause %d", (int)pid);
  if (setns(ufd, CLONE_NEWUSER) < 0 || setns(mfd, CLONE_NEWNS) < 0)
    return hutch_error_set(err, errno, "join the rootless namespaces of pid %d", (int)pid);
  if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
    return hutch_error_set(err, errno, "become root in the rootless user namespace");
  if (cwd && chdir(cwd) < 0)
    hutch_debug("chdir %s: %s", cwd, strerror(errno));
  return 0;
}

int hutch_rootless_enter(const char *run_dir, struct hutch_error **err) {
  if (check_userns_enabled(err) < 0)
    return -1;
  int r = hutch_mkdir_p(run_dir, 0700);
  if (r < 0)
    return hutch_error_set(err, r, "create %s", run_dir);
  _cleanup_free_ char *lock = NULL, *pidfile = NULL;
  if (asprintf(&lock, "%s/pause.lock", run_dir) < 0 ||
      asprintf(&pidfile, "%s/pause.pid", run_dir) < 0)
    return hutch_error_set(err, ENOMEM, "rootless");
  _cleanup_close_ int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lfd < 0 || flock(lfd, LOCK_EX) < 0)
    return hutch_error_set(err, errno, "lock %s", lock);
  _cleanup_free_ char *text = NULL;
  size_t len;
  if (hutch_read_file(pidfile, &text, &len) == 0 && atoi(text) > 0) {
    r = join_pause(atoi(text), err);
    if (r != -ESRCH)
      return r;
  }
  pid_t pid = spawn_pause(err);
  if (pid < 0)
    return -1;
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
  r = hutch_write_file(pidfile, buf, (size_t)n);
  if (r < 0)
    return hutch_error_set(err, r, "write %s", pidfile);
  r = join_pause(pid, err);
  return r == -ESRCH ? hutch_error_set(err, ESRCH, "rootless pause process %d is gone", pid) : r;
}
