/* sha256 helpers; see digest.h. */
#include "digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <unistd.h>

int hutch_sha256_init(struct hutch_sha256 *h) {
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(c);
    h->ctx = NULL;
    return -ENOMEM;
  }
  h->ctx = c;
  return 0;
}

void hutch_sha256_update(struct hutch_sha256 *h, const void *data, size_t len) {
  if (h->ctx && len)
    EVP_DigestUpdate(h->ctx, data, len);
}

void hutch_sha256_final(struct hutch_sha256 *h, char out[static HUTCH_DIGEST_LEN]) {
  unsigned char md[32];
  unsigned int n = 0;
  EVP_DigestFinal_ex(h->ctx, md, &n);
  int o = snprintf(out, HUTCH_DIGEST_LEN, "sha256:");
  for (unsigned i = 0; i < 32; i++)
    o += snprintf(out + o, HUTCH_DIGEST_LEN - (size_t)o, "%02x", md[i]);
  hutch_sha256_cleanup(h);
}

void hutch_sha256_cleanup(struct hutch_sha256 *h) {
  EVP_MD_CTX_free(h->ctx);
  h->ctx = NULL;
}

int hutch_sha256_buf(const void *data, size_t len, char out[static HUTCH_DIGEST_LEN]) {
  struct hutch_sha256 h;
  int r = hutch_sha256_init(&h);
  if (r < 0)
    return r;
  hutch_sha256_update(&h, data, len);
  hutch_sha256_final(&h, out);
  return 0;
}

int hutch_sha256_fd(int fd, char out[static HUTCH_DIGEST_LEN], size_t *size) {
  struct hutch_sha256 h;
  int r = hutch_sha256_init(&h);
  if (r < 0)
    return r;
  char buf[65536];
  size_t total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      r = -errno;
      hutch_sha256_cleanup(&h);
      return r;
    }
    if (n == 0)
      break;
    hutch_sha256_update(&h, buf, (size_t)n);
    total += (size_t)n;
  }
  hutch_sha256_final(&h, out);
  if (size)
    *size = total;
  return 0;
}
