/* The content-addressed store; see store.h for the layout and locking. */
#include "store.h"

#include "reference.h"
#include "unpack.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *hex_of(const char *digest) {
  return strncmp(digest, "sha256:", 7) == 0 ? digest + 7 : digest;
}

static char *path_of(const struct hutch_store *s, const char *dir, const char *digest,
                     const char *suffix) {
  char *p = NULL;
  if (asprintf(&p, "%s/%s/%s%s", s->root, dir, hex_of(digest), suffix) < 0)
    return NULL;
  return p;
}

char *hutch_store_blob_path(const struct hutch_store *s, const char *digest) {
  return path_of(s, "blobs/sha256", digest, "");
}
char *hutch_store_layer_path(const struct hutch_store *s, const char *diff_id) {
  return path_of(s, "layers/sha256", diff_id, "");
}
char *hutch_store_partial_path(const struct hutch_store *s, const char *digest) {
  return path_of(s, "tmp", digest, ".partial");
}

static bool kept(const char *name, char *const *keep) {
  for (; keep && *keep; keep++) {
    const char *hex = hex_of(*keep);
    size_t n = strlen(hex);
    if (strncmp(name, hex, n) == 0 && strcmp(name + n, ".partial") == 0)
      return true;
  }
  return false;
}

/* Unlink tmp/<name> if no puller holds it. Under our lock the name must
 * still be the file we locked: a puller that opened it meanwhile sees it
 * unlinked once it gets the lock and starts a new one (registry.c). */
