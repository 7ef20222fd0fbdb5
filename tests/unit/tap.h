/* A tiny TAP harness for the C unit tests: ok()/is_int()/is_str(), then
 * done_testing() prints the plan and returns the exit status. */
#pragma once

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                                              \
  do {                                                                                             \
    int _c = !!(cond);                                                                             \
    tap_n++;                                                                                       \
    if (_c) {                                                                                      \
      printf("ok %d - ", tap_n);                                                                   \
    } else {                                                                                       \
      tap_failed++;                                                                                \
      printf("not ok %d - ", tap_n);                                                               \
    }                                                                                              \
    printf(__VA_ARGS__);                                                                           \
    printf("\n");                                                                                  \
    if (!_c)                                                                                       \
      printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);                              \
  } while (0)

#define is_int(got, want, ...)                                                                     \
  do {                                                                                             \
    long long _g = (long long)(got), _w = (long long)(want);                                       \
    ok(_g == _w, __VA_ARGS__);                                                                     \
    if (_g != _w)                                                                                  \
      printf("#   got %lld, want %lld\n", _g, _w);                                                 \
  } while (0)

#define is_str(got, want, ...)                                                                     \
  do {                                                                                             \
    const char *_g = (got), *_w = (want);                                                          \
    int _eq = (_g == NULL && _w == NULL) || (_g && _w && strcmp(_g, _w) == 0);                     \
    ok(_eq, __VA_ARGS__);                                                                          \
    if (!_eq)                                                                                      \
      printf("#   got \"%s\", want \"%s\"\n", _g ? _g : "(null)", _w ? _w : "(null)");             \
  } while (0)

static inline int done_testing(void) {
  printf("1..%d\n", tap_n);
  return tap_failed ? 1 : 0;
}
