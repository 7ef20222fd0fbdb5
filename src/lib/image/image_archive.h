/* Image archives, interchangeable with docker save/load, podman and
 * skopeo's docker-archive: and oci-archive: transports. */
#pragma once

#include "image.h"

enum hutch_archive_format { HUTCH_ARCHIVE_DOCKER, HUTCH_ARCHIVE_OCI };

/* Write the images named by refs (references or ids) as one tar to fd. */
int hutch_image_save(struct hutch_store *s, char *const *refs, size_t n,
                     enum hutch_archive_format format, int fd, struct hutch_error **err);
/* Read a docker-archive or OCI layout archive (format detected) from fd
 * and add its images; *loaded gets "Loaded image: NAME" / "Loaded image ID:
 * sha256:…" lines. */
int hutch_image_load(struct hutch_store *s, int fd, char ***loaded, struct hutch_error **err);
