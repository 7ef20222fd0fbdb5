/* Unit tests for util/: errors, strings, signals, fs. */
#include "tap.h"

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_errors(void) {
  struct hutch_error *e = NULL;
  int r = hutch_error_set(&e, ENOENT, "open %s", "config.json");
  is_int(r, -ENOENT, "set returns -errno");
  hutch_error_wrap(&e, "load bundle");
  _cleanup_free_ char *t = hutch_error_text(e);
  is_str(t, "load bundle: open config.json: No such file or directory", "wrapped text");
  r = hutch_error_set(&e, EINVAL, "second");
  is_int(r, -EINVAL, "second set returns its code");
  is_int(e->errnum, ENOENT, "first cause is kept");
  hutch_error_free(e);
  e = NULL;
  is_int(hutch_error_set(&e, 0, "plain"), -1, "no errno gives -1");
  _cleanup_free_ char *t2 = hutch_error_text(e);
  is_str(t2, "plain", "text without errno");
  hutch_error_free(e);
}

static void test_strings(void) {
  int64_t v;
  is_int(hutch_parse_int64("42", 0, 100, &v), 0, "parse 42");
  is_int(v, 42, "value 42");
  is_int(hutch_parse_int64("4x", 0, 100, &v), -EINVAL, "trailing junk");
  is_int(hutch_parse_int64("", 0, 100, &v), -EINVAL, "empty");
  is_int(hutch_parse_int64("101", 0, 100, &v), -ERANGE, "out of range");
  is_int(hutch_parse_signal("TERM"), SIGTERM, "TERM");
  is_int(hutch_parse_signal("SIGKILL"), SIGKILL, "SIGKILL");
  is_int(hutch_parse_signal("9"), 9, "numeric");
  is_int(hutch_parse_signal("sigusr1"), SIGUSR1, "lower case");
  is_int(hutch_parse_signal("RTMIN+2"), SIGRTMIN + 2, "RTMIN+2");
  is_int(hutch_parse_signal("BOGUS"), -EINVAL, "unknown name");
  is_int(hutch_parse_signal("0"), -EINVAL, "zero is not a signal");
  is_str(hutch_signal_name(SIGTERM), "SIGTERM", "name of 15");
  _cleanup_strv_ char **sv = NULL;
  hutch_strv_push(&sv, "a");
  hutch_strv_push(&sv, "b");
  is_int(hutch_strv_len(sv), 2, "strv len");
  is_str(sv[1], "b", "strv element");
}

static void test_fs(void) {
  char tmpl[] = "/tmp/hutch-test-XXXXXX";
  ok(mkdtemp(tmpl) != NULL, "mkdtemp");
  _cleanup_close_ int dfd = open(tmpl, O_PATH | O_DIRECTORY);
  is_int(hutch_write_file_atomic(dfd, "state.json", "{}", 2, 0600), 0, "atomic write");
  _cleanup_free_ char *buf = NULL;
  size_t n = 0;
  is_int(hutch_read_file_at(dfd, "state.json", &buf, &n), 0, "read back");
  is_str(buf, "{}", "content");
  /* a symlink pointing out of the root stays inside */
  ok(symlinkat("/etc", dfd, "escape") == 0, "symlink escape -> /etc");
  int fd = hutch_mkdir_in_root(dfd, "/escape/sub", 0755);
  ok(fd >= 0, "mkdir through symlink stays in root");
  if (fd >= 0)
    close(fd);
  struct stat st;
  char p[512];
  snprintf(p, sizeof(p), "%s/etc/sub", tmpl);
  ok(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "created as <root>/etc/sub");
  ok(stat("/etc/sub", &st) != 0, "nothing created in host /etc");
  fd = hutch_open_in_root(dfd, "../../../../etc/passwd", O_RDONLY, 0);
  ok(fd < 0, ".. cannot climb out of the root");
  if (fd >= 0)
    close(fd);
  fd = hutch_mkmount_target_in_root(dfd, "/dev/null", false);
  ok(fd >= 0, "file mount target created");
  if (fd >= 0)
    close(fd);
  is_int(hutch_rm_rf(tmpl), 0, "rm -rf");
  ok(!hutch_path_exists(tmpl), "gone");
}

int main(void) {
  test_errors();
  test_strings();
  test_fs();
  return done_testing();
}
