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

int main(void) {
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
