/* The pure part of the API (route.h): versions, route patterns, query
 * values, filters. */
#include "route.h"

#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse_version(const char *s, long *major, long *minor) {
  char *end;
  errno = 0;
  *major = strtol(s, &end, 10);
  if (end == s || *end != '.' || errno)
    return -EINVAL;
  const char *m = end + 1;
  *minor = strtol(m, &end, 10);
  if (end == m || *end || errno)
    return -EINVAL;
  return 0;
}

int hutch_api_version_cmp(const char *a, const char *b) {
  long am = 0, an = 0, bm = 0, bn = 0;
  parse_version(a, &am, &an);
  parse_version(b, &bm, &bn);
  if (am != bm)
    return am < bm ? -1 : 1;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

int hutch_api_strip_version(const char *path, const char **rest, char version[16],
                            struct hutch_error **err) {
  *rest = path;
  snprintf(version, 16, "%s", HUTCH_API_VERSION);
  if (strncmp(path, "/v", 2) != 0 || !strchr("0123456789", path[2]) || !path[2])
    return 0;
  const char *end = strchr(path + 2, '/');
  size_t len = end ? (size_t)(end - path - 2) : strlen(path + 2);
  long major, minor;
  char v[16];
  if (len == 0 || len >= sizeof(v))
    return hutch_error_say(err, EINVAL, "invalid API version in path %s", path);
  memcpy(v, path + 2, len);
  v[len] = '\0';
  if (parse_version(v, &major, &minor) < 0)
    return hutch_error_say(err, EINVAL, "invalid API version in path %s", path);
  if (hutch_api_version_cmp(v, HUTCH_API_MIN_VERSION) < 0 ||
      hutch_api_version_cmp(v, HUTCH_API_VERSION) > 0)
    return hutch_error_say(err, ERANGE,
                           "client version %s is not supported: this server speaks API "
                           "versions %s to %s",
                           v, HUTCH_API_MIN_VERSION, HUTCH_API_VERSION);
  snprintf(version, 16, "%s", v);
  *rest = end ? end : "/";
  return 0;
}

/* The next segment of *p (without its '/'): start and length; false at
 * the end. */
static bool next_seg(const char **p, const char **s, size_t *len) {
  while (**p == '/')
    (*p)++;
  if (!**p)
    return false;
  *s = *p;
  while (**p && **p != '/')
    (*p)++;
  *len = (size_t)(*p - *s);
  return true;
}

static size_t count_segs(const char *p) {
  const char *s;
  size_t len, n = 0;
  while (next_seg(&p, &s, &len))
    n++;
  return n;
}

void hutch_api_params_free(char *params[HUTCH_API_MAX_PARAMS]) {
  for (size_t i = 0; i < HUTCH_API_MAX_PARAMS; i++) {
    free(params[i]);
    params[i] = NULL;
  }
}

bool hutch_api_match(const char *pattern, const char *path, char *params[HUTCH_API_MAX_PARAMS]) {
  size_t np = count_segs(pattern), nq = count_segs(path), n = 0;
  bool rest = strstr(pattern, "{*}") != NULL;
  if (rest ? nq < np : nq != np)
    return false;
  const char *pp = pattern, *qp = path, *ps, *qs;
  size_t pl, ql;
  while (next_seg(&pp, &ps, &pl)) {
    if (!next_seg(&qp, &qs, &ql))
      goto fail;
    bool one = pl == 2 && strncmp(ps, "{}", 2) == 0, many = pl == 3 && strncmp(ps, "{*}", 3) == 0;
    if (!one && !many) {
      if (pl != ql || strncmp(ps, qs, pl) != 0)
        goto fail;
      continue;
    }
    const char *start = qs;
    /* {*} takes as many segments as the rest of the pattern leaves */
    for (size_t extra = many ? nq - np : 0; extra > 0; extra--)
      next_seg(&qp, &qs, &ql);
    if (n >= HUTCH_API_MAX_PARAMS)
      goto fail;
    params[n] = strndup(start, (size_t)(qs + ql - start));
    if (!params[n++])
      goto fail;
  }
  return true;
fail:
  hutch_api_params_free(params);
  return false;
}

bool hutch_api_bool(const char *v) {
  static const char *const no[] = {"", "0", "no", "false", "none"};
  if (!v)
    return false;
  for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
    if (strcasecmp(v, no[i]) == 0)
      return false;
  return true;
}

int hutch_api_int(const char *v, int64_t def, int64_t *out) {
  *out = def;
  if (!v || !*v)
    return 0;
  return hutch_parse_int64(v, INT64_MIN, INT64_MAX, out);
}

void hutch_api_filters_clear(struct hutch_api_filters *f) {
  for (size_t i = 0; i < f->n; i++) {
    free(f->v[i].key);
    hutch_strv_free(f->v[i].values);
  }
  free(f->v);
  f->v = NULL;
  f->n = 0;
}

static int add_values(struct hutch_api_filter *flt, json_t *vals) {
  flt->values = calloc(1, sizeof(char *));
  if (!flt->values)
    return -ENOMEM;
  size_t i;
  json_t *x;
  const char *k;
  if (json_is_array(vals)) {
    json_array_foreach(vals, i, x) {
      if (!json_is_string(x) || hutch_strv_push(&flt->values, json_string_value(x)) < 0)
        return -EINVAL;
    }
    return 0;
  }
  json_object_foreach(vals, k, x) {
    if (!json_is_boolean(x))
      return -EINVAL;
    if (json_is_true(x) && hutch_strv_push(&flt->values, k) < 0)
      return -ENOMEM;
  }
  return 0;
}

int hutch_api_filters_parse(const char *text, struct hutch_api_filters *out,
                            struct hutch_error **err) {
  *out = (struct hutch_api_filters){0};
  if (!text || !*text)
    return 0;
  json_error_t je;
  _cleanup_json_ json_t *j = json_loads(text, 0, &je);
  if (!j || !json_is_object(j))
    return hutch_error_say(err, EINVAL, "invalid filter: %s", j ? "not an object" : je.text);
  out->v = calloc(json_object_size(j) + 1, sizeof(*out->v));
  if (!out->v)
    return hutch_error_set(err, ENOMEM, "filters");
  const char *k;
  json_t *vals;
  json_object_foreach(j, k, vals) {
    struct hutch_api_filter *flt = &out->v[out->n++];
    flt->key = strdup(k);
    if (!flt->key || (!json_is_array(vals) && !json_is_object(vals)) || add_values(flt, vals) < 0) {
      hutch_api_filters_clear(out);
      return hutch_error_say(err, EINVAL, "invalid filter '%s'", k);
    }
  }
  return 0;
}

char **hutch_api_filters_get(const struct hutch_api_filters *f, const char *key) {
  for (size_t i = 0; i < f->n; i++)
    if (strcmp(f->v[i].key, key) == 0 && f->v[i].values[0])
      return f->v[i].values;
  return NULL;
}

bool hutch_api_labels_match(char **want, json_t *labels) {
  for (char **w = want; w && *w; w++) {
    const char *eq = strchr(*w, '=');
    _cleanup_free_ char *key = eq ? strndup(*w, (size_t)(eq - *w)) : strdup(*w);
    const char *have = key ? json_string_value(json_object_get(labels, key)) : NULL;
    if (!have || (eq && strcmp(have, eq + 1) != 0))
      return false;
  }
  return true;
}

int hutch_api_filters_known(const struct hutch_api_filters *f, const char *const *known,
                            struct hutch_error **err) {
  for (size_t i = 0; i < f->n; i++) {
    const char *const *k = known;
    while (*k && strcmp(*k, f->v[i].key) != 0)
      k++;
    if (!*k)
      return hutch_error_say(err, EINVAL, "invalid filter '%s'", f->v[i].key);
  }
  return 0;
}

bool hutch_api_filter_any(char **want, const char *have, enum hutch_api_how how) {
  if (!want)
    return true;
  for (char **w = want; *w && have; w++)
    if (how == HUTCH_API_EXACT    ? strcmp(have, *w) == 0
        : how == HUTCH_API_PREFIX ? strncmp(have, *w, strlen(*w)) == 0
                                  : strstr(have, *w) != NULL)
      return true;
  return false;
}

unsigned hutch_api_status_for(const struct hutch_error *e) {
  switch (-hutch_error_code(e)) {
  case ENOENT:
    return 404;
  case EEXIST:
  case EBUSY:
  case ENOTEMPTY:
    return 409;
  case EINVAL:
  case ERANGE:
  case E2BIG:
    return 400;
  default:
    return 500;
  }
}

size_t hutch_api_frame(unsigned char *buf, int stream, const char *data, size_t len) {
  buf[0] = (unsigned char)stream;
  buf[1] = buf[2] = buf[3] = 0;
  buf[4] = (unsigned char)(len >> 24);
  buf[5] = (unsigned char)(len >> 16);
  buf[6] = (unsigned char)(len >> 8);
  buf[7] = (unsigned char)len;
  memcpy(buf + 8, data, len);
  return len + 8;
}

int hutch_api_timestamp_ns(const char *v, int64_t *ns) {
  const char *dot = strchr(v, '.');
  _cleanup_free_ char *whole = dot ? strndup(v, (size_t)(dot - v)) : strdup(v);
  int64_t sec, frac = 0;
  if (!whole || !*whole || hutch_parse_int64(whole, 0, INT64_MAX / 1000000000, &sec) < 0)
    return -EINVAL;
  if (dot) {
    size_t n = strlen(dot + 1);
    if (n == 0 || n > 9 || strspn(dot + 1, "0123456789") != n)
      return -EINVAL;
    for (size_t i = 0; i < 9; i++)
      frac = frac * 10 + (i < n ? dot[1 + i] - '0' : 0);
  }
  *ns = sec * 1000000000 + frac;
  return 0;
}
