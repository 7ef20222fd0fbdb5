/* Unpacking one image layer (a tar stream, gzip/zstd/uncompressed) into its
 * own directory, in the form overlayfs wants as a lower layer: OCI
 * whiteouts become 0/0 character devices and trusted.overlay.opaque=y. */
#pragma once

#include "digest.h"
#include "util/error.h"

#include <stdint.h>
#include <sys/types.h>

struct archive;
struct archive_entry;

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

/* Enable exactly the decompressors hutch supports on a libarchive reader:
 * gzip, zstd, xz, bzip2 (and none), all in-process; never *_filter_all,
 * whose lrzip, lzop, grzip and lz4 bidders start programs from PATH. */
int hutch_archive_read_filters(struct archive *a, struct hutch_error **err);
/* Those filters, then open a on fd; a stream in a compression hutch does
 * not read (lrzip, lzop, lz4...) fails here with its name. */
int hutch_archive_read_open_fd(struct archive *a, int fd, struct hutch_error **err);

enum {
  HUTCH_UNPACK_WHITEOUTS = 1 << 0, /* ".wh." names are OCI whiteouts (layers) */
  HUTCH_UNPACK_OWNER = 1 << 1,     /* keep the entry's uid and gid */
  HUTCH_UNPACK_KEEP_DIRS = 1 << 2, /* an existing directory is never replaced (cp) */
};
/* Create one entry e below the directory rootfd with the containment of
 * hutch_layer_unpack (parents resolved in root, the object created
 * O_NOFOLLOW|O_EXCL relative to its parent's fd). A regular file's
 * content comes from data_fd when >= 0, else from the reader a. */
int hutch_unpack_entry(struct archive *a, int data_fd, struct archive_entry *e, int rootfd,
                       unsigned flags, struct hutch_error **err);

struct stat;
/* An entry for the object at fd (an O_PATH fd, not followed; st its
 * lstat) named name: its stat, a symlink's target, size 0 unless a
 * regular file; *data a read fd of a regular file or directory, reopened
 * through /proc/self/fd (no name is resolved again: the same inode), for
 * its content and xattrs. For the tree walks that write tars. */
int hutch_archive_entry_at(int fd, const struct stat *st, const char *name,
                           struct archive_entry *ent, int *data, struct hutch_error **err);

/* The data of the entry just written to a: what fd holds, up to the
 * size in the entry's header (a file that grew since its stat is cut
 * there); also hashed into also when not NULL. */
int hutch_archive_write_fd(struct archive *a, int fd, const char *name, struct hutch_sha256 *also,
                           struct hutch_error **err);

/* A libarchive write callback (archive_write_open2) that writes to fd and
 * hashes what it writes: a layer's digest while it is being made. */
struct hutch_hashed_fd {
  int fd;
  struct hutch_sha256 sha;
  uint64_t size;
};
ssize_t hutch_archive_write_hashed(struct archive *a, void *ud, const void *buf, size_t n);

/* Gzip len bytes of in_fd (from offset 0) into out_fd, without a time in
 * the header, so that the same layer always gives the same blob (a push
 * that repeats finds its blobs there); digest and size of the output. */
int hutch_layer_gzip(int in_fd, int out_fd, char digest[static HUTCH_DIGEST_LEN], uint64_t *size,
                     struct hutch_error **err);
