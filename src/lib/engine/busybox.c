/* The embedded busybox image: `hutch run busybox …` works with no
 * registry. When "busybox" is not in the store, a one-layer image is
 * imported from the host's static busybox (Debian's busybox-static):
 * /bin/busybox, a symlink per applet (its --list-full), a minimal /etc
 * and the usual empty directories, written as a tar with libarchive. Its
 * config has Cmd ["sh"] and a PATH, like docker's busybox, so
 * `hutch run -it busybox` gives a shell. */
#include "engine.h"

#include "image/manifest.h"
#include "image/reference.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/json.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOST_BUSYBOX "/bin/busybox"

static void add_entry(struct archive *a, const char *path, mode_t type, mode_t perm,
                      const char *link, const void *data, size_t len) {
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, path);
  archive_entry_set_filetype(e, type);
  archive_entry_set_perm(e, perm);
  archive_entry_set_mtime(e, 0, 0);
  if (link)
    archive_entry_set_symlink(e, link);
  archive_entry_set_size(e, (la_int64_t)(type == AE_IFREG ? len : 0));
  archive_write_header(a, e);
  if (type == AE_IFREG && len)
    archive_write_data(a, data, len);
  archive_entry_free(e);
}

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                             "nobody:x:65534:65534:nobody:/home:/bin/false\n";
static const char group[] = "root:x:0:\ndaemon:x:1:\ntty:x:5:\nusers:x:100:\nnogroup:x:65534:\n";

/* The applet list from `busybox --list-full`, one path a line. */
static char *applets(void) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return NULL;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    execl(HOST_BUSYBOX, "busybox", "--list-full", (char *)NULL);
    _exit(127);
  }
  close(p[1]);
  char *out = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&out, &len);
  char buf[4096];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof(buf))) > 0)
    fwrite(buf, 1, (size_t)n, m);
  close(p[0]);
  fclose(m);
  while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return out;
}

/* The uncompressed tar in fd as the one layer (its digest is its
 * diff-id) of an image whose config runs sh, committed as "busybox". */
static int commit_image(struct hutch_store *s, int fd, struct hutch_image **out,
                        struct hutch_error **err) {
  char layer[HUTCH_DIGEST_LEN], cd[HUTCH_DIGEST_LEN];
  uint64_t size = 0;
  if (hutch_store_put_blob_fd(s, fd, layer, &size, err) < 0)
    return -1;
  struct hutch_platform plat = {0};
  hutch_platform_host(&plat);
  _cleanup_json_ json_t *cfg = json_pack(
      "{s:s, s:s, s:s, s:{s:[s], s:[s]}, s:{s:s, s:[s]}, s:[{s:s, s:s}]}", "created",
      "1970-01-01T00:00:00Z", "architecture", plat.architecture ? plat.architecture : "amd64", "os",
      "linux", "config", "Env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "Cmd", "sh", "rootfs", "type", "layers", "diff_ids", layer, "history", "created",
      "1970-01-01T00:00:00Z", "created_by", "hutch: busybox from " HOST_BUSYBOX);
  hutch_platform_clear(&plat);
  _cleanup_free_ char *ctext = cfg ? hutch_json_dumps(cfg) : NULL;
  if (!ctext)
    return hutch_error_set(err, ENOMEM, "busybox image config");
  if (hutch_store_put_blob(s, ctext, strlen(ctext), cd, err) < 0)
    return -1;
  _cleanup_json_ json_t *man =
      json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}]}", "schemaVersion", 2,
                "mediaType", HUTCH_MT_OCI_MANIFEST, "config", "mediaType", HUTCH_MT_OCI_CONFIG,
                "digest", cd, "size", (json_int_t)strlen(ctext), "layers", "mediaType",
                HUTCH_MT_OCI_LAYER, "digest", layer, "size", (json_int_t)size);
  _cleanup_free_ char *mtext = man ? hutch_json_dumps(man) : NULL;
  if (!mtext)
    return hutch_error_set(err, ENOMEM, "busybox image manifest");
  _cleanup_reference_ struct hutch_reference *ref = NULL;
  if (hutch_reference_parse("busybox", &ref, err) < 0)
    return -1;
  _cleanup_free_ char *name = hutch_reference_store_name(ref);
  return hutch_image_commit(s, mtext, strlen(mtext), name, out, err);
}

int hutch_engine_busybox_image(struct hutch_engine *e, struct hutch_image **out,
                               struct hutch_error **err) {
  struct hutch_store *s;
  if (hutch_engine_store(e, &s, err) < 0)
    return -1;
  _cleanup_free_ char *bin = NULL;
  _cleanup_close_ int bfd = open(HOST_BUSYBOX, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (bfd < 0 || fstat(bfd, &st) < 0)
    return hutch_error_set(err, errno, "busybox image: %s (install busybox-static)", HOST_BUSYBOX);
  bin = malloc((size_t)st.st_size);
  if (!bin || read(bfd, bin, (size_t)st.st_size) != st.st_size)
    return hutch_error_set(err, EIO, "busybox image: read %s", HOST_BUSYBOX);
  _cleanup_free_ char *list = applets();
  if (!list || !*list)
    return hutch_error_set(err, EIO, "busybox image: %s --list-full gave nothing", HOST_BUSYBOX);
  _cleanup_close_ int fd = memfd_create("busybox.tar", MFD_CLOEXEC);
  if (fd < 0)
    return hutch_error_set(err, errno, "memfd");
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
    archive_write_free(a);
    return hutch_error_set(err, EIO, "busybox image: tar");
  }
  static const char *const dirs[] = {"bin",  "sbin", "usr", "usr/bin", "usr/sbin",
                                     "etc",  "proc", "sys", "dev",     "run",
                                     "root", "home", "tmp", "var",     "var/tmp"};
  for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
    add_entry(a, dirs[i], AE_IFDIR,
              strcmp(dirs[i], "tmp") == 0 || strcmp(dirs[i], "var/tmp") == 0 ? 01777
              : strcmp(dirs[i], "root") == 0                                 ? 0700
                                                                             : 0755,
              NULL, NULL, 0);
  add_entry(a, "bin/busybox", AE_IFREG, 0755, NULL, bin, (size_t)st.st_size);
  char *save = NULL;
  for (char *l = strtok_r(list, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
    if (strcmp(l, "bin/busybox") != 0 && strchr(l, '/'))
      add_entry(a, l, AE_IFLNK, 0777, "/bin/busybox", NULL, 0);
  add_entry(a, "etc/passwd", AE_IFREG, 0644, NULL, passwd, strlen(passwd));
  add_entry(a, "etc/group", AE_IFREG, 0644, NULL, group, strlen(group));
  archive_write_close(a);
  archive_write_free(a);
  lseek(fd, 0, SEEK_SET);
  if (commit_image(s, fd, out, err) < 0)
    return hutch_error_wrap(err, "import the busybox image from %s", HOST_BUSYBOX);
  return 0;
}
