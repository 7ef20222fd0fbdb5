/* Size and duration parsing for flags (see units.h). Values are
 * computed in long double and range-checked before converting, so a huge
 * "99999999p" is -ERANGE instead of a silently wrapped integer. */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* "123" or "1.25": digits with at most one dot, at least one digit
 * before it. Returns the characters consumed (0: no number). */
static size_t scan_number(const char *s, long double *out) {
  size_t i = 0;
  long double v = 0;
  while (isdigit((unsigned char)s[i]))
    v = v * 10 + (s[i++] - '0');
  if (i == 0)
    return 0;
  if (s[i] == '.') {
    size_t j = i + 1;
    long double scale = 0.1L;
    while (isdigit((unsigned char)s[j])) {
      v += (s[j++] - '0') * scale;
      scale /= 10;
    }
    if (j == i + 1)
      return 0; /* "1." */
    i = j;
  }
  *out = v;
  return i;
}

int hutch_parse_size(const char *s, int64_t *bytes) {
  if (s == NULL)
    return -EINVAL;
  long double v;
  size_t i = scan_number(s, &v);
  if (i == 0)
    return -EINVAL;
  if (s[i] == ' ')
    i++;
  static const char units[] = "kmgtp";
  long double mult = 1;
  if (s[i] != '\0') {
    const char *u = strchr(units, tolower((unsigned char)s[i]));
    if (u != NULL && *u != '\0') {
      for (const char *p = units; p <= u; p++)
        mult *= 1024;
      i++;
      if (s[i] == 'i' || s[i] == 'I')
        i++;
    }
    if (s[i] == 'b' || s[i] == 'B')
      i++;
  }
  if (s[i] != '\0')
    return -EINVAL;
  long double r = v * mult; /* the cast below truncates, as go-units does */
  if (r > (long double)INT64_MAX)
    return -ERANGE;
  *bytes = (int64_t)r;
  return 0;
}

int hutch_parse_duration(const char *s, uint64_t *nsec) {
  static const struct {
    const char *name;
    long double ns;
  } units[] = {
      /* longest first, so "ms" is not read as "m" + "s" */
      {"ns", 1},   {"us", 1e3L}, {"\xc2\xb5s", 1e3L}, {"ms", 1e6L},
      {"s", 1e9L}, {"m", 60e9L}, {"h", 3600e9L},
  };
  if (s == NULL || *s == '\0')
    return -EINVAL;
  if (strcmp(s, "0") == 0) {
    *nsec = 0;
    return 0;
  }
  long double total = 0;
  const char *p = s;
  while (*p) {
    long double v;
    size_t n = scan_number(p, &v);
    if (n == 0)
      return -EINVAL;
    p += n;
    bool found = false;
    for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
      size_t l = strlen(units[k].name);
      if (strncmp(p, units[k].name, l) == 0) {
        total += v * units[k].ns;
        p += l;
        found = true;
        break;
      }
    }
    if (!found)
      return -EINVAL;
  }
  if (total > (long double)UINT64_MAX)
    return -ERANGE;
  *nsec = (uint64_t)total;
  return 0;
}

void hutch_human_duration(long long s, char *buf, size_t n) {
  /* go-units rounds hours to the nearest, and counts days, weeks, months
   * and years from those hours */
  long long minutes = s / 60, hours = (s + 1800) / 3600;
  if (s < 1)
    snprintf(buf, n, "Less than a second");
  else if (s == 1)
    snprintf(buf, n, "1 second");
  else if (s < 60)
    snprintf(buf, n, "%lld seconds", s);
  else if (minutes == 1)
    snprintf(buf, n, "About a minute");
  else if (minutes < 60)
    snprintf(buf, n, "%lld minutes", minutes);
  else if (hours == 1)
    snprintf(buf, n, "About an hour");
  else if (hours < 48)
    snprintf(buf, n, "%lld hours", hours);
  else if (hours < 24 * 7 * 2)
    snprintf(buf, n, "%lld days", hours / 24);
  else if (hours < 24 * 30 * 2)
    snprintf(buf, n, "%lld weeks", hours / 24 / 7);
  else if (hours < 24 * 365 * 2)
    snprintf(buf, n, "%lld months", hours / 24 / 30);
  else
    snprintf(buf, n, "%lld years", s / 3600 / 24 / 365);
}

int hutch_parse_rfc3339(const char *s, time_t *out) {
  struct tm tm = {0};
  const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
  if (!p)
    return -EINVAL;
  if (*p == '.')
    for (p++; isdigit((unsigned char)*p); p++)
      ;
  long off = 0;
  if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
    off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 + ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
    if (*p == '-')
      off = -off;
  } else if (strcmp(p, "Z") != 0 && *p) {
    return -EINVAL;
  }
  *out = timegm(&tm) - off;
  return 0;
}
