/* Image references as docker parses them: "alpine" is
 * docker.io/library/alpine:latest, "host:port/x", "ghcr.io/org/x:tag",
 * "name@sha256:<hex>", "name:tag@sha256:<hex>". */
#pragma once

#include "util/error.h"

struct hutch_reference {
  char *domain; /* "docker.io", "127.0.0.1:5000" */
  char *path;   /* "library/alpine" */
  char *tag;    /* "latest"; NULL when only a digest was given */
  char *digest; /* "sha256:<64 hex>" or NULL */
};

/* Parse and normalise s. A reference without tag or digest gets "latest". */
int hutch_reference_parse(const char *s, struct hutch_reference **out, struct hutch_error **err);
void hutch_reference_free(struct hutch_reference *r);
void hutch_reference_freep(struct hutch_reference **r);
#define _cleanup_reference_ __attribute__((cleanup(hutch_reference_freep)))

/* "domain/path" (caller frees). */
char *hutch_reference_name(const struct hutch_reference *r);
/* "domain/path:tag", "domain/path@digest" or "domain/path:tag@digest". */
char *hutch_reference_string(const struct hutch_reference *r);
/* The name as stored in the image index: "domain/path:tag" when there is a
 * tag, else "domain/path@digest". */
char *hutch_reference_store_name(const struct hutch_reference *r);

/* Is s a well-formed "sha256:<64 lowercase hex>" digest? */
int hutch_digest_valid(const char *s);
