/* The pure part of the Docker Engine API: versioned paths, route
 * patterns, query values and the filters parameter. No HTTP here, so the
 * unit tests (tests/unit/test_api.c) cover all of it. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* The API versions served: docker 20.10's (1.41) down to the oldest the
 * docker CLI and docker-py still speak. */
#define HUTCH_API_VERSION "1.41"
#define HUTCH_API_MIN_VERSION "1.24"

/* Compare "1.24" and "1.41" as numbers: <0, 0, >0. */
int hutch_api_version_cmp(const char *a, const char *b);
/* Strip a leading "/v1.NN" from path. *rest points after it (path itself
 * when there is no prefix, and version is then HUTCH_API_VERSION).
 * -EINVAL for a malformed prefix, -ERANGE for a version outside
 * [HUTCH_API_MIN_VERSION, HUTCH_API_VERSION]; *err says which. */
int hutch_api_strip_version(const char *path, const char **rest, char version[16],
                            struct hutch_error **err);

/* Route patterns: literal segments, "{}" for one segment and "{*}" for
 * one or more (image names have slashes: /images/{*}/json). Up to
 * HUTCH_API_MAX_PARAMS captures, each a new string in params[] (caller
 * frees with hutch_api_params_free). true on a match. */
#define HUTCH_API_MAX_PARAMS 3
bool hutch_api_match(const char *pattern, const char *path, char *params[HUTCH_API_MAX_PARAMS]);
void hutch_api_params_free(char *params[HUTCH_API_MAX_PARAMS]);

/* docker's boolValue: absent, "", "0", "no", "false", "none" are false. */
bool hutch_api_bool(const char *v);
/* An integer query value; absent gives def. -EINVAL when malformed. */
int hutch_api_int(const char *v, int64_t def, int64_t *out);

/* The filters query parameter: {"key": {"value": true}} or the old
 * {"key": ["value"]}. */
struct hutch_api_filter {
  char *key;
  char **values; /* NULL-terminated */
};
struct hutch_api_filters {
  struct hutch_api_filter *v;
  size_t n;
};
int hutch_api_filters_parse(const char *text, struct hutch_api_filters *out,
                            struct hutch_error **err);
void hutch_api_filters_clear(struct hutch_api_filters *f);
/* The values given for key, NULL when none. */
char **hutch_api_filters_get(const struct hutch_api_filters *f, const char *key);
/* Does a label filter list ("k" or "k=v" each) accept labels (object)? */
bool hutch_api_labels_match(char **want, json_t *labels);
/* -EINVAL ("invalid filter 'k'", a 400) for a key not in known (NULL-ended). */
int hutch_api_filters_known(const struct hutch_api_filters *f, const char *const *known,
                            struct hutch_error **err);
/* A filter's values against one value: true when there are none or any
 * of them is have (EXACT), its start (PREFIX: ids) or a part (PART: names). */
enum hutch_api_how { HUTCH_API_EXACT, HUTCH_API_PREFIX, HUTCH_API_PART };
bool hutch_api_filter_any(char **want, const char *have, enum hutch_api_how how);

/* docker's timestamps in since/until: unix seconds with an optional
 * fraction ("1700000000", "1700000000.5", "1700000000.000000001"); ns
 * into *ns. -EINVAL when malformed. */
int hutch_api_timestamp_ns(const char *v, int64_t *ns);

/* docker's stream framing for non-TTY output: an 8-byte header (stream
 * 1 stdout or 2 stderr, three zeros, big-endian length), then the payload;
 * buf holds len + 8 bytes. Returns the bytes written. */
size_t hutch_api_frame(unsigned char *buf, int stream, const char *data, size_t len);

/* docker's HTTP status for an engine error: 404 not found, 409 conflict,
 * 400 bad parameter, 500 otherwise. */
unsigned hutch_api_status_for(const struct hutch_error *e);
