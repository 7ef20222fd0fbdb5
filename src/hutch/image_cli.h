/* Shared pieces of the image commands (pull, images, rmi, tag, import,
 * save, load, login, image …): opening the store, printing errors, and
 * docker's ways of showing names, ids, sizes and ages. */
#pragma once

#include "image/image.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Print "hutch: <error>" and return HUTCH_EXIT_ERROR. */
int image_cli_fail(struct hutch_error *e);
/* Open the store at $HUTCH_ROOT or /var/lib/hutch. */
int image_cli_open_store(struct hutch_store **s, struct hutch_error **err);
/* "docker.io/library/alpine:3" → repo "alpine", tag "3"; digest names give
 * tag "<none>". Caller frees both. */
/* First 12 hex digits of a digest. */
const char *image_cli_short_id(const char *digest, char buf[static 13]);
void image_cli_human_size(int64_t bytes, char *buf, size_t n);
/* "3 hours ago" from an RFC 3339 time. */
void image_cli_human_since(const char *rfc3339, char *buf, size_t n);
/* docker image inspect's object for one image (inspect falls back to it). */
json_t *image_cli_inspect_json(struct hutch_image *img);
/* Record an image event (pull, tag, untag, delete, import, load, save)
 * in the events journal of the store's root; name may be NULL. */
void image_cli_event(struct hutch_store *s, const char *action, const char *id, const char *name);
/* A usage error: one line, exit HUTCH_EXIT_ERROR (1: docker exits 1 for
 * what its commands refuse; 125 is for the flags its parser refuses). */
int image_cli_usage_error(const char *cmd, const char *msg);
