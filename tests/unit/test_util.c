/* Unit tests for util/: errors, strings, signals, fs. */
#include "tap.h"

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
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

/* A merged-/usr image with hostile links, resolved both ways. */
static void make_tree(int d) {
  mkdirat(d, "usr", 0755);
  mkdirat(d, "usr/bin", 0755);
  mkdirat(d, "usr/lib", 0755);
  mkdirat(d, "etc", 0755);
  mkdirat(d, "etc/sub", 0755);
  hutch_write_file_at(d, "usr/bin/busybox", "bb", 2);
  hutch_write_file_at(d, "usr/lib/libc.so", "lc", 2);
  hutch_write_file_at(d, "etc/passwd", "root:x:0:0::/:/bin/sh\n", 22);
  symlinkat("usr/bin", d, "bin");                   /* relative, merged /usr */
  symlinkat("/usr/lib", d, "lib");                  /* absolute */
  symlinkat("busybox", d, "usr/bin/sh");            /* relative, same directory */
  symlinkat("../../../../../etc", d, "etc/sub/up"); /* climbs past the root */
  symlinkat("/", d, "etc/sub/slash");
  symlinkat("/etc/passwd", d, "etc/pw");          /* absolute, to a file */
  symlinkat("../../etc/passwd", d, "usr/bin/pw"); /* relative, to a file */
  symlinkat("loop2", d, "loop1");
  symlinkat("loop1", d, "loop2");
  symlinkat("/nonexistent/x", d, "dangling");
  symlinkat("/etc/newfile", d, "etc/create-through");
  /* a chain of 45 links: past the kernel's 40 */
  char a[16], b[16];
  for (int i = 0; i < 45; i++) {
    snprintf(a, sizeof(a), "c%d", i);
    snprintf(b, sizeof(b), "c%d", i + 1);
    symlinkat(b, d, a);
  }
  hutch_write_file_at(d, "c45", "end", 3);
  /* 30 links: under the bound */
  for (int i = 0; i < 30; i++) {
    snprintf(a, sizeof(a), "s%d", i);
    snprintf(b, sizeof(b), "s%d", i + 1);
    symlinkat(b, d, a);
  }
  symlinkat("etc/passwd", d, "s30");
}

/* Result of one open: the inode it reached, or -errno. */
static long long open_result(int fd) {
  if (fd < 0)
    return fd;
  struct stat st;
  long long r = fstat(fd, &st) == 0 ? (long long)st.st_ino : -1000;
  close(fd);
  return r;
}

static long long ino_of(int d, const char *path) {
  struct stat st;
  return fstatat(d, path, &st, AT_SYMLINK_NOFOLLOW) == 0 ? (long long)st.st_ino : -1;
}

static void test_open_in_root_walk(void) {
  char tmpl[] = "/tmp/hutch-walk-XXXXXX";
  ok(mkdtemp(tmpl) != NULL, "mkdtemp");
  _cleanup_close_ int d = open(tmpl, O_PATH | O_DIRECTORY);
  make_tree(d);
  long long passwd = ino_of(d, "etc/passwd"), bb = ino_of(d, "usr/bin/busybox");
  long long libc = ino_of(d, "usr/lib/libc.so"), root = ino_of(d, "."), etc = ino_of(d, "etc");
  const struct {
    const char *path;
    int flags;
    long long want; /* an inode, or -errno */
  } cases[] = {
      {"/bin/busybox", O_RDONLY, bb},
      {"bin/sh", O_RDONLY, bb},
      {"/lib/libc.so", O_RDONLY, libc},
      {"/bin/../lib/libc.so", O_RDONLY, libc}, /* ".." after a link: usr/lib */
      {"/etc/sub/up/passwd", O_RDONLY, passwd},
      {"/etc/sub/slash/etc/passwd", O_RDONLY, passwd},
      {"../../../etc/passwd", O_RDONLY, passwd},
      {"/etc/../../../../etc/./passwd", O_RDONLY, passwd},
      {"/etc/pw", O_RDONLY, passwd},
      {"/bin/pw", O_RDONLY, passwd},
      {"/etc/sub/up", O_RDONLY | O_DIRECTORY, etc},
      {"/etc/sub/slash", O_PATH, root},
      {"/bin/sh", O_PATH, bb},
      {"/", O_RDONLY | O_DIRECTORY, root},
      {"..", O_PATH, root},
      {"/s0", O_RDONLY, passwd},
      {"/c0", O_RDONLY, -ELOOP},
      {"/loop1", O_RDONLY, -ELOOP},
      {"/loop1/x", O_RDONLY, -ELOOP},
      {"/etc/pw", O_RDONLY | O_NOFOLLOW, -ELOOP},
      {"/dangling", O_RDONLY, -ENOENT},
      {"/etc/passwd/x", O_RDONLY, -ENOTDIR},
      {"/nope/x", O_RDONLY, -ENOENT},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    long long a = open_result(hutch_open_in_root(d, cases[i].path, cases[i].flags, 0));
    long long b = open_result(hutch_open_in_root_walk(d, cases[i].path, cases[i].flags, 0));
    is_int(a, cases[i].want, "openat2: %s", cases[i].path);
    is_int(b, cases[i].want, "fallback: %s", cases[i].path);
  }
  /* O_CREAT through an absolute dangling link creates inside the root */
  int fd = hutch_open_in_root_walk(d, "/etc/create-through", O_WRONLY | O_CREAT, 0644);
  ok(fd >= 0, "fallback: O_CREAT through a dangling link");
  if (fd >= 0)
    close(fd);
  ok(ino_of(d, "etc/newfile") > 0, "created as <root>/etc/newfile");
  is_int(hutch_open_in_root_walk(d, "/etc/create-through", O_WRONLY | O_CREAT | O_EXCL, 0644),
         -EEXIST, "fallback: O_EXCL does not follow a link");
  is_int(hutch_rm_rf(tmpl), 0, "rm -rf");
}

static void test_json_sorted(void) {
  json_t *o = json_pack("{s:i, s:i, s:i}", "tier", 1, "app", 2, "b", 3);
  o = hutch_json_sorted(o);
  char *s = hutch_json_dumps(o);
  is_str(s, "{\"app\":2,\"b\":3,\"tier\":1}", "keys sorted as Go writes a map");
  free(s);
  json_decref(o);
  o = hutch_json_sorted(json_object());
  ok(o && json_object_size(o) == 0, "an empty object stays empty");
  json_decref(o);
}

int main(void) {
  test_json_sorted();
  test_errors();
  test_strings();
  test_fs();
  test_open_in_root_walk();
  return done_testing();
}
