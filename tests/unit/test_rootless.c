/* Unit tests for rootless: /etc/subuid parsing, the id maps built from a
 * range, and where state lives for root and for an unprivileged user. */
#include "tap.h"

#include "linux/rootless.h"
#include "linux/subid.h"

#include <errno.h>
#include <string.h>

static void subid_parsing(void) {
  const char *text = "# comment\n"
                     "alice:100000:65536\n"
                     "broken line\n"
                     "bob:x:65536\n"
                     "1002:300000:1000\n"
                     "bob:200000:65536\n"
                     "carol:400000:0\n"
                     "dave:500000:10";
  struct hutch_subid r = {0};
  is_int(hutch_subid_find(text, "alice", 1000, &r), 0, "alice by name");
  ok(r.start == 100000 && r.count == 65536, "alice's range 100000+65536");
  is_int(hutch_subid_find(text, "bob", 1001, &r), 0, "bob: the malformed line skipped");
  ok(r.start == 200000 && r.count == 65536, "bob's range from the good line");
  is_int(hutch_subid_find(text, "erin", 1002, &r), 0, "by numeric uid");
  ok(r.start == 300000 && r.count == 1000, "uid 1002's range");
  is_int(hutch_subid_find(text, "carol", 1003, &r), -ENOENT, "a zero count is no range");
  is_int(hutch_subid_find(text, "dave", 1004, &r), 0, "last line without newline");
  ok(r.start == 500000 && r.count == 10, "dave's range");
  is_int(hutch_subid_find(text, "al", 1005, &r), -ENOENT, "a prefix of a name does not match");
  is_int(hutch_subid_find("", "alice", 1000, &r), -ENOENT, "empty file");
  is_int(hutch_subid_find(text, NULL, 1002, &r), 0, "no user name: by uid");
}

static void maps(void) {
  char buf[64];
  struct hutch_subid r = {100000, 65536};
  ok(hutch_subid_map(1000, &r, buf, sizeof(buf)) > 0 && strcmp(buf, "0 1000 1 1 100000 65536") == 0,
     "root is the user, 1.. the range");
  ok(hutch_subid_map(1000, NULL, buf, sizeof(buf)) > 0 && strcmp(buf, "0 1000 1") == 0,
     "no range: single-id map");
  is_int(hutch_subid_map(1000, &r, buf, 8), -ENAMETOOLONG, "too small a buffer");
}

static void paths(void) {
  struct hutch_paths p;
  struct hutch_error *err = NULL;
  struct hutch_rootless_env none = {0};
  is_int(hutch_paths_select(true, &none, &p, &err), 0, "root: always");
  is_str(p.data, "/var/lib/hutch", "root data");
  is_str(p.run, "/run/hutch", "root run");
  is_str(p.config, "/etc/hutch", "root config");
  struct hutch_rootless_env home = {"/home/u", NULL, "/run/user/1000", NULL};
  is_int(hutch_paths_select(false, &home, &p, &err), 0, "rootless with HOME only");
  is_str(p.data, "/home/u/.local/share/hutch", "default data");
  is_str(p.run, "/run/user/1000/hutch", "run under XDG_RUNTIME_DIR");
  is_str(p.config, "/home/u/.config/hutch", "default config");
  struct hutch_rootless_env xdg = {"/home/u", "/d", "/r", "/c"};
  is_int(hutch_paths_select(false, &xdg, &p, &err), 0, "rootless with XDG dirs");
  is_str(p.data, "/d/hutch", "XDG_DATA_HOME");
  is_str(p.config, "/c/hutch", "XDG_CONFIG_HOME");
  struct hutch_rootless_env rel = {"/home/u", "rel", "/r", ""};
  is_int(hutch_paths_select(false, &rel, &p, &err), 0, "relative XDG values ignored");
  is_str(p.data, "/home/u/.local/share/hutch", "relative XDG_DATA_HOME: the default");
  struct hutch_rootless_env norun = {"/home/u", NULL, NULL, NULL};
  ok(hutch_paths_select(false, &norun, &p, &err) < 0 && err &&
         strstr(err->msg, "XDG_RUNTIME_DIR is not set"),
     "no XDG_RUNTIME_DIR: an error naming it");
  hutch_error_free(err);
  err = NULL;
  struct hutch_rootless_env nohome = {NULL, NULL, "/r", NULL};
  ok(hutch_paths_select(false, &nohome, &p, &err) < 0 && err && strstr(err->msg, "HOME"),
     "no HOME nor XDG_DATA_HOME: an error naming them");
  hutch_error_free(err);
}

int main(void) {
  subid_parsing();
  maps();
  paths();
  return done_testing();
}
