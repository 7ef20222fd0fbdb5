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

void hutch_format_size(int64_t bytes, bool binary, int precision, char *buf, size_t n) {
  static const char *const dec[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  static const char *const bin[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  const double base = binary ? 1024.0 : 1000.0;
  double v = (double)(bytes < 0 ? 0 : bytes);
  size_t i = 0;
  while (v >= base && i < 6) {
    v /= base;
    i++;
  }
  snprintf(buf, n, "%.*g%s", precision, v, binary ? bin[i] : dec[i]);
}

/* "[.fraction]" after seconds: nanoseconds, digits beyond nine ignored. */
static const char *scan_fraction(const char *p, int64_t *ns) {
  *ns = 0;
  if (*p != '.')
    return p;
  p++;
  if (!isdigit((unsigned char)*p))
    return NULL;
  int digits = 0;
  for (; isdigit((unsigned char)*p); p++)
    if (digits++ < 9)
      *ns = *ns * 10 + (*p - '0');
  for (; digits < 9; digits++)
    *ns *= 10;
  return p;
}

/* RFC 3339 and its shorter forms; -EINVAL when s is not one. */
static int parse_rfc3339(const char *s, int64_t *out_ns) {
  struct tm tm = {0};
  const char *p = strptime(s, "%Y-%m-%d", &tm);
  if (!p)
    return -EINVAL;
  int64_t frac = 0;
  bool zoned = false;
  long offset = 0;
  if (*p == 'T') {
    const char *q = strptime(p + 1, "%H:%M", &tm);
    if (!q)
      return -EINVAL;
    p = q;
    if (*p == ':') {
      q = strptime(p + 1, "%S", &tm);
      if (!q || !(p = scan_fraction(q, &frac)))
        return -EINVAL;
    }
    if (*p == 'Z') {
      zoned = true;
      p++;
    } else if (*p == '+' || *p == '-') {
      int hh, mm, used = 0;
      if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &used) != 2 || used != 5)
        return -EINVAL;
      offset = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
      zoned = true;
      p += 6;
    }
  }
  if (*p)
    return -EINVAL;
  time_t t;
  if (zoned) {
    t = timegm(&tm) - offset;
  } else {
    tm.tm_isdst = -1;
    t = mktime(&tm);
  }
  *out_ns = (int64_t)t * 1000000000LL + frac;
  return 0;
}

int hutch_parse_rfc3339(const char *s, time_t *out) {
  int64_t ns;
  if (s == NULL || parse_rfc3339(s, &ns) < 0)
    return -EINVAL;
  *out = (time_t)(ns / 1000000000LL);
  return 0;
}

int hutch_parse_timestamp(const char *s, int64_t now_ns, int64_t *out_ns) {
  if (s == NULL || *s == '\0')
    return -EINVAL;
  uint64_t d;
  if (hutch_parse_duration(s, &d) == 0 && strcmp(s, "0") != 0) {
    *out_ns = now_ns - (int64_t)d;
    return 0;
  }
  if (strchr(s, '-') && parse_rfc3339(s, out_ns) == 0)
    return 0;
  /* unix seconds[.fraction] */
  const char *p = s;
  int64_t sec = 0, frac;
  if (!isdigit((unsigned char)*p))
    return -EINVAL;
  for (; isdigit((unsigned char)*p); p++) {
    if (sec > (INT64_MAX / 1000000000LL - 10) / 10)
      return -ERANGE;
    sec = sec * 10 + (*p - '0');
  }
  if (!(p = scan_fraction(p, &frac)) || *p)
    return -EINVAL;
  *out_ns = sec * 1000000000LL + frac;
  return 0;
}

void hutch_format_time_ns(int64_t ns, char *buf, size_t n) {
  time_t t = (time_t)(ns / 1000000000LL);
  struct tm tm;
  gmtime_r(&t, &tm);
  char day[32];
  strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, n, "%s.%09lldZ", day, (long long)(ns % 1000000000LL));
}
