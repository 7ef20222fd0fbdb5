/* The content-addressed image store under one root directory:
 *
 *   <root>/blobs/sha256/<hex>     manifests, configs, compressed layers
 *   <root>/layers/sha256/<hex>/   each layer unpacked once, by diff-id
 *   <root>/tmp/                   partial downloads (resumed) and unpacks
 *   <root>/index.json             images by manifest digest, names (and the
 *                                 holds of stores made before holds/)
 *   <root>/holds/<holder>         a container's hold: the manifest digest it uses
 *   <root>/lock, <root>/gc.lock   flock()s: index updates; sweep vs users
 *
 * Everything becomes visible by rename() only when complete, so a pull
 * killed at any point leaves the store as it was plus some files in tmp/.
 * Every opened store holds gc.lock shared; the mark-and-sweep takes it
 * exclusive, so it never deletes what a running pull is about to index. */
#pragma once

#include "digest.h"
#include "util/error.h"
#include "util/json.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HUTCH_STORE_DEFAULT_ROOT "/var/lib/hutch"

struct hutch_store {
  char *root;
  int rootfd;
  int gc_lock_fd;
  int index_lock_fd;
  int index_lock_depth;
};

/* root NULL: $HUTCH_ROOT, else /var/lib/hutch (root) or
 * ${XDG_DATA_HOME:-~/.local/share}/hutch (rootless). Creates the layout. */
int hutch_store_open(const char *root, struct hutch_store **out, struct hutch_error **err);
void hutch_store_close(struct hutch_store *s);
void hutch_store_closep(struct hutch_store **s);
#define _cleanup_store_ __attribute__((cleanup(hutch_store_closep)))

/* "<root>/blobs/sha256/<hex>", "<root>/layers/sha256/<hex>" (caller frees) */
char *hutch_store_blob_path(const struct hutch_store *s, const char *digest);
char *hutch_store_layer_path(const struct hutch_store *s, const char *diff_id);
/* Where a download of digest accumulates (kept across runs to resume). */
char *hutch_store_partial_path(const struct hutch_store *s, const char *digest);
/* Remove the partial downloads no puller holds (each holds its file's
 * flock while it downloads) except those of keep (digests, NULL-ended, may
 * be NULL), which the caller is about to resume. A failed or killed pull
 * leaves its partials for a resume; the next pull or sweep ends them. */
void hutch_store_sweep_partials(struct hutch_store *s, char *const *keep);
bool hutch_store_has_blob(const struct hutch_store *s, const char *digest);
bool hutch_store_has_layer(const struct hutch_store *s, const char *diff_id);

/* Store a small blob (manifest, config); writes the digest it got. */
int hutch_store_put_blob(struct hutch_store *s, const void *data, size_t len,
                         char digest[static HUTCH_DIGEST_LEN], struct hutch_error **err);
int hutch_store_read_blob(struct hutch_store *s, const char *digest, char **data, size_t *len,
                          struct hutch_error **err);
/* Move a complete temp file into blobs/ after checking its digest. */
int hutch_store_commit_blob_file(struct hutch_store *s, const char *tmp_path, const char *digest,
                                 struct hutch_error **err);
/* Copy everything from fd into a blob; writes digest and size. */
int hutch_store_put_blob_fd(struct hutch_store *s, int fd, char digest[static HUTCH_DIGEST_LEN],
                            uint64_t *size, struct hutch_error **err);

/* Unpack the blob (a layer) into layers/<diff-id>/ unless that exists.
 * want_diff_id (may be NULL) is checked against what the blob holds. */
int hutch_store_unpack_layer(struct hutch_store *s, const char *blob_digest,
                             const char *want_diff_id, char diff_id[static HUTCH_DIGEST_LEN],
                             struct hutch_error **err);

/* The index, read-modify-write under <root>/lock:
 *   begin (exclusive lock, *index is a fresh copy) → change it → commit
 *   (atomic write) → end (unlock, always). */
int hutch_store_index_begin(struct hutch_store *s, json_t **index, struct hutch_error **err);
int hutch_store_index_commit(struct hutch_store *s, json_t *index, struct hutch_error **err);
void hutch_store_index_end(struct hutch_store *s);
/* A consistent read-only snapshot of the index. */
int hutch_store_index_read(struct hutch_store *s, json_t **index, struct hutch_error **err);

/* Holds, one small file per holder instead of a key in index.json, so
 * that creating and removing a container never rewrites (and fsyncs) the
 * index. Set a hold under the index lock (hutch_store_index_begin) so that
 * an rmi cannot slip between the lookup and the hold. Holder names are
 * file names (no '/', no leading '.'). -errno. */
int hutch_store_hold_set(struct hutch_store *s, const char *holder, const char *manifest_digest);
/* Missing is fine. */
int hutch_store_hold_clear(struct hutch_store *s, const char *holder);
/* Every hold as {holder: manifest digest}: index's "holds" (older stores)
 * and the holds/ dir. A hold file that does not read as a digest (torn by
 * a crash) maps to "": it holds every image, which is the safe side. */
int hutch_store_holds(struct hutch_store *s, json_t *index, json_t **out, struct hutch_error **err);

/* Mark-and-sweep: delete blobs, layer dirs and partial downloads that no
 * image in the index uses. It needs every other user of the store gone
 * (gc.lock): with wait it blocks until then, without it returns 0 at once
 * and leaves the sweep to a later run (rmi must not hang behind a pull). */
int hutch_store_gc(struct hutch_store *s, bool wait, uint64_t *freed_bytes,
                   struct hutch_error **err);
