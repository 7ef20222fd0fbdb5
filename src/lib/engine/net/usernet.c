/* The common part of slirp.c and pasta.c (see usernet.h). */
#include "net/usernet.h"

#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void hutch_usernet_path(char *buf, size_t len, const char *dir, const char *id, const char *ext,
                        const char *suffix) {
  snprintf(buf, len, "%s/%s%s%s", dir, id, ext, suffix);
}

int hutch_usernet_record(const char *dir, const char *id, const struct hutch_usernet_kind *k,
                         pid_t pid, struct hutch_error **err) {
  char path[PATH_MAX], buf[64];
  hutch_usernet_path(path, sizeof(path), dir, id, k->ext, "");
  int n = snprintf(buf, sizeof(buf), "%d %llu\n", (int)pid, hutch_pid_start_time(pid));
  int r = hutch_write_file(path, buf, (size_t)n);
  return r < 0 ? hutch_error_set(err, -r, "write %s", path) : 0;
}

static int check_tun(struct hutch_error **err) {
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return hutch_error_set(err, errno,
                           "rootless network: /dev/net/tun (it must be readable and writable by "
                           "users, mode 0666; or use --network none|host)");
  close(fd);
  return 0;
}

int hutch_usernet_begin(const char *dir, const char *id, const struct hutch_usernet_kind *k,
                        struct hutch_error **err) {
  k->stop(dir, id);
  return check_tun(err);
}

int hutch_usernet_started(const char *dir, const char *id, const struct hutch_usernet_kind *k,
                          const char *netns, pid_t pid, int r) {
  if (r < 0) {
    if (pid > 0)
      kill(pid, SIGKILL);
    k->stop(dir, id);
    return -1;
  }
  hutch_debug("%s pid %d for %.12s on %s", k->tool, (int)pid, id, netns);
  return 0;
}

void hutch_usernet_stop(const char *dir, const char *id, const struct hutch_usernet_kind *k) {
  char path[PATH_MAX];
  hutch_usernet_path(path, sizeof(path), dir, id, k->ext, "");
  _cleanup_free_ char *txt = NULL;
  if (hutch_read_file(path, &txt, NULL) == 0) {
    int pid = 0;
    unsigned long long start = 0;
    /* only the process recorded, never a pid reused since */
    if (sscanf(txt, "%d %llu", &pid, &start) == 2 && pid > 0 && hutch_pid_alive(pid, start)) {
      hutch_debug("%s: kill(%d, SIGTERM) for %.12s", k->tool, pid, id);
      kill(pid, SIGTERM);
    }
  }
  unlink(path);
}

void hutch_usernet_cleanup_stale(const char *dir, const struct hutch_usernet_kind *k,
                                 bool (*holds)(const char *id, void *ud), void *ud) {
  _cleanup_closedir_ DIR *d = opendir(dir);
  struct dirent *de;
  size_t el = strlen(k->ext);
  while (d && (de = readdir(d)) != NULL) {
    size_t n = strlen(de->d_name);
    if (n <= el || strcmp(de->d_name + n - el, k->ext) != 0)
      continue;
    char id[NAME_MAX + 1];
    snprintf(id, sizeof(id), "%.*s", (int)(n - el), de->d_name);
    if (!holds(id, ud)) {
      hutch_debug("network cleanup: %s of %.12s, whose container is gone", k->tool, id);
      k->stop(dir, id);
    }
  }
}

bool hutch_usernet_in_path(const char *prog) {
  const char *path = getenv("PATH");
  if (path == NULL || *path == '\0')
    path = "/usr/local/bin:/usr/bin:/bin";
  while (*path) {
    size_t l = strcspn(path, ":");
    char full[PATH_MAX];
    snprintf(full, sizeof(full), "%.*s/%s", (int)l, l ? path : ".", prog);
    if (access(full, X_OK) == 0)
      return true;
    path += l + (path[l] == ':');
  }
  return false;
}
