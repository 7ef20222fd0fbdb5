/* docker images --filter: dangling, label, reference, before, since.
 * Keys AND together; several references OR, several labels AND, as
 * docker's image list. */
#pragma once

#include "image.h"

#include <time.h>

struct hutch_image_filter {
  int dangling;         /* -1: either; 1: only unnamed images; 0: only named */
  char **labels;        /* "key" or "key=value" */
  char **refs;          /* globs over "repo:tag" or "repo" (path.Match) */
  char *before, *since; /* image references */
};

/* Fill f from "KEY=VALUE" strings: "invalid filter 'foo'", "bad format of
 * filter (expected name=value)", "invalid filter 'dangling=x'". */
int hutch_image_filter_parse(char *const *filters, struct hutch_image_filter *f,
                             struct hutch_error **err);
void hutch_image_filter_free(struct hutch_image_filter *f);
/* Whether labels ("k=v" strings) carry every wanted label. */
bool hutch_labels_match(char *const *labels, char *const *wanted);
/* The image tests (dangling, labels, created strictly between since and
 * before; 0 for no bound). */
bool hutch_image_filter_image(const struct hutch_image_filter *f, const struct hutch_image *img,
                              time_t before, time_t since);
/* The reference test of one row (repo "<none>" for an unnamed image). */
bool hutch_image_filter_name(const struct hutch_image_filter *f, const char *repo, const char *tag);
/* Any of an image's names (or "<none>" for an unnamed one) passes. */
bool hutch_image_filter_any_name(const struct hutch_image_filter *f, char *const *names);
/* The creation times of the images before= and since= name (0 when not
 * given); an unknown image is an error. */
int hutch_image_filter_times(struct hutch_store *s, const struct hutch_image_filter *f,
                             time_t *before, time_t *since, struct hutch_error **err);
/* "docker.io/library/busybox:1" as docker lists it: repo "busybox", tag
 * "1" ("<none>" for a digest or no tag); new strings (NULL on ENOMEM). */
void hutch_image_split_name(const char *name, char **repo, char **tag);
