/* HOME and LISTEN_* for the container's process (procenv.h). */
#include "procenv.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *hutch_passwd_home(const char *passwd, uid_t uid) {
  for (const char *line = passwd; line && *line;) {
    const char *end = strchrnul(line, '\n');
    /* name:password:uid:gid:gecos:home:shell */
    const char *f[7];
    size_t nf = 0;
    f[nf++] = line;
    for (const char *p = line; p < end && nf < 7; p++)
      if (*p == ':')
        f[nf++] = p + 1;
    if (nf == 7 && line[0] != '#') {
      char *num_end;
      unsigned long v = strtoul(f[2], &num_end, 10);
      size_t home_len = (size_t)(f[6] - 1 - f[5]);
      if (num_end == f[3] - 1 && num_end != f[2] && v == (unsigned long)uid && home_len > 0)
        return strndup(f[5], home_len);
    }
    line = *end ? end + 1 : end;
  }
  return NULL;
}

/* A copy of env without the entries of key (KEY=…). */
static char **copy_without(char *const *env, const char *key, int *r) {
  char **out = calloc(1, sizeof(char *)); /* empty, not NULL: env may be */
  size_t kl = strlen(key);
  *r = out ? 0 : -1;
  for (char *const *e = env; *r == 0 && e && *e; e++)
    if (!(strncmp(*e, key, kl) == 0 && (*e)[kl] == '='))
      *r = hutch_strv_push(&out, *e);
  return out;
}

static bool has_key(char *const *env, const char *key) {
  size_t kl = strlen(key);
  for (char *const *e = env; e && *e; e++)
    if (strncmp(*e, key, kl) == 0 && (*e)[kl] == '=')
      return true;
  return false;
}

char **hutch_env_with_home(char *const *env, const char *passwd, uid_t uid) {
  char **out = hutch_strv_dup(env);
  int r = out ? 0 : -1;
  if (r == 0 && !has_key(env, "HOME")) {
    char *home = passwd ? hutch_passwd_home(passwd, uid) : NULL;
    char *kv = NULL;
    r = asprintf(&kv, "HOME=%s", home ? home : "/") < 0 ? -1 : hutch_strv_push(&out, kv);
    free(kv);
    free(home);
  }
  if (r < 0) {
    hutch_strv_free(out);
    return NULL;
  }
  return out;
}

int hutch_listen_fds(const char *listen_fds, const char *listen_pid, pid_t self) {
  int64_t n, pid;
  if (listen_fds == NULL || listen_pid == NULL ||
      hutch_parse_int64(listen_pid, 1, INT_MAX, &pid) < 0 || pid != (int64_t)self ||
      hutch_parse_int64(listen_fds, 0, 1024, &n) < 0)
    return 0;
  return (int)n;
}

char **hutch_env_with_listen(char *const *env, int n, pid_t pid) {
  int r;
  char **tmp = copy_without(env, "LISTEN_FDS", &r);
  char **out = r == 0 ? copy_without(tmp, "LISTEN_PID", &r) : NULL;
  hutch_strv_free(tmp);
  char fds[32], pids[32];
  snprintf(fds, sizeof(fds), "LISTEN_FDS=%d", n);
  snprintf(pids, sizeof(pids), "LISTEN_PID=%d", (int)pid);
  if (r < 0 || hutch_strv_push(&out, fds) < 0 || hutch_strv_push(&out, pids) < 0) {
    hutch_strv_free(out);
    return NULL;
  }
  return out;
}

/* Bounded as the engine's user lookup (HUTCH_USER_DB_MAX): the file is
 * the container's, and may be a FIFO or a link to /dev/zero. */
#define PASSWD_MAX ((size_t)4 << 20)

char **hutch_process_env(const struct spec_process *p, int listen_fds, struct hutch_error **err) {
  _cleanup_free_ char *passwd = NULL;
  if (!has_key(p->env, "HOME")) {
    /* We are inside the container's root: "/" is its root. */
    _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int r = rootfd < 0
                ? -errno
                : hutch_read_regular_in_root(rootfd, "/etc/passwd", PASSWD_MAX, &passwd, NULL);
    if (r < 0) {
      hutch_debug("HOME: read /etc/passwd: %s, using /", strerror(-r));
      passwd = NULL;
    }
  }
  char **env = hutch_env_with_home(p->env, passwd, p->user.uid);
  if (env && listen_fds > 0) {
    char **with = hutch_env_with_listen(env, listen_fds, getpid());
    hutch_strv_free(env);
    env = with;
  }
  if (env == NULL)
    hutch_error_set(err, ENOMEM, "environment of the process");
  return env;
}
