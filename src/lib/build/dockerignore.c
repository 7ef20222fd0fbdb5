/* .dockerignore patterns; see dockerignore.h. */
#include "dockerignore.h"

#include "util/cleanup.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ignore_pattern {
  char *pattern;
  bool exclusion; /* "!pattern" */
};

struct hutch_ignore {
  struct ignore_pattern *v;
  size_t n;
  bool has_exclusions;
};

void hutch_ignore_free(struct hutch_ignore *ig) {
  if (!ig)
    return;
  for (size_t i = 0; i < ig->n; i++)
    free(ig->v[i].pattern);
  free(ig->v);
  free(ig);
}

void hutch_ignore_freep(struct hutch_ignore **ig) {
  hutch_ignore_free(*ig);
}

char *hutch_path_clean(const char *path) {
  bool abs = path[0] == '/';
  size_t n = strlen(path);
  char *out = malloc(n + 2);
  if (!out)
    return NULL;
  size_t base = abs ? 1 : 0, o = base, dotdots = 0; /* leading ".."s of a relative path */
  out[0] = '/';
  for (const char *p = path; *p;) {
    while (*p == '/')
      p++;
    const char *e = strchrnul(p, '/');
    size_t len = (size_t)(e - p);
    if (len == 0 || (len == 1 && p[0] == '.')) {
      /* nothing */
    } else if (len == 2 && p[0] == '.' && p[1] == '.') {
      if (o > base + dotdots * 3) { /* back up one element */
        while (o > base && out[o - 1] != '/')
          o--;
        if (o > base)
          o--;
      } else if (!abs) {
        if (o > 0)
          out[o++] = '/';
        memcpy(out + o, "..", 2);
        o += 2;
        dotdots++;
      }
    } else {
      if (o > base)
        out[o++] = '/';
      memcpy(out + o, p, len);
      o += len;
    }
    p = e;
  }
  if (o == 0)
    out[o++] = '.';
  out[o] = '\0';
  return out;
}

int hutch_ignore_parse(const char *text, struct hutch_ignore **out, struct hutch_error **err) {
  struct hutch_ignore *ig = calloc(1, sizeof(*ig));
  if (!ig)
    return hutch_error_set(err, ENOMEM, ".dockerignore");
  for (const char *s = text; *s;) {
    const char *e = strchr(s, '\n');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    _cleanup_free_ char *line = strndup(s, n);
    s += n + (e ? 1 : 0);
    if (!line)
      goto oom;
    char *p = line;
    while (isspace((unsigned char)*p))
      p++;
    size_t len = strlen(p);
    while (len > 0 && isspace((unsigned char)p[len - 1]))
      p[--len] = '\0';
    if (*p == '\0' || *p == '#')
      continue;
    bool excl = *p == '!';
    if (excl) {
      p++;
      while (isspace((unsigned char)*p))
        p++;
      if (*p == '\0')
        return hutch_ignore_free(ig),
               hutch_error_say(err, EINVAL, ".dockerignore: illegal exclusion pattern: \"!\"");
    }
    char *clean = hutch_path_clean(p);
    if (!clean)
      goto oom;
    if (clean[0] == '/' && clean[1])
      memmove(clean, clean + 1, strlen(clean));
    struct ignore_pattern *nv = realloc(ig->v, (ig->n + 1) * sizeof(*nv));
    if (!nv) {
      free(clean);
      goto oom;
    }
    ig->v = nv;
    ig->v[ig->n++] = (struct ignore_pattern){clean, excl};
    ig->has_exclusions |= excl;
  }
  *out = ig;
  return 0;
oom:
  hutch_ignore_free(ig);
  return hutch_error_set(err, ENOMEM, ".dockerignore");
}

/* [class] at *pp (after '['): does c match; *pp moves past ']'. -1: malformed. */
static int match_class(const char **pp, char c) {
  const char *p = *pp;
  bool neg = *p == '!' || *p == '^';
  if (neg)
    p++;
  bool hit = false, first = true;
  for (; *p && (*p != ']' || first); first = false) {
    char lo = *p == '\\' && p[1] ? *++p : *p;
    p++;
    char hi = lo;
    if (*p == '-' && p[1] && p[1] != ']') {
      p++;
      hi = *p == '\\' && p[1] ? *++p : *p;
      p++;
    }
    if (c >= lo && c <= hi)
      hit = true;
  }
  if (*p != ']')
    return -1;
  *pp = p + 1;
  return hit != neg;
}

bool hutch_path_match(const char *pat, const char *s) {
  while (*pat) {
    char c = *pat;
    if (c == '*' && pat[1] == '*') {
      /* docker: "**" is the regexp (.*[/])? and, at the end, .* */
      while (*pat == '*')
        pat++;
      if (*pat == '/')
        pat++;
      if (!*pat)
        return true;
      for (const char *t = s;; t++) {
        if ((t == s || t[-1] == '/') && hutch_path_match(pat, t))
          return true;
        if (!*t)
          return false;
      }
    }
    if (c == '*') {
      pat++;
      for (const char *t = s;; t++) {
        if (hutch_path_match(pat, t))
          return true;
        if (!*t || *t == '/')
          return false;
      }
    }
    if (!*s)
      return false;
    if (c == '?') {
      if (*s == '/')
        return false;
      pat++;
    } else if (c == '[') {
      pat++;
      if (*s == '/' || match_class(&pat, *s) != 1)
        return false;
    } else {
      if (c == '\\' && pat[1])
        c = *++pat;
      if (c != *s)
        return false;
      pat++;
    }
    s++;
  }
  return *s == '\0';
}

/* The pattern matches path or one of its parent directories. */
static bool match_or_parent(const char *pattern, const char *path) {
  if (hutch_path_match(pattern, path))
    return true;
  _cleanup_free_ char *p = strdup(path);
  for (char *sl = p ? strchr(p, '/') : NULL; sl; sl = strchr(sl + 1, '/')) {
    *sl = '\0';
    bool m = hutch_path_match(pattern, p);
    *sl = '/';
    if (m)
      return true;
  }
  return false;
}

bool hutch_ignore_match(const struct hutch_ignore *ig, const char *path) {
  bool matched = false;
  for (size_t i = 0; ig && i < ig->n; i++) {
    /* an inclusion can only change an unmatched path, an exclusion a matched one */
    if (ig->v[i].exclusion != matched)
      continue;
    if (match_or_parent(ig->v[i].pattern, path))
      matched = !ig->v[i].exclusion;
  }
  return matched;
}

bool hutch_ignore_may_include_below(const struct hutch_ignore *ig, const char *dir) {
  if (!ig || !ig->has_exclusions)
    return false;
  size_t n = strlen(dir);
  for (size_t i = 0; i < ig->n; i++) {
    const char *p = ig->v[i].pattern;
    if (!ig->v[i].exclusion)
      continue;
    /* a wildcard before the dir's length may match anything below it */
    if (strpbrk(p, "*?[\\") || (strncmp(p, dir, n) == 0 && p[n] == '/'))
      return true;
  }
  return false;
}
