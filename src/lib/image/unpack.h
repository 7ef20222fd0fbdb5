/* Unpacking one image layer (a tar stream, gzip/zstd/uncompressed) into its
 * own directory, in the form overlayfs wants as a lower layer: OCI
 * whiteouts become 0/0 character devices and trusted.overlay.opaque=y. */
#pragma once

#include "digest.h"
#include "util/error.h"

#include <stdint.h>

struct hutch_unpack_result {
  char diff_id[HUTCH_DIGEST_LEN]; /* sha256 of the uncompressed tar stream */
  uint64_t tar_size;              /* bytes of the uncompressed tar stream */
  uint64_t entries;
};

/* Read the layer from fd (from its current offset) and create its entries
 * under the directory destfd, which should be empty. Every entry is
 * resolved inside destfd (as if it were "/") and created with *at() calls
 * relative to its parent's fd, so nothing is ever written outside destfd;
 * entries that cannot be contained ("../" names, hardlinks to missing or
 * outside targets) fail the whole layer with an error naming the entry. */
int hutch_layer_unpack(int fd, int destfd, struct hutch_unpack_result *res,
                       struct hutch_error **err);

/* Decompress (or copy) a layer blob from fd into outfd as a plain tar
 * stream, computing its diff-id; for docker-archive export. */
int hutch_layer_decompress(int fd, int outfd, char diff_id[static HUTCH_DIGEST_LEN],
                           struct hutch_error **err);
