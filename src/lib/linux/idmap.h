/* Idmapped bind mounts ("idmap"/"ridmap" mount options, runtime-spec 1.2).
 *
 * They are prepared by the runtime's parent process, before clone, as
 * detached mount trees; the child inherits the fds (clone3 copies the fd
 * table) and move_mount()s each one onto its target inside the rootfs
 * (mounts.c). See idmap.c for why the parent does it. */
#pragma once

#include <stddef.h>

#include "spec/spec.h"
#include "util/error.h"

/* For every spec mount with idmap or ridmap: a detached clone of its source
 * (open_tree OPEN_TREE_CLONE, O_CLOEXEC), idmapped with the mount's
 * uid/gidMappings or else the container's user namespace mappings. In a
 * container with a user namespace (new or joined), every other bind mount
 * gets a plain detached clone too, where its source can be reached (its
 * container root may not walk the path); -EBADF where the clone failed.
 * *fds gets an array of spec->n_mounts fds (-EBADF for the other mounts),
 * or NULL when no mount asks for an idmap. */
int hutch_idmap_prepare(const struct spec *spec, int **fds, struct hutch_error **err);
/* Close what hutch_idmap_prepare returned and free the array (NULL is fine). */
void hutch_idmap_free(int *fds, size_t n);
