/* Unit tests for image/store + image: import, lookup by name and id
 * prefix, tags, holds, rmi, prune and the mark-and-sweep, all in a temp
 * store root. */
#include "tap.h"

#include "image/image.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/hutch-image-XXXXXX";

/* A gzip rootfs tarball holding one file with the given content. */
static int rootfs_tar(const char *content) {
  char path[256];
  snprintf(path, sizeof(path), "%s/rootfs.XXXXXX", tmpdir);
  int fd = mkstemp(path);
  unlink(path);
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_add_filter_gzip(a);
  archive_write_open_fd(a, fd);
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, "etc/content");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, (la_int64_t)strlen(content));
  archive_write_header(a, e);
  archive_write_data(a, content, strlen(content));
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  lseek(fd, 0, SEEK_SET);
  return fd;
}

static int count(const char *root, const char *sub) {
  char p[512];
  snprintf(p, sizeof(p), "%s/%s", root, sub);
  DIR *d = opendir(p);
  int n = 0;
  struct dirent *de;
  while (d && (de = readdir(d)))
    n += de->d_name[0] != '.';
  if (d)
    closedir(d);
  return n;
}

int main(void) {
  if (mkdtemp(tmpdir) == NULL)
    return 1;
  char root[300];
  snprintf(root, sizeof(root), "%s/store", tmpdir);
  struct hutch_store *s = NULL;
  struct hutch_error *e = NULL;
  ok(hutch_store_open(root, &s, &e) == 0, "open a store under an explicit root");

  _cleanup_close_ int t1 = rootfs_tar("one\n");
  struct hutch_image *a = NULL;
  ok(hutch_image_import(s, t1, "example.com/a:1", &a, &e) == 0, "import a");
  ok(a && a->n_layers == 1 && strncmp(a->id, "sha256:", 7) == 0, "one layer and an id");
  _cleanup_free_ char *c = NULL;
  char p[600];
  snprintf(p, sizeof(p), "%s/etc/content", a ? a->layer_dirs[0] : "");
  hutch_read_file(p, &c, NULL);
  is_str(c, "one\n", "layer dir holds the file");

  struct hutch_image *l = NULL;
  ok(hutch_image_lookup(s, "example.com/a:1", &l, &e) == 0 && strcmp(l->id, a->id) == 0,
     "lookup by name");
  hutch_image_free(l);
  char prefix[20];
  snprintf(prefix, sizeof(prefix), "%.10s", a->id + 7);
  l = NULL;
  ok(hutch_image_lookup(s, prefix, &l, &e) == 0 && strcmp(l->id, a->id) == 0,
     "lookup by id prefix");
  hutch_image_free(l);
  l = NULL;
  ok(hutch_image_lookup(s, "example.com/missing", &l, &e) < 0 && e->errnum == ENOENT,
     "unknown name is ENOENT");
  hutch_error_free(e);
  e = NULL;

  /* a second image sharing nothing */
  _cleanup_close_ int t2 = rootfs_tar("two\n");
  struct hutch_image *b = NULL;
  ok(hutch_image_import(s, t2, "example.com/b", &b, &e) == 0, "import b");
  ok(hutch_image_tag(s, "example.com/b", "example.com/b:alias", &e) == 0, "tag b");
  struct hutch_image **v = NULL;
  size_t n = 0;
  ok(hutch_image_list(s, &v, &n, &e) == 0 && n == 2, "two images listed");
  hutch_image_list_free(v, n);

  /* holds: a container using b; a file in holds/, the index untouched */
  struct stat st_before, st_after;
  snprintf(p, sizeof(p), "%s/index.json", root);
  stat(p, &st_before);
  ok(hutch_image_hold(s, "ctr1", "example.com/b:alias", &e) == 0, "hold b");
  ok(stat(p, &st_after) == 0 && st_after.st_ino == st_before.st_ino &&
         st_after.st_mtim.tv_nsec == st_before.st_mtim.tv_nsec,
     "hold does not rewrite index.json");
  {
    _cleanup_free_ char *held = NULL;
    char hp[400];
    snprintf(hp, sizeof(hp), "%s/holds/ctr1", root);
    hutch_read_file(hp, &held, NULL);
    is_str(held, b->manifest_digest, "holds/ctr1 names b's manifest digest");
  }
  ok(hutch_image_hold(s, "../x", "example.com/b:alias", &e) < 0, "a holder with '/' is refused");
  hutch_error_free(e);
  e = NULL;
  char **log = NULL;
  ok(hutch_image_remove(s, "example.com/b:latest", false, &log, &e) == 0,
     "rmi one of two names of a held image untags");
  hutch_strv_free(log);
  log = NULL;
  ok(hutch_image_remove(s, "example.com/b:alias", false, &log, &e) < 0 && e &&
         strstr(e->msg, "in use by container ctr1"),
     "rmi of the last name of a held image refused: %s", e ? e->msg : "");
  hutch_error_free(e);
  e = NULL;
  ok(hutch_image_remove(s, "example.com/b:alias", true, &log, &e) == 0, "rmi -f untags");
  ok(log && strstr(log[0], "Untagged") && log[1] == NULL, "held image untagged, not deleted");
  hutch_strv_free(log);
  log = NULL;
  uint64_t freed = 0;
  ok(hutch_image_prune(s, false, NULL, &freed, &e) == 0, "prune");
  ok(hutch_image_lookup(s, b->id, &l, &e) == 0, "prune keeps a held image");
  hutch_image_free(l);
  l = NULL;
  ok(hutch_path_exists(b->layer_dirs[0]), "and its layer");
  ok(hutch_image_release(s, "ctr1", &e) == 0, "release");
  is_int(count(root, "holds"), 0, "release removes the hold file");
  ok(hutch_image_prune(s, false, &log, &freed, &e) == 0 && log && freed > 0,
     "prune deletes it once released (%llu bytes)", (unsigned long long)freed);
  hutch_strv_free(log);
  log = NULL;
  ok(!hutch_path_exists(b->layer_dirs[0]), "its layer dir is gone");
  ok(hutch_path_exists(a->layer_dirs[0]), "a's layer dir stays");

  /* a hold file torn by a crash (empty) holds every image */
  snprintf(p, sizeof(p), "%s/holds/torn", root);
  hutch_write_file(p, "", 0);
  ok(hutch_image_remove(s, "example.com/a:1", false, NULL, &e) < 0 && e &&
         strstr(e->msg, "in use by container torn"),
     "an empty hold file keeps a: %s", e ? e->msg : "");
  hutch_error_free(e);
  e = NULL;
  ok(hutch_image_release(s, "torn", &e) == 0 && count(root, "holds") == 0, "release it");
  /* a hold in index.json (a store from before holds/) still counts */
  json_t *ix = NULL;
  ok(hutch_store_index_begin(s, &ix, &e) == 0, "index begin");
  json_object_set_new(json_object_get(ix, "holds"), "old", json_string(a->manifest_digest));
  ok(hutch_store_index_commit(s, ix, &e) == 0, "an old-style hold of a");
  hutch_store_index_end(s);
  json_decref(ix);
  ok(hutch_image_remove(s, "example.com/a:1", false, NULL, &e) < 0 && e &&
         strstr(e->msg, "in use by container old"),
     "the old-style hold keeps a");
  hutch_error_free(e);
  e = NULL;
  ok(hutch_image_release(s, "old", &e) == 0, "release the old-style hold");
  _cleanup_free_ char *ixt = NULL;
  snprintf(p, sizeof(p), "%s/index.json", root);
  ok(hutch_read_file(p, &ixt, NULL) == 0 && !strstr(ixt, "\"old\""), "gone from index.json");

  /* leftovers of an interrupted pull are swept */
  snprintf(p, sizeof(p), "%s/tmp/layer-stale", root);
  mkdir(p, 0700);
  snprintf(p, sizeof(p), "%s/blobs/sha256/%064d", root, 0);
  hutch_write_file(p, "orphan", 6);
  ok(hutch_store_gc(s, true, NULL, &e) == 0, "gc");
  is_int(count(root, "tmp"), 0, "tmp/ emptied");
  ok(!hutch_path_exists(p), "orphan blob removed");
  is_int(count(root, "blobs/sha256"), 3, "a's manifest, config and layer remain");

  /* another user of the store (a pull in progress) defers the sweep
   * instead of blocking rmi */
  struct hutch_store *other = NULL;
  ok(hutch_store_open(root, &other, &e) == 0, "second store handle");
  ok(hutch_image_remove(s, "example.com/a:1", false, &log, &e) == 0, "rmi a while in use");
  hutch_strv_free(log);
  ok(hutch_image_lookup(s, "example.com/a:1", &l, &e) < 0, "a is gone from the index");
  hutch_error_free(e);
  e = NULL;
  ok(hutch_path_exists(a->layer_dirs[0]), "its layer waits for the sweep");
  hutch_store_close(other);
  ok(hutch_store_gc(s, false, NULL, &e) == 0, "sweep once alone");
  is_int(count(root, "blobs/sha256"), 0, "no blobs left");
  is_int(count(root, "layers/sha256"), 0, "no layers left");

  /* the index is a plain JSON file, replaced atomically */
  _cleanup_free_ char *idx = NULL;
  snprintf(p, sizeof(p), "%s/index.json", root);
  ok(hutch_read_file(p, &idx, NULL) == 0 && strstr(idx, "\"images\": {}"), "index is empty");

  /* commit's error paths (they once freed an uninitialised pointer) */
  const char *index = "{\"schemaVersion\":2,\"mediaType\":"
                      "\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}";
  ok(hutch_image_commit(s, index, strlen(index), "example.com/x", NULL, &e) < 0 && e &&
         strstr(e->msg, "not an image manifest"),
     "commit of an index is refused: %s", e ? e->msg : "");
  hutch_error_free(e);
  e = NULL;
  const char *nocfg =
      "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
      "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
      "\"sha256:0000000000000000000000000000000000000000000000000000000000000000\",\"size\":2},"
      "\"layers\":[]}";
  ok(hutch_image_commit(s, nocfg, strlen(nocfg), "example.com/x", NULL, &e) < 0,
     "commit with a missing config blob fails: %s", e ? e->msg : "");
  hutch_error_free(e);
  e = NULL;

  hutch_image_free(a);
  hutch_image_free(b);
  hutch_store_close(s);
  hutch_rm_rf(tmpdir);
  return done_testing();
}
