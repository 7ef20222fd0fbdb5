/* Images for the engine and the CLI: pull from a registry, look up by
 * name or id, list, tag, remove, prune, import a rootfs tarball, and hold
 * an image while a container uses it.
 *
 * An image is known by its manifest digest (the key in the store index);
 * its id, as docker shows it, is the digest of its config. */
#pragma once

#include "manifest.h"
#include "registry.h"
#include "store.h"

#include <stdbool.h>
#include <stdint.h>

struct hutch_image {
  char *id;              /* config digest: "sha256:…" */
  char *manifest_digest; /* the store key */
  char *manifest_media_type;
  char **names;      /* "docker.io/library/alpine:latest", may be empty */
  char **layer_dirs; /* unpacked layer directories, lowest first: overlayfs
                        lowerdir wants them in the reverse order */
  char **diff_ids;
  char **layer_digests; /* compressed blobs, same order */
  size_t n_layers;
  struct hutch_image_config *config;
  char *config_json; /* the raw config blob */
  size_t config_len;
  int64_t size;  /* bytes of config + compressed layers */
  int64_t added; /* unix time it entered the store */
  char *created; /* the config's creation time (RFC 3339), "" when none */
  char *platform;
};
void hutch_image_free(struct hutch_image *img);
void hutch_image_freep(struct hutch_image **img);
#define _cleanup_image_ __attribute__((cleanup(hutch_image_freep)))
void hutch_image_list_free(struct hutch_image **v, size_t n);

enum hutch_pull_event_kind {
  HUTCH_PULL_RESOLVED,     /* digest: the manifest picked */
  HUTCH_PULL_LAYER_EXISTS, /* layer already in the store */
  HUTCH_PULL_LAYER_WAITING,
  HUTCH_PULL_LAYER_PROGRESS, /* done/total bytes */
  HUTCH_PULL_LAYER_DOWNLOADED,
  HUTCH_PULL_LAYER_EXTRACTING,
  HUTCH_PULL_LAYER_DONE,
};

struct hutch_pull_event {
  enum hutch_pull_event_kind kind;
  size_t layer, n_layers;
  const char *digest;
  uint64_t done, total;
};

struct hutch_pull_opts {
  const char *platform; /* "os/arch[/variant]"; NULL: this machine */
  struct hutch_registry_opts registry;
  void (*progress)(void *ud, const struct hutch_pull_event *ev);
  void *ud;
};

int hutch_image_pull(struct hutch_store *s, const char *ref, const struct hutch_pull_opts *opts,
                     struct hutch_image **out, struct hutch_error **err);
/* ref_or_id: a reference ("alpine", "host:5000/x:tag", "x@sha256:…"), a
 * full id or manifest digest, or a unique hex prefix of an id. */
int hutch_image_lookup(struct hutch_store *s, const char *ref_or_id, struct hutch_image **out,
                       struct hutch_error **err);
/* All images, newest first, for listing (without a build's unnamed
 * intermediates): names, layers, size, created;
 * config and config_json are NULL (the index has what a listing shows, so
 * one file is read, not every config blob), except for images recorded
 * before the index kept their creation time. */
int hutch_image_list(struct hutch_store *s, struct hutch_image ***out, size_t *n,
                     struct hutch_error **err);
int hutch_image_tag(struct hutch_store *s, const char *src, const char *dst,
                    struct hutch_error **err);

/* docker rmi: a name is untagged, and the image deleted once nothing names
 * or holds it; by id, all names go (force needed if there are several).
 * Held images are only untagged, and only with force. Reports each step
 * ("Untagged: …", "Deleted: …") into *log (may be NULL). */
int hutch_image_remove(struct hutch_store *s, const char *ref_or_id, bool force, char ***log,
                       struct hutch_error **err);
/* Delete unnamed (all: also named) images nobody holds, then sweep. */
int hutch_image_prune(struct hutch_store *s, bool all, char ***deleted, uint64_t *freed,
                      struct hutch_error **err);

/* docker import: a rootfs tarball (any compression libarchive reads) as a
 * one-layer image named name (may be NULL). */
int hutch_image_import(struct hutch_store *s, int fd, const char *name, struct hutch_image **out,
                       struct hutch_error **err);

/* Add an image built from blobs already in the store (load, import):
 * store the manifest, unpack its layers, name it. */
int hutch_image_commit(struct hutch_store *s, const char *manifest, size_t len, const char *name,
                       struct hutch_image **out, struct hutch_error **err);
/* The same for an image built on parent (its manifest digest, may be
 * NULL): the index records it as docker's Parent, and listings leave out
 * unnamed images that are another's parent (a build's intermediates). */
int hutch_image_commit_child(struct hutch_store *s, const char *manifest, size_t len,
                             const char *name, const char *parent, struct hutch_image **out,
                             struct hutch_error **err);

/* A container (holder) uses an image: rmi refuses without force and prune
 * keeps it. */
int hutch_image_hold(struct hutch_store *s, const char *holder, const char *image_id,
                     struct hutch_error **err);
int hutch_image_release(struct hutch_store *s, const char *holder, struct hutch_error **err);
