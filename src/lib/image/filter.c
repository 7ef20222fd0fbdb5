/* docker images --filter (see filter.h). */
#include "filter.h"

#include "util/cleanup.h"
#include "util/strutil.h"
#include "util/units.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int parse_one(const char *s, struct hutch_image_filter *f, struct hutch_error **err) {
  const char *eq = strchr(s, '=');
  if (!eq)
    return hutch_error_say(err, EINVAL, "bad format of filter (expected name=value)");
  size_t kl = (size_t)(eq - s);
  const char *v = eq + 1;
  if (kl == 8 && strncmp(s, "dangling", kl) == 0) {
    if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
      f->dangling = 1;
    else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
      f->dangling = 0;
    else
      return hutch_error_say(err, EINVAL, "invalid filter 'dangling=%s'", v);
    return 0;
  }
  char ***list = kl == 5 && strncmp(s, "label", kl) == 0       ? &f->labels
                 : kl == 9 && strncmp(s, "reference", kl) == 0 ? &f->refs
                                                               : NULL;
  if (list)
    return hutch_strv_push(list, v) < 0 ? hutch_error_set(err, ENOMEM, "filter") : 0;
  char **ref = kl == 6 && strncmp(s, "before", kl) == 0  ? &f->before
               : kl == 5 && strncmp(s, "since", kl) == 0 ? &f->since
                                                         : NULL;
  if (!ref)
    return hutch_error_say(err, EINVAL, "invalid filter '%.*s'", (int)kl, s);
  free(*ref);
  *ref = strdup(v);
  return *ref ? 0 : hutch_error_set(err, ENOMEM, "filter");
}

int hutch_image_filter_parse(char *const *filters, struct hutch_image_filter *f,
                             struct hutch_error **err) {
  *f = (struct hutch_image_filter){.dangling = -1};
  for (char *const *p = filters; p && *p; p++)
    if (parse_one(*p, f, err) < 0)
      return -1;
  return 0;
}

void hutch_image_filter_free(struct hutch_image_filter *f) {
  hutch_strv_free(f->labels);
  hutch_strv_free(f->refs);
  free(f->before);
  free(f->since);
  *f = (struct hutch_image_filter){.dangling = -1};
}

bool hutch_labels_match(char *const *labels, char *const *wanted) {
  for (char *const *w = wanted; w && *w; w++) {
    bool with_value = strchr(*w, '=') != NULL;
    size_t wl = strlen(*w);
    bool found = false;
    for (char *const *l = labels; l && *l && !found; l++)
      found = with_value ? strcmp(*l, *w) == 0 : strncmp(*l, *w, wl) == 0 && (*l)[wl] == '=';
    if (!found)
      return false;
  }
  return true;
}

bool hutch_image_filter_image(const struct hutch_image_filter *f, const struct hutch_image *img,
                              time_t before, time_t since) {
  bool named = img->names && img->names[0];
  if (f->dangling >= 0 && named == (f->dangling == 1))
    return false;
  if (f->labels && !hutch_labels_match(img->config ? img->config->labels : NULL, f->labels))
    return false;
  time_t created = 0;
  if (before || since) {
    if (hutch_parse_rfc3339(img->created, &created) < 0)
      return false;
    if ((before && created >= before) || (since && created <= since))
      return false;
  }
  return true;
}

bool hutch_image_filter_name(const struct hutch_image_filter *f, const char *repo,
                             const char *tag) {
  if (!f->refs)
    return true;
  _cleanup_free_ char *full = NULL;
  if (asprintf(&full, "%s:%s", repo, tag) < 0)
    return false;
  /* reference.FamiliarMatch: the pattern over "repo:tag", then "repo";
   * path.Match's '*' stops at '/' as FNM_PATHNAME's */
  for (char **p = f->refs; *p; p++)
    if (fnmatch(*p, full, FNM_PATHNAME) == 0 || fnmatch(*p, repo, FNM_PATHNAME) == 0)
      return true;
  return false;
}

void hutch_image_split_name(const char *name, char **repo, char **tag) {
  const char *n = name;
  if (strncmp(n, "docker.io/library/", 18) == 0)
    n += 18;
  else if (strncmp(n, "docker.io/", 10) == 0)
    n += 10;
  const char *at = strchr(n, '@');
  const char *slash = strrchr(n, '/');
  const char *colon = strrchr(slash ? slash : n, ':');
  if (at) {
    *repo = strndup(n, (size_t)(at - n));
    *tag = strdup("<none>");
  } else if (colon) {
    *repo = strndup(n, (size_t)(colon - n));
    *tag = strdup(colon + 1);
  } else {
    *repo = strdup(n);
    *tag = strdup("<none>");
  }
}

int hutch_image_filter_times(struct hutch_store *s, const struct hutch_image_filter *f,
                             time_t *before, time_t *since, struct hutch_error **err) {
  const char *refs[] = {f->before, f->since};
  time_t *out[] = {before, since};
  for (size_t i = 0; i < 2; i++) {
    *out[i] = 0;
    _cleanup_image_ struct hutch_image *img = NULL;
    if (!refs[i])
      continue;
    if (hutch_image_lookup(s, refs[i], &img, err) < 0)
      return -1;
    if (hutch_parse_rfc3339(img->created, out[i]) < 0)
      *out[i] = 1; /* an image without a time: nothing is before or after it */
  }
  return 0;
}

bool hutch_image_filter_any_name(const struct hutch_image_filter *f, char *const *names) {
  size_t nn = hutch_strv_len(names);
  if (nn == 0)
    return hutch_image_filter_name(f, "<none>", "<none>");
  for (size_t k = 0; k < nn; k++) {
    _cleanup_free_ char *repo = NULL, *tag = NULL;
    hutch_image_split_name(names[k], &repo, &tag);
    if (repo && tag && hutch_image_filter_name(f, repo, tag))
      return true;
  }
  return false;
}