static void remove_if_stale(int tmpfd, const char *name) {
  _cleanup_close_ int fd = openat(tmpfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
    return;
  struct stat a, b;
  if (fstat(fd, &a) < 0 || fstatat(tmpfd, name, &b, AT_SYMLINK_NOFOLLOW) < 0 ||
      a.st_dev != b.st_dev || a.st_ino != b.st_ino)
    return;
  hutch_debug("pull: remove stale partial download tmp/%s (%lld bytes)", name,
              (long long)a.st_size);
  unlinkat(tmpfd, name, 0);
}

void hutch_store_sweep_partials(struct hutch_store *s, char *const *keep) {
  int dfd = openat(s->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return;
  DIR *d = fdopendir(dfd);
  if (d == NULL) {
    close(dfd);
    return;
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    size_t n = strlen(de->d_name);
    if (n > 8 && strcmp(de->d_name + n - 8, ".partial") == 0 && !kept(de->d_name, keep))
      remove_if_stale(dirfd(d), de->d_name);
  }
  closedir(d);
}

bool hutch_store_has_blob(const struct hutch_store *s, const char *digest) {
  _cleanup_free_ char *p = hutch_store_blob_path(s, digest);
  return p && hutch_path_exists(p);
}

bool hutch_store_has_layer(const struct hutch_store *s, const char *diff_id) {
  _cleanup_free_ char *p = hutch_store_layer_path(s, diff_id);
  return p && hutch_path_exists(p);
}

int hutch_store_open(const char *root, struct hutch_store **out, struct hutch_error **err) {
  _cleanup_free_ char *rootless = NULL;
  if (root == NULL)
    root = getenv("HUTCH_ROOT");
  if ((root == NULL || *root == '\0') && geteuid() != 0) {
    /* rootless: the user's data dir (DESIGN.md, "Where state lives") */
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    if (xdg && *xdg ? asprintf(&rootless, "%s/hutch", xdg) < 0
                    : home && asprintf(&rootless, "%s/.local/share/hutch", home) < 0)
      rootless = NULL;
    root = rootless;
  }
  if (root == NULL || *root == '\0')
    root = HUTCH_STORE_DEFAULT_ROOT;
  struct hutch_store *s = calloc(1, sizeof(*s));
  if (s == NULL)
    return hutch_error_set(err, ENOMEM, "open image store");
  s->rootfd = s->gc_lock_fd = s->index_lock_fd = -EBADF;
  s->root = strdup(root);
  static const char *dirs[] = {"blobs/sha256", "layers/sha256", "tmp", "holds"};
  for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
    _cleanup_free_ char *p = NULL;
    if (asprintf(&p, "%s/%s", root, dirs[i]) < 0) {
      hutch_store_close(s);
      return hutch_error_set(err, ENOMEM, "open image store");
    }
    int r = hutch_mkdir_p(p, 0700);
    if (r < 0) {
      hutch_store_close(s);
      return hutch_error_set(err, r, "image store %s: create %s", root, dirs[i]);
    }
  }
  s->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->rootfd >= 0)
    s->gc_lock_fd = openat(s->rootfd, "gc.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s->rootfd >= 0)
    s->index_lock_fd = openat(s->rootfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s->rootfd < 0 || s->gc_lock_fd < 0 || s->index_lock_fd < 0) {
    int e = errno;
    hutch_store_close(s);
    return hutch_error_set(err, e, "open image store %s", root);
  }
  if (flock(s->gc_lock_fd, LOCK_SH) < 0) {
    int e = errno;
    hutch_store_close(s);
    return hutch_error_set(err, e, "lock image store %s", root);
  }
  *out = s;
  return 0;
}

void hutch_store_close(struct hutch_store *s) {
  if (s == NULL)
    return;
  hutch_closep(&s->gc_lock_fd);
  hutch_closep(&s->index_lock_fd);
  hutch_closep(&s->rootfd);
  free(s->root);
  free(s);
}

void hutch_store_closep(struct hutch_store **s) {
  hutch_store_close(*s);
  *s = NULL;
}

int hutch_store_put_blob(struct hutch_store *s, const void *data, size_t len,
                         char digest[static HUTCH_DIGEST_LEN], struct hutch_error **err) {
  int r = hutch_sha256_buf(data, len, digest);
  if (r < 0)
    return hutch_error_set(err, r, "digest blob");
  char name[128];
  snprintf(name, sizeof(name), "blobs/sha256/%s", hex_of(digest));
  if (faccessat(s->rootfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return 0;
  /* write_file_atomic puts its temp name beside the target; build the
   * blob dir fd so the temp stays on the same filesystem */
  _cleanup_close_ int dfd = openat(s->rootfd, "blobs/sha256", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return hutch_error_set(err, errno, "store blob %s", digest);
  r = hutch_write_file_atomic(dfd, hex_of(digest), data, len, 0644);
  if (r < 0)
    return hutch_error_set(err, r, "store blob %s", digest);
  return 0;
}

int hutch_store_read_blob(struct hutch_store *s, const char *digest, char **data, size_t *len,
                          struct hutch_error **err) {
  if (!hutch_digest_valid(digest))
    return hutch_error_set(err, EINVAL, "blob %s: not a sha256 digest", digest);
  char name[128];
  snprintf(name, sizeof(name), "blobs/sha256/%s", hex_of(digest));
  int r = hutch_read_file_at(s->rootfd, name, data, len);
  if (r < 0)
    return hutch_error_set(err, r, "read blob %s", digest);
  return 0;
}

int hutch_store_commit_blob_file(struct hutch_store *s, const char *tmp_path, const char *digest,
                                 struct hutch_error **err) {
  _cleanup_free_ char *dst = hutch_store_blob_path(s, digest);
  _cleanup_close_ int fd = open(tmp_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return hutch_error_set(err, errno, "blob %s: open %s", digest, tmp_path);
  char got[HUTCH_DIGEST_LEN];
  int r = hutch_sha256_fd(fd, got, NULL);
  if (r < 0)
    return hutch_error_set(err, r, "blob %s: read", digest);
  if (strcmp(got, digest) != 0) {
    unlink(tmp_path);
    return hutch_error_set(err, 0, "blob %s: digest mismatch (content is %s)", digest, got);
  }
  if (fsync(fd) < 0 || rename(tmp_path, dst) < 0)
    return hutch_error_set(err, errno, "blob %s: store", digest);
  return 0;
}

int hutch_store_put_blob_fd(struct hutch_store *s, int fd, char digest[static HUTCH_DIGEST_LEN],
                            uint64_t *size, struct hutch_error **err) {
  char tmpl[64] = "tmp/blob-XXXXXX";
  _cleanup_free_ char *tmp = NULL;
  if (asprintf(&tmp, "%s/%s", s->root, tmpl) < 0)
    return hutch_error_set(err, ENOMEM, "store blob");
  _cleanup_close_ int out = mkostemp(tmp, O_CLOEXEC);
  if (out < 0)
    return hutch_error_set(err, errno, "store blob: create %s", tmp);
  struct hutch_sha256 h;
  if (hutch_sha256_init(&h) < 0)
    return hutch_error_set(err, ENOMEM, "store blob");
  char buf[65536];
  uint64_t total = 0;
  int r = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      r = hutch_error_set(err, errno, "store blob: read input");
      break;
    }
    if (n == 0)
      break;
    hutch_sha256_update(&h, buf, (size_t)n);
    total += (uint64_t)n;
    for (ssize_t o = 0; o < n;) {
      ssize_t w = write(out, buf + o, (size_t)(n - o));
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0) {
        r = hutch_error_set(err, errno, "store blob: write %s", tmp);
        break;
      }
      o += w;
    }
    if (r < 0)
      break;
  }
  if (r < 0) {
    hutch_sha256_cleanup(&h);
    unlink(tmp);
    return r;
  }
  hutch_sha256_final(&h, digest);
  if (size)
    *size = total;
  _cleanup_free_ char *dst = hutch_store_blob_path(s, digest);
  if (fsync(out) < 0 || rename(tmp, dst) < 0) {
    r = hutch_error_set(err, errno, "store blob %s", digest);
    unlink(tmp);
    return r;
  }
  return 0;
}

int hutch_store_unpack_layer(struct hutch_store *s, const char *blob_digest,
                             const char *want_diff_id, char diff_id[static HUTCH_DIGEST_LEN],
                             struct hutch_error **err) {
  if (want_diff_id && hutch_store_has_layer(s, want_diff_id)) {
    snprintf(diff_id, HUTCH_DIGEST_LEN, "%s", want_diff_id);
    return 0;
  }
  _cleanup_free_ char *blob = hutch_store_blob_path(s, blob_digest);
  _cleanup_close_ int fd = open(blob, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return hutch_error_set(err, errno, "layer %s: open blob", blob_digest);
  _cleanup_free_ char *tmp = NULL;
  if (asprintf(&tmp, "%s/tmp/layer-XXXXXX", s->root) < 0 || mkdtemp(tmp) == NULL)
    return hutch_error_set(err, errno ? errno : ENOMEM, "layer %s: make temp dir", blob_digest);
  int r;
  _cleanup_free_ char *dst = NULL;
  _cleanup_close_ int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || fchmod(dfd, 0755) < 0) {
    r = hutch_error_set(err, errno, "layer %s: open %s", blob_digest, tmp);
    goto fail;
  }
  struct hutch_unpack_result res;
  r = hutch_layer_unpack(fd, dfd, &res, err);
  if (r < 0) {
    hutch_error_wrap(err, "layer %s", blob_digest);
    goto fail;
  }
  if (want_diff_id && strcmp(want_diff_id, res.diff_id) != 0) {
    r = hutch_error_set(err, 0, "layer %s: diff-id %s does not match the image config's %s",
                        blob_digest, res.diff_id, want_diff_id);
    goto fail;
  }
  snprintf(diff_id, HUTCH_DIGEST_LEN, "%s", res.diff_id);
  dst = hutch_store_layer_path(s, res.diff_id);
  syncfs(dfd);
  if (rename(tmp, dst) < 0) {
    /* another pull unpacked the same layer meanwhile: theirs is as good */
    if (errno == EEXIST || errno == ENOTEMPTY) {
      hutch_rm_rf(tmp);
      return 0;
    }
    r = hutch_error_set(err, errno, "layer %s: move into place", blob_digest);
    goto fail;
  }
  hutch_debug("layer %s unpacked to %s", blob_digest, dst);
  return 0;
fail:
  hutch_rm_rf(tmp);
  return r;
}

static json_t *empty_index(void) {
  return json_pack("{s:i, s:{}, s:{}, s:{}}", "version", 1, "images", "names", "holds");
}

static int index_load(struct hutch_store *s, json_t **index, struct hutch_error **err) {
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  int r = hutch_read_file_at(s->rootfd, "index.json", &data, &len);
  if (r == -ENOENT) {
    *index = empty_index();
    return *index ? 0 : hutch_error_set(err, ENOMEM, "image index");
  }
  if (r < 0)
    return hutch_error_set(err, r, "read %s/index.json", s->root);
  json_error_t je;
  json_t *j = json_loadb(data, len, 0, &je);
  if (j == NULL || !json_is_object(j))
    return hutch_error_set(err, EINVAL, "%s/index.json: %s", s->root,
                           j ? "not an object" : je.text);
  static const char *keys[] = {"images", "names", "holds"};
  for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
    if (!json_is_object(json_object_get(j, keys[i])))
      json_object_set_new(j, keys[i], json_object());
  *index = j;
  return 0;
}

int hutch_store_index_begin(struct hutch_store *s, json_t **index, struct hutch_error **err) {
  if (s->index_lock_depth++ == 0 && flock(s->index_lock_fd, LOCK_EX) < 0) {
    s->index_lock_depth--;
    return hutch_error_set(err, errno, "lock image index");
  }
  int r = index_load(s, index, err);
  if (r < 0)
    hutch_store_index_end(s);
  return r;
}

int hutch_store_index_commit(struct hutch_store *s, json_t *index, struct hutch_error **err) {
  _cleanup_free_ char *text = json_dumps(index, JSON_INDENT(2) | JSON_SORT_KEYS);
  if (text == NULL)
    return hutch_error_set(err, ENOMEM, "write image index");
  int r = hutch_write_file_atomic(s->rootfd, "index.json", text, strlen(text), 0644);
  if (r < 0)
    return hutch_error_set(err, r, "write %s/index.json", s->root);
  return 0;
}

void hutch_store_index_end(struct hutch_store *s) {
  if (s->index_lock_depth > 0 && --s->index_lock_depth == 0)
    flock(s->index_lock_fd, LOCK_UN);
}

int hutch_store_index_read(struct hutch_store *s, json_t **index, struct hutch_error **err) {
  /* the index is replaced by rename, so reading needs no lock */
  return index_load(s, index, err);
}

static bool holder_name_ok(const char *holder) {
  size_t n = strlen(holder);
  return n > 0 && n < 256 && holder[0] != '.' && !strchr(holder, '/');
}

int hutch_store_hold_set(struct hutch_store *s, const char *holder, const char *manifest_digest) {
  if (!holder_name_ok(holder))
    return -EINVAL;
  _cleanup_close_ int dfd = openat(s->rootfd, "holds", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return -errno;
  /* No fsync: a crash may leave the file empty, and an empty hold holds
   * every image (hutch_store_holds), so it errs on the side of keeping. */
  return hutch_write_file_replace(dfd, holder, manifest_digest, strlen(manifest_digest), 0600);
}

int hutch_store_hold_clear(struct hutch_store *s, const char *holder) {
  if (!holder_name_ok(holder))
    return -EINVAL;
  _cleanup_close_ int dfd = openat(s->rootfd, "holds", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return errno == ENOENT ? 0 : -errno;
  if (unlinkat(dfd, holder, 0) < 0 && errno != ENOENT)
    return -errno;
  return 0;
}

int hutch_store_holds(struct hutch_store *s, json_t *index, json_t **out,
                      struct hutch_error **err) {
  json_t *old = json_object_get(index, "holds");
  _cleanup_json_ json_t *holds = json_is_object(old) ? json_copy(old) : json_object();
  if (holds == NULL)
    return hutch_error_set(err, ENOMEM, "image holds");
  _cleanup_close_ int dfd = openat(s->rootfd, "holds", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
  if (d == NULL) {
    if (errno == ENOENT) {
      *out = TAKE_PTR(holds);
      return 0;
    }
    return hutch_error_set(err, errno, "read %s/holds", s->root);
  }
  dfd = -EBADF; /* owned by d */
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') /* ., .. and a crashed writer's temp files */
      continue;
    _cleanup_free_ char *md = NULL;
    size_t len = 0;
    if (hutch_read_file_at(dirfd(d), de->d_name, &md, &len) < 0 || !hutch_digest_valid(md)) {
      hutch_debug("hold %s: unreadable, it holds every image", de->d_name);
      json_object_set_new(holds, de->d_name, json_string(""));
      continue;
    }
    json_object_set_new(holds, de->d_name, json_string(md));
  }
  closedir(d);
  *out = TAKE_PTR(holds);
  return 0;
}

static void mark(json_t *live, const char *digest) {
  if (digest)
    json_object_set_new(live, hex_of(digest), json_true());
}

/* Delete entries of dir (relative to the root) not in live; count bytes. */
static int sweep(struct hutch_store *s, const char *dir, json_t *live, bool all, uint64_t *freed) {
  _cleanup_close_ int dfd = openat(s->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return -errno;
  DIR *d = fdopendir(dfd);
  if (d == NULL)
    return -errno;
  dfd = -EBADF; /* owned by d */
  int ret = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || strcmp(de->d_name, "..") == 0))
      continue;
    if (!all && json_object_get(live, de->d_name))
      continue;
    struct stat st;
    if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
      *freed += (uint64_t)st.st_size;
    hutch_debug("gc: remove %s/%s", dir, de->d_name);
    int r = hutch_rm_rf_at(dirfd(d), de->d_name);
    if (r < 0 && ret == 0)
      ret = r;
  }
  closedir(d);
  return ret;
}

int hutch_store_gc(struct hutch_store *s, bool wait, uint64_t *freed_bytes,
                   struct hutch_error **err) {
  if (freed_bytes)
    *freed_bytes = 0;
  /* Exclusive gc.lock: no other process has the store open, so nothing is
   * mid-pull with blobs not yet in the index. */
  if (flock(s->gc_lock_fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
    if (errno == EWOULDBLOCK && !wait) {
      hutch_debug("image store in use elsewhere: leaving the sweep for later");
      flock(s->gc_lock_fd, LOCK_SH);
      /* partials carry their own lock: those of dead pullers can go now */
      hutch_store_sweep_partials(s, NULL);
      return 0;
    }
    return hutch_error_set(err, errno, "lock image store for cleanup");
  }
  json_t *index = NULL;
  _cleanup_json_ json_t *live = json_object();
  int r = hutch_store_index_begin(s, &index, err);
  if (r < 0)
    goto out;
  const char *key;
  json_t *img;
  json_object_foreach(json_object_get(index, "images"), key, img) {
    mark(live, key);
    mark(live, json_string_value(json_object_get(img, "config")));
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(img, "layers"), i, l) {
      mark(live, json_string_value(json_object_get(l, "digest")));
      mark(live, json_string_value(json_object_get(l, "diff_id")));
    }
  }
  uint64_t freed = 0;
  r = sweep(s, "blobs/sha256", live, false, &freed);
  if (r == 0)
    r = sweep(s, "layers/sha256", live, false, &freed);
  if (r == 0)
    r = sweep(s, "tmp", live, true, &freed);
  hutch_store_index_end(s);
  json_decref(index);
  if (r < 0)
    r = hutch_error_set(err, r, "clean up image store %s", s->root);
  if (freed_bytes)
    *freed_bytes = freed;
out:
  flock(s->gc_lock_fd, LOCK_SH);
  return r;
}
