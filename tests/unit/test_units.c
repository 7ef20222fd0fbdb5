/* Unit tests for util/units: sizes as runc/docker flags take them and Go
 * durations as `events --interval` takes them. */
#include "tap.h"

#include "util/units.h"

#include <errno.h>
#include <stdint.h>

static void size_is(const char *s, int64_t want) {
  int64_t v = -42;
  int r = hutch_parse_size(s, &v);
  ok(r == 0 && v == want, "size \"%s\" = %lld", s, (long long)want);
  if (r != 0 || v != want)
    printf("#   r=%d v=%lld\n", r, (long long)v);
}

static void size_bad(const char *s, int want_r) {
  int64_t v = 0;
  is_int(hutch_parse_size(s, &v), want_r, "size \"%s\" refused", s);
}

static void dur_is(const char *s, uint64_t want) {
  uint64_t v = 42;
  int r = hutch_parse_duration(s, &v);
  ok(r == 0 && v == want, "duration \"%s\" = %llu ns", s, (unsigned long long)want);
  if (r != 0 || v != want)
    printf("#   r=%d v=%llu\n", r, (unsigned long long)v);
}

static void dur_bad(const char *s) {
  uint64_t v = 0;
  is_int(hutch_parse_duration(s, &v), -EINVAL, "duration \"%s\" refused", s);
}

static void human_is(long long secs, const char *want) {
  char buf[64];
  hutch_human_duration(secs, buf, sizeof(buf));
  is_str(buf, want, "HumanDuration(%llds)", secs);
}

/* go-units' HumanDuration, as docker's CREATED and STATUS columns. */
static void human_durations(void) {
  human_is(0, "Less than a second");
  human_is(-5, "Less than a second");
  human_is(1, "1 second");
  human_is(59, "59 seconds");
  human_is(60, "About a minute");
  human_is(119, "About a minute");
  human_is(120, "2 minutes");
  human_is(59 * 60 + 59, "59 minutes");
  human_is(3600, "About an hour");
  human_is(5399, "About an hour"); /* hours round to the nearest */
  human_is(5400, "2 hours");
  human_is(47 * 3600, "47 hours");
  human_is(48 * 3600, "2 days");
  human_is(13 * 86400, "13 days");
  human_is(14 * 86400, "2 weeks");
  human_is(59 * 86400, "8 weeks");
  human_is(60 * 86400, "2 months");
  human_is(729 * 86400, "24 months");
  human_is(730 * 86400, "2 years");
  human_is(739954LL * 86400, "2027 years");
}

static void rfc3339(void) {
  time_t t;
  ok(hutch_parse_rfc3339("1970-01-01T00:01:40Z", &t) == 0 && t == 100, "RFC 3339 in UTC");
  ok(hutch_parse_rfc3339("2024-03-01T10:00:00.123456789Z", &t) == 0 && t == 1709287200,
     "fractional seconds");
  ok(hutch_parse_rfc3339("2024-03-01T12:00:00+02:00", &t) == 0 && t == 1709287200, "an offset");
  ok(hutch_parse_rfc3339("2024-03-01T08:30:00-01:30", &t) == 0 && t == 1709287200,
     "a negative offset");
  ok(hutch_parse_rfc3339("yesterday", &t) == -EINVAL, "not a time");
  ok(hutch_parse_rfc3339("2024-03-01T10:00:00 junk", &t) == -EINVAL, "trailing junk");
  ok(hutch_parse_rfc3339(NULL, &t) == -EINVAL, "NULL");
}

int main(void) {
  human_durations();
  rfc3339();
  size_is("0", 0);
  size_is("4096", 4096);
  size_is("64m", 64ll << 20);
  size_is("64M", 64ll << 20);
  size_is("1g", 1ll << 30);
  size_is("1.5g", 3ll << 29);
  size_is("512k", 512ll << 10);
  size_is("512KiB", 512ll << 10);
  size_is("10mb", 10ll << 20);
  size_is("2 GB", 2ll << 30);
  size_is("100b", 100);
  size_is("1t", 1ll << 40);
  size_is("3p", 3ll << 50);
  size_bad("", -EINVAL);
  size_bad("m", -EINVAL);
  size_bad("-1", -EINVAL);
  size_bad("12x", -EINVAL);
  size_bad("1.g", -EINVAL);
  size_bad("1gg", -EINVAL);
  size_bad("64m ", -EINVAL);
  size_bad("99999999p", -ERANGE);

  dur_is("0", 0);
  dur_is("5s", 5000000000ull);
  dur_is("250ms", 250000000ull);
  dur_is("1m30s", 90000000000ull);
  dur_is("1.5s", 1500000000ull);
  dur_is("2h", 7200000000000ull);
  dur_is("10us", 10000ull);
  dur_is("10\xc2\xb5s", 10000ull);
  dur_is("7ns", 7ull);
  dur_bad("");
  dur_bad("5");
  dur_bad("s");
  dur_bad("-5s");
  dur_bad("5x");
  dur_bad("5s3");
  return done_testing();
}
