/* Layer tars for the builder, written with libarchive: a container's
 * overlay upper dir as an OCI layer (its 0/0 character devices become
 * ".wh.NAME" whiteouts, a trusted.overlay.opaque directory gets
 * ".wh..wh..opq"), and COPY/ADD content (files from the context or from
 * another image under new names, owners and modes; local tars unpacked).
 *
 * Part of the CLI's "archive" plugin (src/hutch/plugins.c): every
 * function here has a stub there. */
#pragma once

#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct hutch_tar_writer;

/* A tar (pax) stream on fd; the sha256 of everything written is its
 * diff-id (hutch_tar_writer_close). */
int hutch_tar_writer_open(int fd, struct hutch_tar_writer **out, struct hutch_error **err);
/* Finish the stream: diff_id gets "sha256:…" of the tar, content_id a
 * digest of its entries without their times (the build cache's key for
 * COPY and ADD: touching a file does not change it); frees w. */
int hutch_tar_writer_close(struct hutch_tar_writer *w, char diff_id[72], char content_id[72],
                           struct hutch_error **err);
void hutch_tar_writer_abort(struct hutch_tar_writer *w);

/* The overlay upper dir at upperfd as layer entries. */
int hutch_tar_add_upper(struct hutch_tar_writer *w, int upperfd, struct hutch_error **err);

/* Owner and mode overrides for COPY/ADD: -1 keeps the source's. */
struct hutch_tar_attr {
  int64_t uid, gid;
  int mode;      /* --chmod: permission bits */
  bool skip_top; /* add_tree: a directory's content only, not its own entry */
};

/* A directory entry (the destination's parents), root-owned 0755 unless
 * a says otherwise. name: relative, no leading '/'. */
int hutch_tar_add_dir(struct hutch_tar_writer *w, const char *name, const struct hutch_tar_attr *a,
                      struct hutch_error **err);

/* A regular file name (relative) holding data: root-owned 0644 unless a
 * says otherwise (COPY <<EOF). */
int hutch_tar_add_data(struct hutch_tar_writer *w, const char *name, const char *data, size_t len,
                       const struct hutch_tar_attr *a, struct hutch_error **err);

/* Decides, for a path below a copied directory (relative to the
 * context), whether to leave it out (.dockerignore). */
typedef bool (*hutch_tar_skip_fn)(void *ud, const char *rel);

/* The file or tree at srcfd (an O_PATH fd, not followed) as name; a
 * directory's content goes below name. rel: srcfd's path for skip
 * (relative to the context), may be NULL when skip is. */
int hutch_tar_add_tree(struct hutch_tar_writer *w, int srcfd, const char *name, const char *rel,
                       const struct hutch_tar_attr *a, hutch_tar_skip_fn skip, void *ud,
                       struct hutch_error **err);

/* ADD's unpacking: is fd (at offset 0) a tar archive, compressed or not,
 * in a form hutch reads? fd is rewound. */
bool hutch_tar_is_archive(int fd);
/* Its entries below dest (relative), owners kept unless a says so. */
int hutch_tar_add_archive(struct hutch_tar_writer *w, int fd, const char *dest,
                          const struct hutch_tar_attr *a, struct hutch_error **err);
