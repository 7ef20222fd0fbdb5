/* Unit tests for engine/attach: docker's --detach-keys and the matcher
 * that holds back what may be the start of the sequence. */
#include "tap.h"

#include "engine/attach.h"

#include <string.h>

static bool keys_are(const char *spec, const char *want, size_t wn) {
  unsigned char k[HUTCH_DETACH_KEYS_MAX];
  size_t n = 0;
  return hutch_detach_keys_parse(spec, k, &n, NULL) == 0 && n == wn && memcmp(k, want, n) == 0;
}

static bool keys_bad(const char *spec) {
  unsigned char k[HUTCH_DETACH_KEYS_MAX];
  size_t n = 0;
  struct hutch_error *err = NULL;
  int r = hutch_detach_keys_parse(spec, k, &n, &err);
  hutch_error_free(err);
  return r < 0;
}

/* Feed chunks; the bytes forwarded and whether it detached. */
static bool feed(const char *spec, const char *const *chunks, const char *want_out, bool want_det) {
  struct hutch_detach_matcher m = {0};
  if (hutch_detach_keys_parse(spec, m.keys, &m.n, NULL) < 0)
    return false;
  char all[256] = "";
  size_t total = 0;
  bool det = false;
  for (; *chunks && !det; chunks++) {
    char out[64];
    size_t len;
    det = hutch_detach_feed(&m, *chunks, strlen(*chunks), out, &len);
    memcpy(all + total, out, len);
    total += len;
  }
  all[total] = '\0';
  if (strcmp(all, want_out) != 0 || det != want_det)
    printf("#   out \"%s\" detached %d\n", all, det);
  return strcmp(all, want_out) == 0 && det == want_det;
}

int main(void) {
  ok(keys_are("ctrl-p,ctrl-q", "\x10\x11", 2), "docker's default: ctrl-p ctrl-q");
  ok(keys_are("ctrl-x,x", "\x18x", 2), "ctrl-x then x");
  ok(keys_are("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", "\0\x1b\x1c\x1d\x1e\x1f", 6),
     "ctrl- of the symbols");
  ok(keys_are("a", "a", 1), "a single character");
  ok(keys_bad("ctrl-1"), "ctrl-1 refused");
  ok(keys_bad("ctrl-xx"), "ctrl-xx refused");
  ok(keys_bad("ab"), "two characters in one key refused");
  ok(keys_bad(""), "empty refused");

  ok(feed("ctrl-p,ctrl-q", (const char *[]){"ls\r", NULL}, "ls\r", false), "plain input passes");
  ok(feed("ctrl-p,ctrl-q", (const char *[]){"ab\x10\x11zz", NULL}, "ab", true),
     "the sequence detaches; what follows is dropped");
  ok(feed("ctrl-p,ctrl-q", (const char *[]){"a\x10", "\x11", NULL}, "a", true),
     "split across reads");
  ok(feed("ctrl-p,ctrl-q", (const char *[]){"a\x10", "b", NULL},
          "a\x10"
          "b",
          false),
     "broken: the held ctrl-p goes out");
  ok(feed("ctrl-p,ctrl-q", (const char *[]){"\x10\x10\x11", NULL}, "\x10", true),
     "ctrl-p ctrl-p ctrl-q: the first goes out, then detach");
  ok(feed("ctrl-x,x", (const char *[]){"\x18y", NULL}, "\x18y", false), "ctrl-x y is input");
  return done_testing();
}
