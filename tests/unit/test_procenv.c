/* Unit tests for runtime/procenv.c (HOME from a passwd file, LISTEN_*
 * socket activation) and linux/sysctl.c's hostname/domainname conflicts. */
#include "tap.h"

#include "linux/sysctl.h"
#include "runtime/procenv.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "# a comment:x:7:7::/nope:/bin/sh\n"
                             "bad line without fields\n"
                             "empty:x:5:5:no home::/bin/false\n"
                             "app:x:1000:1000:App User,,,:/home/app:/bin/sh\n"
                             "app2:x:10000:10000::/home/app2:/bin/sh";

static void test_passwd_home(void) {
  char *h = hutch_passwd_home(passwd, 0);
  is_str(h, "/root", "uid 0 is root's home");
  free(h);
  h = hutch_passwd_home(passwd, 1000);
  is_str(h, "/home/app", "uid 1000, gecos with commas");
  free(h);
  h = hutch_passwd_home(passwd, 10000);
  is_str(h, "/home/app2", "last line without a newline; 10000 is not 1000");
  free(h);
  ok(hutch_passwd_home(passwd, 100) == NULL, "uid 100 (a prefix of 1000) has no entry");
  ok(hutch_passwd_home(passwd, 7) == NULL, "a comment is no entry");
  ok(hutch_passwd_home(passwd, 5) == NULL, "an empty home is none");
  ok(hutch_passwd_home("", 0) == NULL, "an empty file");
  ok(hutch_passwd_home("root:x:0:0", 0) == NULL, "a short line");
}

static const char *env_get(char **env, const char *key) {
  size_t kl = strlen(key);
  for (char **e = env; e && *e; e++)
    if (strncmp(*e, key, kl) == 0 && (*e)[kl] == '=')
      return *e + kl + 1;
  return NULL;
}

/* HOME in hutch_env_with_home(env, passwd, uid), and how many entries. */
static void check_home(char *const *env, const char *pw, uid_t uid, const char *want, size_t n,
                       const char *what) {
  char **e = hutch_env_with_home(env, pw, uid);
  is_str(env_get(e, "HOME"), want, "%s", what);
  is_int(hutch_strv_len(e), n, "%s: %zu entries", what, n);
  hutch_strv_free(e);
}

static void test_env_with_home(void) {
  char *base[] = {"PATH=/bin", NULL};
  check_home(base, passwd, 1000, "/home/app", 2, "HOME from the user's entry");
  check_home(base, passwd, 4242, "/", 2, "no entry: /");
  check_home(base, NULL, 0, "/", 2, "no passwd file: /");
  char *with[] = {"HOME=/mine", "HOMEDIR=x", NULL};
  check_home(with, passwd, 0, "/mine", 2, "process.env's HOME wins");
  char *homedir[] = {"HOMEDIR=x", NULL};
  check_home(homedir, passwd, 0, "/root", 2, "HOMEDIR is not HOME");
  check_home(NULL, passwd, 0, "/root", 1, "no env at all");
  char **e = hutch_env_with_home(base, passwd, 0);
  is_str(env_get(e, "PATH"), "/bin", "the rest kept");
  hutch_strv_free(e);
}

static void test_listen(void) {
  is_int(hutch_listen_fds("2", "123", 123), 2, "LISTEN_PID is ours: 2 fds");
  is_int(hutch_listen_fds("2", "124", 123), 0, "another process's");
  is_int(hutch_listen_fds("2", NULL, 123), 0, "no LISTEN_PID");
  is_int(hutch_listen_fds(NULL, "123", 123), 0, "no LISTEN_FDS");
  is_int(hutch_listen_fds("x", "123", 123), 0, "LISTEN_FDS not a number");
  is_int(hutch_listen_fds("-1", "123", 123), 0, "LISTEN_FDS negative");
  is_int(hutch_listen_fds("2", "123x", 123), 0, "LISTEN_PID not a number");

  char *base[] = {"LISTEN_PID=99", "A=1", "LISTEN_FDS=7", "LISTEN_FDNAMES=web", NULL};
  char **e = hutch_env_with_listen(base, 2, 1);
  is_str(env_get(e, "LISTEN_FDS"), "2", "LISTEN_FDS replaced");
  is_str(env_get(e, "LISTEN_PID"), "1", "LISTEN_PID rewritten to the process's pid");
  is_str(env_get(e, "LISTEN_FDNAMES"), "web", "LISTEN_FDNAMES kept");
  is_str(env_get(e, "A"), "1", "others kept");
  is_int(hutch_strv_len(e), 4, "no duplicates");
  hutch_strv_free(e);
  e = hutch_env_with_listen(NULL, 1, 42);
  is_str(env_get(e, "LISTEN_PID"), "42", "from no env");
  is_int(hutch_strv_len(e), 2, "just the two");
  hutch_strv_free(e);
}

static void test_sysctl_uts(void) {
  struct spec_kv kv[] = {{.key = "kernel.hostname", .value = "a"},
                         {.key = "kernel.domainname", .value = "b"}};
  struct spec_linux l;
  memset(&l, 0, sizeof(l));
  l.sysctl = kv;
  l.n_sysctl = 2;
  struct hutch_error *err = NULL;
  is_int(hutch_sysctl_check_uts(&l, NULL, NULL, &err), 0, "sysctls alone are fine");
  is_int(hutch_sysctl_check_uts(&l, "", "", &err), 0, "empty fields are unset");
  ok(hutch_sysctl_check_uts(&l, "a", NULL, &err) < 0, "hostname and kernel.hostname conflict");
  ok(err && strstr(err->msg, "kernel.hostname") && strstr(err->msg, "\"hostname\" field"),
     "the error names both: %s", err ? err->msg : "");
  hutch_error_free(err);
  err = NULL;
  ok(hutch_sysctl_check_uts(&l, NULL, "b", &err) < 0, "domainname and kernel.domainname conflict");
  ok(err && strstr(err->msg, "kernel.domainname"), "the error names it");
  hutch_error_free(err);
  err = NULL;
  l.n_sysctl = 0;
  is_int(hutch_sysctl_check_uts(&l, "a", "b", &err), 0, "fields alone are fine");
}

int main(void) {
  test_passwd_home();
  test_env_with_home();
  test_listen();
  test_sysctl_uts();
  return done_testing();
}
