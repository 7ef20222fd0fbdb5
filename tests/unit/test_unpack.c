/* Unit tests for image/unpack: formats, whiteouts, metadata, and hostile
 * layers built here with libarchive's writer. Needs root (device nodes,
 * chown, trusted.* xattrs), which the test machine has. */
#include "tap.h"

#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/hutch-unpack-XXXXXX";

enum kind { F, D, L, H, C };
struct ent {
  enum kind k;
  const char *name;
  const char *data; /* file content, or link target */
  mode_t mode;
};

/* Write a tar (filter: "gzip", "zstd" or NULL) to a new temp file; return
 * an fd positioned at 0. */
static int make_tar(const char *filter, const struct ent *ents, size_t n) {
  char path[256];
  snprintf(path, sizeof(path), "%s/tar.XXXXXX", tmpdir);
  int fd = mkstemp(path);
  unlink(path);
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (filter && strcmp(filter, "gzip") == 0)
    archive_write_add_filter_gzip(a);
  else if (filter && strcmp(filter, "zstd") == 0)
    archive_write_add_filter_zstd(a);
  archive_write_open_fd(a, fd);
  for (size_t i = 0; i < n; i++) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, ents[i].name);
    archive_entry_set_uid(e, 1000);
    archive_entry_set_gid(e, 1001);
    archive_entry_set_mtime(e, 1000000000, 0);
    switch (ents[i].k) {
    case F:
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, ents[i].mode ? ents[i].mode : 0644);
      archive_entry_set_size(e, (la_int64_t)strlen(ents[i].data));
      if (strcmp(ents[i].name, "xattr-file") == 0)
        archive_entry_xattr_add_entry(e, "user.greeting", "hi", 2);
      break;
    case D:
      archive_entry_set_filetype(e, AE_IFDIR);
      archive_entry_set_perm(e, ents[i].mode ? ents[i].mode : 0755);
      break;
    case L:
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_perm(e, 0777);
      archive_entry_set_symlink(e, ents[i].data);
      break;
    case H:
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, 0644);
      archive_entry_set_hardlink(e, ents[i].data);
      archive_entry_set_size(e, 0);
      break;
    case C:
      archive_entry_set_filetype(e, AE_IFCHR);
      archive_entry_set_perm(e, 0666);
      archive_entry_set_rdev(e, makedev(1, 3));
      break;
    }
    archive_write_header(a, e);
    if (ents[i].k == F)
      archive_write_data(a, ents[i].data, strlen(ents[i].data));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  lseek(fd, 0, SEEK_SET);
  return fd;
}

