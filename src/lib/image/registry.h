/* A client for the OCI distribution API (docker registry v2) on libcurl:
 * the /v2/ ping, bearer tokens from the WWW-Authenticate challenge, basic
 * auth, per-registry CAs, manifests, and blobs fetched in parallel (curl
 * multi), verified while they stream to disk and resumed with Range. */
#pragma once

#include "auth.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hutch_registry_opts {
  bool insecure;         /* --tls-verify=false: no TLS checks, plain HTTP allowed */
  const char *certs_dir; /* NULL: $HUTCH_CERTS_DIR or /etc/hutch/certs.d */
  const char *username;  /* explicit credentials (login); else the auth files */
  const char *password;
  int max_parallel; /* 0: 3 blobs at once, docker's default */
};

struct hutch_registry;

/* Connect to the registry of `domain` (as in references: "docker.io",
 * "127.0.0.1:5000") for pulls from repo (may be NULL for login). Pings
 * /v2/ and authenticates if the registry asks. */
int hutch_registry_open(const char *domain, const char *repo,
                        const struct hutch_registry_opts *opts, struct hutch_registry **out,
                        struct hutch_error **err);
void hutch_registry_free(struct hutch_registry *r);
void hutch_registry_freep(struct hutch_registry **r);
#define _cleanup_registry_ __attribute__((cleanup(hutch_registry_freep)))

/* Check credentials (hutch login): 0 when the registry accepts them. */
int hutch_registry_login(const char *domain, const struct hutch_registry_opts *opts,
                         struct hutch_error **err);

/* GET a manifest by tag or digest. *content_type and *digest (the
 * Docker-Content-Digest header, may be NULL) are new strings. */
int hutch_registry_get_manifest(struct hutch_registry *r, const char *repo, const char *ref,
                                char **data, size_t *len, char **content_type,
                                struct hutch_error **err);
/* GET a small blob (an image config) into memory, checking its digest. */
int hutch_registry_get_blob(struct hutch_registry *r, const char *repo, const char *digest,
                            int64_t size, char **data, size_t *len, struct hutch_error **err);

struct hutch_blob_fetch {
  const char *digest;
  int64_t size;
  const char *partial_path; /* kept between attempts and runs to resume */
  const char *final_path;   /* renamed to only once the digest matches */
};

/* state: 0 downloading, 1 complete, 2 already present */
typedef void (*hutch_fetch_progress_fn)(void *ud, size_t idx, int state, uint64_t done,
                                        uint64_t total);

/* Fetch all blobs, max_parallel at a time. A blob whose size or digest
 * does not match is deleted and fails the whole fetch naming the digest. */
int hutch_registry_fetch_blobs(struct hutch_registry *r, const char *repo,
                               struct hutch_blob_fetch *blobs, size_t n,
                               hutch_fetch_progress_fn progress, void *ud,
                               struct hutch_error **err);

/* ---- pushes (registry_push.c) ---- */

/* Connect for pushes to repo: a token for pull,push there and for pull
 * on each repository of mount_from (NULL-ended, may be NULL). */
int hutch_registry_open_push(const char *domain, const char *repo, char *const *mount_from,
                             const struct hutch_registry_opts *opts, struct hutch_registry **out,
                             struct hutch_error **err);

enum hutch_blob_push { HUTCH_BLOB_EXISTS, HUTCH_BLOB_MOUNTED, HUTCH_BLOB_PUSHED };
/* Make the registry have blob digest in repo: nothing when HEAD finds it,
 * a cross-repository mount from mount_from (may be NULL) when the
 * registry does it, else an upload of size bytes of fd (read with pread
 * from 0): one PUT up to chunk bytes (0: always), else PATCHes of chunk
 * bytes and a closing PUT. *how says which. */
int hutch_registry_push_blob(struct hutch_registry *reg, const char *repo, const char *digest,
                             int fd, uint64_t size, const char *mount_from, uint64_t chunk,
                             enum hutch_blob_push *how, struct hutch_error **err);
/* PUT a manifest under ref (a tag or digest). */
int hutch_registry_put_manifest(struct hutch_registry *reg, const char *repo, const char *ref,
                                const char *media_type, const char *data, size_t len,
                                struct hutch_error **err);
