/* libFuzzer target for layer unpacking: a layer blob is whatever a
 * registry or an archive sent, so any bytes (tar, gzip or zstd, broken or
 * hostile) must unpack or fail without writing outside the layer dir.
 *
 * Each input is unpacked into a fresh /tmp/hutch-fuzz-layer.XXXXXX/layer.
 * Decoys catch what escaped: a sibling dir next to the layer dir (for
 * "../" and symlink-to-parent tricks), the process's cwd (for a write
 * that forgot its dirfd), and a fixed dir /tmp/hutch-fuzz-sentinel with
 * one file "keep" (for absolute symlinks and hardlinks; the seed corpus
 * names it). After the unpack the decoys must be as they were: otherwise
 * abort, and libFuzzer keeps the input. The cwd is the decoy only during
 * the unpack (libFuzzer reads its corpus by relative paths): run it with
 * an absolute -artifact_prefix so a crash there is saved where expected. */
#include "fuzz.h"

#include "image/unpack.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SENTINEL "/tmp/hutch-fuzz-sentinel"
#define KEEP "sentinel, do not touch\n"

static char cwd_decoy[] = "/tmp/hutch-fuzz-cwd.XXXXXX";
static int home_fd = -EBADF; /* the cwd libFuzzer started in */

static void die(const char *what, const char *path) {
  fprintf(stderr, "fuzz_unpack: %s: %s\n", what, path);
  abort();
}

/* The names in dir, other than . and .., must be exactly `want` (n of
 * them, any order). */
static void expect_entries(const char *dir, const char *const *want, size_t n) {
  DIR *d = opendir(dir);
  if (d == NULL)
    die("opendir", dir);
  size_t seen = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    bool known = false;
    for (size_t i = 0; i < n && !known; i++)
      known = strcmp(de->d_name, want[i]) == 0;
    if (!known) {
      fprintf(stderr, "fuzz_unpack: %s/%s was written outside the layer\n", dir, de->d_name);
      abort();
    }
    seen++;
  }
  closedir(d);
  if (seen != n)
    die("an entry was removed from outside the layer", dir);
}

static void check_keep(void) {
  struct stat st;
  _cleanup_free_ char *text = NULL;
  size_t len;
  if (lstat(SENTINEL "/keep", &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1)
    die("changed (type or a hardlink to it)", SENTINEL "/keep");
  if (hutch_read_file(SENTINEL "/keep", &text, &len) < 0 || len != strlen(KEEP) ||
      memcmp(text, KEEP, len) != 0)
    die("content changed", SENTINEL "/keep");
}

static void cleanup_decoys(void) {
  hutch_rm_rf(cwd_decoy);
}

static void init_once(void) {
  hutch_log_set_level(HUTCH_LOG_ERROR);
  if (hutch_mkdir_p(SENTINEL, 0755) < 0)
    die("mkdir", SENTINEL);
  if (hutch_write_file(SENTINEL "/keep", KEEP, strlen(KEEP)) < 0)
    die("write", SENTINEL "/keep");
  if (mkdtemp(cwd_decoy) == NULL)
    die("mkdtemp", cwd_decoy);
  home_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (home_fd < 0)
    die("open", ".");
  atexit(cleanup_decoys);
}

/* fd of a memfd holding the input, at offset 0. */
static int input_fd(const uint8_t *data, size_t size) {
  int fd = memfd_create("layer", MFD_CLOEXEC);
  if (fd < 0)
    die("memfd_create", "layer");
  for (size_t off = 0; off < size;) {
    ssize_t w = write(fd, data + off, size - off);
    if (w < 0)
      die("write", "memfd");
    off += (size_t)w;
  }
  if (lseek(fd, 0, SEEK_SET) < 0)
    die("lseek", "memfd");
  return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool ready;
  if (!ready) {
    init_once();
    ready = true;
  }
  char tmp[] = "/tmp/hutch-fuzz-layer.XXXXXX"; /* on the disk, as the store is */
  if (mkdtemp(tmp) == NULL)
    die("mkdtemp", tmp);
  char layer[sizeof(tmp) + 16], sibling[sizeof(tmp) + 16];
  snprintf(layer, sizeof(layer), "%s/layer", tmp);
  snprintf(sibling, sizeof(sibling), "%s/sibling", tmp);
  if (mkdir(layer, 0755) < 0 || mkdir(sibling, 0755) < 0)
    die("mkdir", tmp);

  if (chdir(cwd_decoy) < 0)
    die("chdir", cwd_decoy);
  {
    _cleanup_close_ int fd = input_fd(data, size);
    _cleanup_close_ int destfd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (destfd < 0)
      die("open", layer);
    struct hutch_unpack_result res;
    struct hutch_error *err = NULL;
    if (hutch_layer_unpack(fd, destfd, &res, &err) == 0 && res.diff_id[0] == '\0')
      die("unpacked without a diff-id", layer);
    hutch_error_free(err);
  }
  {
    /* the docker-archive export path reads the same blobs */
    _cleanup_close_ int fd = input_fd(data, size);
    _cleanup_close_ int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    char diff_id[HUTCH_DIGEST_LEN];
    struct hutch_error *err = NULL;
    (void)hutch_layer_decompress(fd, null, diff_id, &err);
    hutch_error_free(err);
  }
  if (fchdir(home_fd) < 0)
    die("fchdir", "back");

  static const char *const tmp_want[] = {"layer", "sibling"};
  static const char *const keep_want[] = {"keep"};
  expect_entries(tmp, tmp_want, 2);
  expect_entries(sibling, NULL, 0);
  expect_entries(cwd_decoy, NULL, 0);
  expect_entries(SENTINEL, keep_want, 1);
  check_keep();
  if (hutch_rm_rf(tmp) < 0)
    die("remove", tmp);
  return 0;
}
