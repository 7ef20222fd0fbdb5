/* Unit tests for util/units: sizes as runc/docker flags take them and Go
 * durations as `events --interval` takes them. */
#include "tap.h"

#include "util/table.h"
#include "util/units.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

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

static void fmt_is(int64_t b, bool binary, int prec, const char *want) {
  char buf[32];
  hutch_format_size(b, binary, prec, buf, sizeof(buf));
  is_str(buf, want, "size %lld as %s", (long long)b, want);
}

static void ts_is(const char *s, int64_t now, int64_t want) {
  int64_t v = -42;
  int r = hutch_parse_timestamp(s, now, &v);
  ok(r == 0 && v == want, "timestamp \"%s\" = %lld", s, (long long)want);
  if (r != 0 || v != want)
    printf("#   r=%d v=%lld\n", r, (long long)v);
}

static void ts_bad(const char *s) {
  int64_t v = 0;
  ok(hutch_parse_timestamp(s, 0, &v) < 0, "timestamp \"%s\" refused", s);
}

static void sizes_and_times(void) {
  fmt_is(0, false, 4, "0B");
  fmt_is(999, false, 4, "999B");
  fmt_is(1234567, false, 4, "1.235MB");
  fmt_is(4404019, false, 3, "4.4MB");
  fmt_is(1536, true, 4, "1.5KiB");
  fmt_is(8337563648LL, true, 4, "7.765GiB");
  const int64_t s = 1000000000LL, now = 1700000000LL * s;
  ts_is("10m", now, now - 600 * s);
  ts_is("1h30m", now, now - 5400 * s);
  ts_is("1700000000", now, now);
  ts_is("1700000000.5", now, now + s / 2);
  ts_is("1700000000.000000001", now, now + 1);
  ts_is("2023-11-14T22:13:20Z", 0, now);
  ts_is("2023-11-14T22:13:20.25Z", 0, now + s / 4);
  ts_is("2023-11-15T00:13:20+02:00", 0, now);
  ts_is("2023-11-14T20:13:20-02:00", 0, now);
  setenv("TZ", "UTC", 1);
  tzset();
  ts_is("2023-11-14T22:13:20", 0, now);
  ts_is("2023-11-14T22:13", 0, now - 20 * s);
  ts_is("2023-11-14", 0, now - (22 * 3600 + 13 * 60 + 20) * s);
  ts_bad("");
  ts_bad("yesterday");
  ts_bad("12ab");
  ts_bad("1700000000.");
  ts_bad("2023-11-14T22:13:20Zjunk");
  ts_bad("2023-11-14T22:13:20+2");
}

static void table(void) {
  struct hutch_table *t = hutch_table_new(3);
  hutch_table_addv(t, "TYPE", "TOTAL", "SIZE");
  hutch_table_addv(t, "Local Volumes", "2", "36B");
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  hutch_table_print(t, f);
  fclose(f);
  is_str(buf,
         "TYPE            TOTAL     SIZE\n"
         "Local Volumes   2         36B\n",
         "table: widest cell + 3, at least 10, last column unpadded");
  free(buf);
  hutch_table_free(t);
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
  sizes_and_times();
  table();
  return done_testing();
}
