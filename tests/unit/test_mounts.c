/* Unit tests for the mount helpers that need no container: the tmpcopyup
 * copy (linux/copyup.c) and idmapped mount preparation (linux/idmap.c).
 * Runs as root (owners, mknod, idmapped mounts); parts that need more skip
 * with a reason. */
#include "tap.h"

#include "linux/copyup.h"
#include "linux/idmap.h"
#include "linux/mountinfo.h"
#include "linux/mounts.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static char *slurp(int dirfd, const char *name) {
  char *s = NULL;
  size_t n;
  return hutch_read_file_at(dirfd, name, &s, &n) < 0 ? NULL : s;
}

static void test_copy(void) {
  char tmpl[] = "/tmp/test_mounts.XXXXXX";
  ok(mkdtemp(tmpl) != NULL, "temp dir");
  _cleanup_close_ int top = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ok(mkdirat(top, "src", 0755) == 0 && mkdirat(top, "dst", 0700) == 0, "src and dst");
  _cleanup_close_ int src = openat(top, "src", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int dst = openat(top, "dst", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  ok(hutch_write_file_at(src, "passwd", "root:x:0:0\n", 11) == 0, "file");
  fchownat(src, "passwd", 12, 34, 0); /* before chmod: chown clears setuid */
  fchmodat(src, "passwd", 04751, 0);
  mkdirat(src, "d", 0710);
  mkdirat(src, "d/e", 0755);
  hutch_write_file_at(src, "d/e/deep", "deep", 4);
  fchownat(src, "d", 56, 78, 0);
  ok(symlinkat("/etc/shadow", src, "abs") == 0, "absolute symlink");
  symlinkat("d/e", src, "rel");
  mkfifoat(src, "fifo", 0620);
  fchmodat(src, "fifo", 0620, 0); /* past the umask */
  mknodat(src, "null", S_IFCHR | 0666, makedev(1, 3));
  _cleanup_close_ int pf = openat(src, "passwd", O_RDONLY | O_CLOEXEC);
  bool xattrs = fsetxattr(pf, "user.hutch", "v1", 2, 0) == 0;

  is_int(hutch_copy_dir_contents(src, dst), 0, "copy");
  _cleanup_free_ char *p = slurp(dst, "passwd");
  is_str(p, "root:x:0:0\n", "file content");
  struct stat st;
  ok(fstatat(dst, "passwd", &st, 0) == 0 && (st.st_mode & 07777) == 04751 && st.st_uid == 12 &&
         st.st_gid == 34,
     "file mode (setuid kept after chown) and owner");
  _cleanup_free_ char *d = slurp(dst, "d/e/deep");
  is_str(d, "deep", "nested file");
  ok(fstatat(dst, "d", &st, 0) == 0 && (st.st_mode & 07777) == 0710 && st.st_uid == 56 &&
         st.st_gid == 78,
     "directory mode and owner");
  char l[64] = {0};
  ok(readlinkat(dst, "abs", l, sizeof(l) - 1) > 0 && strcmp(l, "/etc/shadow") == 0,
     "an absolute symlink is copied as a link, not followed");
  ok(fstatat(dst, "abs", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode), "still a link");
  ok(fstatat(dst, "rel", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode), "relative link");
  ok(fstatat(dst, "fifo", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISFIFO(st.st_mode) &&
         (st.st_mode & 0777) == 0620,
     "fifo");
  ok(fstatat(dst, "null", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) &&
         st.st_rdev == makedev(1, 3),
     "device node");
  if (xattrs) {
    char v[8] = {0};
    _cleanup_close_ int df = openat(dst, "passwd", O_RDONLY | O_CLOEXEC);
    ok(fgetxattr(df, "user.hutch", v, sizeof(v)) == 2 && strcmp(v, "v1") == 0, "user xattr");
  } else {
    ok(1, "# SKIP user xattrs not supported on /tmp");
  }
  is_int(hutch_copy_dir_contents(src, dst), -EEXIST, "copying onto existing entries fails");

  fchmodat(top, "src", 0751, 0);
  fchownat(top, "src", 9, 9, 0);
  is_int(hutch_copy_dir_attrs(src, dst), 0, "root attrs");
  ok(fstat(dst, &st) == 0 && (st.st_mode & 07777) == 0751 && st.st_uid == 9, "root mode, owner");
  hutch_rm_rf(tmpl);
}

static struct spec *parse(const char *mounts) {
  char json[2048];
  snprintf(json, sizeof(json),
           "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, \"mounts\": %s}", mounts);
  struct spec *s = NULL;
  struct hutch_error *e = NULL;
  if (hutch_spec_parse(json, strlen(json), &s, &e) < 0) {
    printf("# parse: %s\n", e && e->msg ? e->msg : "?");
    hutch_error_free(e);
  }
  return s;
}

/* hutch_idmap_prepare refuses the mounts (JSON) with a message containing want. */
static void prepare_fails(const char *mounts, const char *want) {
  struct hutch_error *e = NULL;
  int *fds = NULL;
  struct spec *s = parse(mounts);
  ok(s && hutch_idmap_prepare(s, &fds, &e) < 0 && e && strstr(e->msg, want), "error: %s",
     e && e->msg ? e->msg : "(none)");
  hutch_error_free(e);
  hutch_spec_free(s);
}

static void test_idmap_prepare(void) {
  struct hutch_error *e = NULL;
  int *fds = (int *)1;
  struct spec *s =
      parse("[{\"destination\": \"/a\", \"source\": \"/tmp\", \"options\": [\"rbind\"]}]");
  is_int(hutch_idmap_prepare(s, &fds, &e), 0, "no idmap mounts");
  ok(fds == NULL, "no fds");
  hutch_spec_free(s);

  prepare_fails("[{\"destination\": \"/t\", \"type\": \"tmpfs\", \"options\": [\"idmap\"]}]",
                "mounts[0] /t: idmap and ridmap apply to bind mounts only");
  prepare_fails("[{\"destination\": \"/a\", \"source\": \"/tmp\", \"options\": [\"rbind\", "
                "\"idmap\"]}]",
                "mounts[0] /a: idmap without uidMappings and gidMappings needs a user namespace");
  prepare_fails(
      "[{\"destination\": \"/a\", \"source\": \"/tmp\", \"options\": [\"bind\", "
      "\"idmap\"], \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]}]",
      "mounts[0] /a: uidMappings and gidMappings must be given together");

  /* A real idmapped tree of a fresh tmpfs (tmpfs supports idmapped mounts
   * since Linux 6.3): the clone is detached and idmapped. */
  char tmpl[] = "/tmp/test_mounts_idmap.XXXXXX";
  mkdtemp(tmpl);
  if (getuid() != 0 || mount("t", tmpl, "tmpfs", 0, "size=1m") < 0) {
    ok(1, "# SKIP cannot mount a tmpfs (not root?)");
    rmdir(tmpl);
    return;
  }
  char path[128];
  snprintf(path, sizeof(path), "%s/f", tmpl);
  hutch_write_file(path, "x", 1);
  char m[512];
  snprintf(m, sizeof(m),
           "[{\"destination\": \"/a\", \"source\": \"/tmp\", \"options\": [\"bind\"]},"
           " {\"destination\": \"/b\", \"source\": \"%s\", \"options\": [\"bind\", \"idmap\"],"
           " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],"
           " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 2000, \"size\": 1}]}]",
           tmpl);
  s = parse(m);
  int r = hutch_idmap_prepare(s, &fds, &e);
  is_int(r, 0, "idmapped tree: %s", e && e->msg ? e->msg : "");
  if (r == 0) {
    ok(fds[0] == -EBADF && fds[1] >= 0, "one fd, for the idmap mount");
    struct stat st;
    ok(fstatat(fds[1], "f", &st, 0) == 0 && st.st_uid == 1000 && st.st_gid == 2000,
       "root's file shows as 1000:2000 through the tree");
    ok(fcntl(fds[1], F_GETFD) & FD_CLOEXEC, "close-on-exec");
    hutch_idmap_free(fds, s->n_mounts);
  }
  hutch_error_free(e);
  hutch_spec_free(s);
  umount2(tmpl, MNT_DETACH);
  rmdir(tmpl);
}

static void test_tmpfs_mode(void) {
  char *d = hutch_tmpfs_data_with_mode(NULL, 041777);
  ok(d && strcmp(d, "mode=1777") == 0, "no options: mode of the dir (sticky), type bits dropped");
  free(d);
  d = hutch_tmpfs_data_with_mode("size=1m,nr_inodes=10", 02775);
  ok(d && strcmp(d, "mode=2775,size=1m,nr_inodes=10") == 0, "setgid mode in front of the options");
  free(d);
  d = hutch_tmpfs_data_with_mode("", 0755);
  ok(d && strcmp(d, "mode=0755") == 0, "empty options");
  free(d);
  ok(hutch_tmpfs_data_with_mode("size=1m,mode=0700", 01777) == NULL, "mode= given: kept as is");
  ok(hutch_tmpfs_data_with_mode("mode=1777", 0755) == NULL, "mode= first: kept as is");
  d = hutch_tmpfs_data_with_mode("nomode=1", 0700);
  ok(d && strcmp(d, "mode=0700,nomode=1") == 0, "an option ending in mode is not mode=");
  free(d);
}

static void test_mountinfo(void) {
  char l1[] = "36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - ext3 /dev/root "
              "rw,errors=continue";
  struct hutch_mountinfo e;
  is_int(hutch_mountinfo_parse_line(l1, &e), 0, "mountinfo: proc(5)'s example line");
  is_str(e.root, "/mnt1", "mountinfo: root");
  is_str(e.mountpoint, "/mnt/with space", "mountinfo: mountpoint unescaped (\\040)");
  is_str(e.options, "rw,noatime", "mountinfo: per-mount options");
  is_str(e.fstype, "ext3", "mountinfo: fstype after the optional fields' \"-\"");
  is_str(e.source, "/dev/root", "mountinfo: source");
  is_str(e.superopts, "rw,errors=continue", "mountinfo: superblock options");
  char l2[] = "22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 master:3 - proc proc rw";
  is_int(hutch_mountinfo_parse_line(l2, &e), 0, "mountinfo: two optional fields");
  ok(strcmp(e.fstype, "proc") == 0 && strcmp(e.mountpoint, "/proc") == 0, "mountinfo: a procfs");
  char l3[] = "22 1 0:21 / /x rw - cgroup2 none";
  is_int(hutch_mountinfo_parse_line(l3, &e), 0, "mountinfo: no optional field, no superopts");
  ok(e.superopts == NULL && strcmp(e.source, "none") == 0, "mountinfo: superopts absent");
  char bad1[] = "22 1 0:21 / /x rw shared:1";
  is_int(hutch_mountinfo_parse_line(bad1, &e), -EINVAL, "mountinfo: no \"-\" separator");
  char bad2[] = "22 1 0:21 / /x rw - proc";
  is_int(hutch_mountinfo_parse_line(bad2, &e), -EINVAL, "mountinfo: no source after fstype");
  char bad3[] = "";
  is_int(hutch_mountinfo_parse_line(bad3, &e), -EINVAL, "mountinfo: empty line");
}

int main(void) {
  test_mountinfo();
  test_tmpfs_mode();
  test_copy();
  test_idmap_prepare();
  return done_testing();
}
