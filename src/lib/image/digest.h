/* sha256 digests ("sha256:<hex>") over streams, through OpenSSL EVP. */
#pragma once

#include <stddef.h>

#define HUTCH_DIGEST_LEN 72 /* "sha256:" + 64 hex + NUL */

struct hutch_sha256 {
  void *ctx; /* EVP_MD_CTX */
};

int hutch_sha256_init(struct hutch_sha256 *h);
void hutch_sha256_update(struct hutch_sha256 *h, const void *data, size_t len);
/* Write "sha256:<hex>" into out and release the context. */
void hutch_sha256_final(struct hutch_sha256 *h, char out[static HUTCH_DIGEST_LEN]);
void hutch_sha256_cleanup(struct hutch_sha256 *h);
/* Digest of a buffer / of everything readable from fd (from its offset). */
int hutch_sha256_buf(const void *data, size_t len, char out[static HUTCH_DIGEST_LEN]);
int hutch_sha256_fd(int fd, char out[static HUTCH_DIGEST_LEN], size_t *size);