static int fresh_dir(const char *name) {
  char path[256];
  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  hutch_rm_rf(path);
  mkdir(path, 0755);
  return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static const struct ent good[] = {
    {D, "./", NULL, 0},
    {D, "etc/", NULL, 0750},
    {F, "etc/hello", "hello world\n", 0640},
    {F, "bin/tool", "#!/bin/sh\n", 04755},
    {L, "bin/sh", "/bin/busybox", 0},
    {H, "etc/hello2", "etc/hello", 0},
    {C, "dev/null", NULL, 0},
    {F, "xattr-file", "x", 0},
    {F, "etc/.wh.removed", "", 0},
    {D, "opq/", NULL, 0},
    {F, "opq/.wh..wh..opq", "", 0},
    {F, "opq/kept", "k", 0},
    {F, "etc/hello", "replaced\n", 0600},
};

static void test_formats(void) {
  const char *filters[] = {NULL, "gzip", "zstd"};
  char first_diff[HUTCH_DIGEST_LEN] = "";
  for (size_t i = 0; i < ARRAY_SIZE(filters); i++) {
    const char *fl = filters[i] ? filters[i] : "none";
    _cleanup_close_ int tar = make_tar(filters[i], good, ARRAY_SIZE(good));
    _cleanup_close_ int dir = fresh_dir(fl);
    struct hutch_unpack_result res;
    struct hutch_error *e = NULL;
    int r = hutch_layer_unpack(tar, dir, &res, &e);
    ok(r == 0, "%s: unpack succeeds%s%s", fl, e ? ": " : "", e ? e->msg : "");
    hutch_error_free(e);
    if (i == 0) {
      /* an uncompressed layer's diff-id is the digest of the file */
      char d[HUTCH_DIGEST_LEN];
      lseek(tar, 0, SEEK_SET);
      hutch_sha256_fd(tar, d, NULL);
      is_str(res.diff_id, d, "diff-id of an uncompressed layer is its digest");
      strcpy(first_diff, d);
    } else {
      /* the same entries compress to the same tar stream */
      is_str(res.diff_id, first_diff, "%s: diff-id is the digest of the uncompressed stream", fl);
    }
    _cleanup_free_ char *data = NULL;
    is_int(hutch_read_file_at(dir, "etc/hello", &data, NULL), 0, "%s: etc/hello exists", fl);
    is_str(data, "replaced\n", "%s: a later entry replaces an earlier one", fl);
    struct stat st;
    ok(fstatat(dir, "etc", &st, 0) == 0 && (st.st_mode & 07777) == 0750, "%s: dir mode", fl);
    ok(fstatat(dir, "bin/tool", &st, 0) == 0 && (st.st_mode & 07777) == 04755 &&
           st.st_uid == 1000 && st.st_gid == 1001,
       "%s: setuid mode and owner kept", fl);
    ok(st.st_mtime == 1000000000, "%s: mtime kept", fl);
    char target[64] = "";
    readlinkat(dir, "bin/sh", target, sizeof(target) - 1);
    is_str(target, "/bin/busybox", "%s: symlink target verbatim", fl);
    struct stat h1, h2;
    ok(fstatat(dir, "etc/hello2", &h2, 0) == 0 && fstatat(dir, "etc/hello", &h1, 0) == 0,
       "%s: hardlink exists", fl);
    ok(fstatat(dir, "dev/null", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) &&
           st.st_rdev == makedev(1, 3),
       "%s: char device 1:3", fl);
    ok(fstatat(dir, "etc/removed", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) &&
           st.st_rdev == makedev(0, 0),
       "%s: .wh.removed became a 0/0 char device", fl);
    ok(fstatat(dir, "etc/.wh.removed", &st, AT_SYMLINK_NOFOLLOW) < 0, "%s: no .wh. file left", fl);
    char x[8] = "";
    _cleanup_close_ int opq = openat(dir, "opq", O_RDONLY | O_DIRECTORY);
    ok(fgetxattr(opq, "trusted.overlay.opaque", x, sizeof(x)) == 1 && x[0] == 'y',
       "%s: opaque dir has trusted.overlay.opaque=y", fl);
    ok(fstatat(dir, "opq/kept", &st, 0) == 0, "%s: opaque dir keeps its own entries", fl);
    _cleanup_close_ int xf = openat(dir, "xattr-file", O_RDONLY);
    memset(x, 0, sizeof(x));
    ok(fgetxattr(xf, "user.greeting", x, sizeof(x)) == 2 && strcmp(x, "hi") == 0,
       "%s: user xattr kept", fl);
  }
}

static int unpack_hostile(const char *name, const struct ent *ents, size_t n, char **msg) {
  _cleanup_close_ int tar = make_tar("gzip", ents, n);
  _cleanup_close_ int dir = fresh_dir(name);
  struct hutch_unpack_result res;
  struct hutch_error *e = NULL;
  int r = hutch_layer_unpack(tar, dir, &res, &e);
  *msg = e && e->msg ? strdup(e->msg) : NULL;
  hutch_error_free(e);
  return r;
}

static void test_hostile(void) {
  char host[256], hostfile[300];
  snprintf(host, sizeof(host), "%s/hostdir", tmpdir);
  mkdir(host, 0755);

  /* ../ components are refused */
  char *msg = NULL;
  const struct ent dotdot[] = {{F, "../escaped", "x", 0}};
  int r = unpack_hostile("dotdot", dotdot, 1, &msg);
  ok(r < 0 && msg && strstr(msg, "escapes"), "../ entry refused (%s)", msg ? msg : "");
  snprintf(hostfile, sizeof(hostfile), "%s/escaped", tmpdir);
  ok(!hutch_path_exists(hostfile), "nothing written above the layer dir");
  free(msg);

  const struct ent dotdot2[] = {{F, "a/../../escaped2", "x", 0}};
  r = unpack_hostile("dotdot2", dotdot2, 1, &msg);
  ok(r < 0, "a/../../ entry refused");
  free(msg);

  /* absolute names land inside */
  const struct ent abs[] = {{F, "/abs/file", "x", 0}};
  r = unpack_hostile("abs", abs, 1, &msg);
  ok(r == 0, "absolute name unpacks");
  snprintf(hostfile, sizeof(hostfile), "%s/abs/abs/file", tmpdir);
  ok(hutch_path_exists(hostfile), "absolute name is inside the layer");
  free(msg);

  /* a symlink to a host dir, then a file under it */
  char target[300];
  snprintf(target, sizeof(target), "%s", host);
  const struct ent sym[] = {
      {L, "esc", target, 0},    {F, "esc/pwned", "x", 0},    {L, "up", "../../../../../../", 0},
      {F, "up/pwned2", "x", 0}, {L, "rel", "../hostdir", 0}, {F, "rel/pwned3", "x", 0},
  };
  r = unpack_hostile("sym", sym, ARRAY_SIZE(sym), &msg);
  ok(r == 0, "symlink layer unpacks contained (%s)", msg ? msg : "");
  free(msg);
  snprintf(hostfile, sizeof(hostfile), "%s/pwned", host);
  ok(!hutch_path_exists(hostfile), "no file under the host dir through an absolute symlink");
  snprintf(hostfile, sizeof(hostfile), "%s/pwned3", host);
  ok(!hutch_path_exists(hostfile), "no file under the host dir through a relative symlink");
  ok(!hutch_path_exists("/pwned2"), "no file in / through ../../ symlink");
  snprintf(hostfile, sizeof(hostfile), "%s/sym%s/pwned", tmpdir, host);
  ok(hutch_path_exists(hostfile), "the file landed at the symlink target inside the layer");
  snprintf(hostfile, sizeof(hostfile), "%s/sym/pwned2", tmpdir);
  ok(hutch_path_exists(hostfile), "../../ resolves to the layer root");

  /* hardlink to /etc/passwd */
  struct stat before;
  stat("/etc/passwd", &before);
  const struct ent hl[] = {{H, "passwd", "/etc/passwd", 0}};
  r = unpack_hostile("hl", hl, 1, &msg);
  ok(r < 0 && msg && strstr(msg, "not in the layer"), "hardlink to /etc/passwd refused (%s)",
     msg ? msg : "");
  free(msg);
  const struct ent hl2[] = {{H, "passwd", "../../../etc/passwd", 0}};
  r = unpack_hostile("hl2", hl2, 1, &msg);
  ok(r < 0 && msg && strstr(msg, "escapes"), "hardlink to ../../etc/passwd refused");
  free(msg);
  /* hardlink through a symlink to a host dir */
  const struct ent hl3[] = {{L, "hetc", "/etc", 0}, {H, "passwd", "hetc/passwd", 0}};
  r = unpack_hostile("hl3", hl3, 2, &msg);
  ok(r < 0, "hardlink through a symlink to /etc refused");
  free(msg);
  struct stat after;
  stat("/etc/passwd", &after);
  is_int(after.st_nlink, before.st_nlink, "/etc/passwd link count unchanged");
  is_int(after.st_uid, before.st_uid, "/etc/passwd owner unchanged");

  /* a file replacing a symlink does not write through it */
  snprintf(hostfile, sizeof(hostfile), "%s/victim", host);
  hutch_write_file(hostfile, "orig", 4);
  const struct ent over[] = {{L, "victim", hostfile, 0}, {F, "victim", "evil", 0}};
  r = unpack_hostile("over", over, 2, &msg);
  free(msg);
  _cleanup_free_ char *v = NULL;
  hutch_read_file(hostfile, &v, NULL);
  is_str(v, "orig", "a file entry over a symlink replaces the link, not its target");

  /* a whiteout named through a symlink stays inside */
  const struct ent wh[] = {{L, "wdir", host, 0}, {F, "wdir/.wh.victim", "", 0}};
  r = unpack_hostile("wh", wh, 2, &msg);
  free(msg);
  struct stat st;
  ok(stat(hostfile, &st) == 0 && S_ISREG(st.st_mode),
     "whiteout through a symlink leaves host file");

  /* not a tar */
  char junk[300];
  snprintf(junk, sizeof(junk), "%s/junk", tmpdir);
  hutch_write_file(junk, "this is not a tar archive at all, not even close........", 56);
  _cleanup_close_ int jfd = open(junk, O_RDONLY);
  _cleanup_close_ int dir = fresh_dir("junkdir");
  struct hutch_unpack_result res;
  struct hutch_error *e = NULL;
  ok(hutch_layer_unpack(jfd, dir, &res, &e) < 0 && e, "garbage is refused with an error (%s)",
     e ? e->msg : "");
  hutch_error_free(e);
}

int main(void) {
  if (mkdtemp(tmpdir) == NULL)
    return 1;
  test_formats();
  test_hostile();
  hutch_rm_rf(tmpdir);
  return done_testing();
}
