/* Image reference parsing and normalisation, following docker's
 * distribution/reference grammar: lowercase path components separated by
 * [._]|__|-+, an optional domain (the first component, when it holds '.' or
 * ':' or is "localhost"), a tag of [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} and a
 * digest. Short names are Docker Hub names under library/. */
#include "reference.h"

#include "util/cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_TOTAL_MAX 255

void hutch_reference_free(struct hutch_reference *r) {
  if (r == NULL)
    return;
  free(r->domain);
  free(r->path);
  free(r->tag);
  free(r->digest);
  free(r);
}

void hutch_reference_freep(struct hutch_reference **r) {
  hutch_reference_free(*r);
  *r = NULL;
}

int hutch_digest_valid(const char *s) {
  if (strncmp(s, "sha256:", 7) != 0)
    return 0;
  const char *h = s + 7;
  size_t n = 0;
  for (; h[n]; n++)
    if (!isdigit((unsigned char)h[n]) && !(h[n] >= 'a' && h[n] <= 'f'))
      return 0;
  return n == 64;
}

static bool is_alnum_lower(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool valid_component(const char *s, size_t n) {
  size_t i = 0;
  if (n == 0 || !is_alnum_lower(s[0]))
    return false;
  while (i < n) {
    while (i < n && is_alnum_lower(s[i]))
      i++;
    if (i == n)
      return true;
    size_t sep = i;
    if (s[i] == '.')
      i++;
    else if (s[i] == '_')
      i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
    else if (s[i] == '-')
      while (i < n && s[i] == '-')
        i++;
    else
      return false;
    if (i == sep || i == n || !is_alnum_lower(s[i]))
      return false;
  }
  return true;
}

/* Domain: host components [A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])? joined by
 * '.', or a bracketed IPv6 address, with an optional :port. */
static bool valid_domain(const char *s, size_t n) {
  size_t i = 0;
  if (n > 0 && s[0] == '[') {
    const char *close = memchr(s, ']', n);
    if (close == NULL)
      return false;
    for (const char *p = s + 1; p < close; p++)
      if (!isxdigit((unsigned char)*p) && *p != ':')
        return false;
    i = (size_t)(close - s) + 1;
  } else {
    for (;;) {
      size_t start = i;
      while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-'))
        i++;
      if (i == start || s[start] == '-' || s[i - 1] == '-')
        return false;
      if (i < n && s[i] == '.') {
        i++;
        continue;
      }
      break;
    }
  }
  if (i < n && s[i] == ':') {
    i++;
    size_t start = i;
    while (i < n && isdigit((unsigned char)s[i]))
      i++;
    if (i == start)
      return false;
  }
  return i == n;
}

static bool valid_tag(const char *t) {
  size_t n = strlen(t);
  if (n == 0 || n > 128)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = t[i];
    bool ok = isalnum((unsigned char)c) || c == '_' || (i > 0 && (c == '.' || c == '-'));
    if (!ok)
      return false;
  }
  return true;
}

int hutch_reference_parse(const char *s, struct hutch_reference **out, struct hutch_error **err) {
  *out = NULL;
  if (s == NULL || *s == '\0')
    return hutch_error_set(err, EINVAL, "invalid reference format: empty reference");
  _cleanup_free_ char *copy = strdup(s);
  _cleanup_reference_ struct hutch_reference *r = calloc(1, sizeof(*r));
  if (copy == NULL || r == NULL)
    return hutch_error_set(err, ENOMEM, "parse reference");

  char *at = strchr(copy, '@');
  if (at) {
    *at = '\0';
    if (!hutch_digest_valid(at + 1))
      return hutch_error_set(err, EINVAL, "invalid reference format \"%s\": bad digest \"%s\"", s,
                             at + 1);
    r->digest = strdup(at + 1);
  }
  /* The tag is after the last ':' that follows the last '/', so that the
   * port in "host:5000/x" is not mistaken for one. */
  char *slash = strrchr(copy, '/');
  char *colon = strrchr(slash ? slash : copy, ':');
  if (colon) {
    *colon = '\0';
    if (!valid_tag(colon + 1))
      return hutch_error_set(err, EINVAL, "invalid reference format \"%s\": bad tag \"%s\"", s,
                             colon + 1);
    r->tag = strdup(colon + 1);
  }
  char *name = copy;
  if (*name == '\0')
    return hutch_error_set(err, EINVAL, "invalid reference format \"%s\": empty name", s);

  char *first_slash = strchr(name, '/');
  const char *path = name;
  if (first_slash) {
    size_t dn = (size_t)(first_slash - name);
    bool is_domain = memchr(name, '.', dn) || memchr(name, ':', dn) ||
                     (dn == 9 && strncmp(name, "localhost", 9) == 0);
    /* docker also treats an uppercase first component as a domain */
    for (size_t i = 0; i < dn && !is_domain; i++)
      if (isupper((unsigned char)name[i]))
        is_domain = true;
    if (is_domain) {
      if (!valid_domain(name, dn))
        return hutch_error_set(err, EINVAL, "invalid reference format \"%s\": bad domain", s);
      r->domain = strndup(name, dn);
      path = first_slash + 1;
    }
  }
  if (r->domain == NULL || strcmp(r->domain, "index.docker.io") == 0) {
    free(r->domain);
    r->domain = strdup("docker.io");
  }
  for (const char *p = path; *p; p++)
    if (isupper((unsigned char)*p))
      return hutch_error_set(
          err, EINVAL, "invalid reference format \"%s\": repository name must be lowercase", s);
  /* check each path component */
  for (const char *p = path;;) {
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (!valid_component(p, n))
      return hutch_error_set(err, EINVAL,
                             "invalid reference format \"%s\": bad repository name component", s);
    if (e == NULL)
      break;
    p = e + 1;
  }
  if (strcmp(r->domain, "docker.io") == 0 && strchr(path, '/') == NULL) {
    if (asprintf(&r->path, "library/%s", path) < 0)
      r->path = NULL;
  } else {
    r->path = strdup(path);
  }
  if (r->tag == NULL && r->digest == NULL)
    r->tag = strdup("latest");
  if (r->domain == NULL || r->path == NULL || (r->tag == NULL && r->digest == NULL))
    return hutch_error_set(err, ENOMEM, "parse reference");
  if (strlen(r->domain) + 1 + strlen(r->path) > NAME_TOTAL_MAX)
    return hutch_error_set(err, EINVAL, "invalid reference format \"%s\": name longer than %d", s,
                           NAME_TOTAL_MAX);
  *out = TAKE_PTR(r);
  return 0;
}

char *hutch_reference_name(const struct hutch_reference *r) {
  char *s = NULL;
  if (asprintf(&s, "%s/%s", r->domain, r->path) < 0)
    return NULL;
  return s;
}

char *hutch_reference_string(const struct hutch_reference *r) {
  char *s = NULL;
  if (asprintf(&s, "%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "", r->tag ? r->tag : "",
               r->digest ? "@" : "", r->digest ? r->digest : "") < 0)
    return NULL;
  return s;
}

char *hutch_reference_store_name(const struct hutch_reference *r) {
  char *s = NULL;
  int n = r->tag ? asprintf(&s, "%s/%s:%s", r->domain, r->path, r->tag)
                 : asprintf(&s, "%s/%s@%s", r->domain, r->path, r->digest);
  return n < 0 ? NULL : s;
}
