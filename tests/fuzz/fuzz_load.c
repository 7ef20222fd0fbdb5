/* libFuzzer target for `hutch load`: an image archive (docker-archive or
 * OCI layout) is outside input twice over, a tar stream and the JSON in
 * it (manifest.json, index.json, manifests, configs) naming paths inside
 * the archive. Each input is loaded into a fresh store under /tmp; it
 * loads or fails with an error, and whatever it loaded lists, inspects
 * and removes cleanly. */
#include "fuzz.h"

#include "image/image.h"
#include "image/image_archive.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strutil.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static void die(const char *what) {
  fprintf(stderr, "fuzz_load: %s\n", what);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool quiet;
  if (!quiet) {
    hutch_log_set_level(HUTCH_LOG_ERROR);
    quiet = true;
  }
  char root[] = "/tmp/hutch-fuzz-store.XXXXXX";
  if (mkdtemp(root) == NULL)
    die("mkdtemp");
  _cleanup_close_ int fd = memfd_create("archive", MFD_CLOEXEC);
  if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size) || lseek(fd, 0, SEEK_SET) < 0)
    die("memfd");

  struct hutch_store *s = NULL;
  struct hutch_error *err = NULL;
  if (hutch_store_open(root, &s, &err) < 0)
    die(err->msg);
  char **loaded = NULL;
  if (hutch_image_load(s, fd, &loaded, &err) < 0) {
    hutch_error_free(err);
    err = NULL;
  }
  hutch_strv_free(loaded);

  struct hutch_image **v = NULL;
  size_t n = 0;
  if (hutch_image_list(s, &v, &n, &err) < 0)
    die(err->msg);
  for (size_t i = 0; i < n; i++) {
    struct hutch_image *img = NULL;
    if (hutch_image_lookup(s, v[i]->manifest_digest, &img, &err) < 0)
      die("a loaded image cannot be looked up by its manifest digest");
    hutch_image_free(img);
    char **log = NULL;
    if (hutch_image_remove(s, v[i]->manifest_digest, true, &log, &err) < 0) {
      fprintf(stderr, "rmi %s: %s\n", v[i]->manifest_digest, err->msg);
      die("a loaded image cannot be removed");
    }
    hutch_strv_free(log);
  }
  hutch_image_list_free(v, n);
  hutch_store_close(s);
  if (hutch_rm_rf(root) < 0)
    die("remove the store");
  return 0;
}
