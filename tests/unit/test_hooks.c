/* Unit tests for runtime/hooks.c: the process's SIGPIPE disposition and
 * signal mask are what they were after hooks ran, even when a hook closed
 * its stdin before the state was written (the write raised SIGPIPE); the
 * timeout covers writing the state; a huge timeout does not wrap. */
#include "tap.h"

#include "runtime/hooks.h"
#include "util/error.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct spec_hooks one_hook(struct spec_hook *h) {
  struct spec_hooks hs;
  memset(&hs, 0, sizeof(hs));
  hs.list[SPEC_HOOK_PRESTART] = h;
  hs.n[SPEC_HOOK_PRESTART] = 1;
  return hs;
}

/* A state far larger than a pipe buffer. */
static char *big_state(void) {
  size_t n = 1 << 20;
  char *s = malloc(n + 1);
  memset(s, 'a', n);
  s[n] = '\0';
  return s;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_sigpipe(void) {
  signal(SIGPIPE, SIG_DFL);
  sigset_t before, after, pending;
  sigprocmask(SIG_SETMASK, NULL, &before);
  char *args[] = {"true", NULL};
  struct spec_hook h = {.path = "/bin/true", .args = args};
  struct spec_hooks hs = one_hook(&h);
  char *state = big_state();
  struct hutch_error *err = NULL;
  /* with SIGPIPE at SIG_DFL, a SIGPIPE that got through would kill us */
  is_int(hutch_hooks_run(&hs, SPEC_HOOK_PRESTART, state, &err), 0,
         "a hook that does not read its stdin is fine");
  hutch_error_free(err);
  struct sigaction sa;
  sigaction(SIGPIPE, NULL, &sa);
  ok(sa.sa_handler == SIG_DFL, "SIGPIPE is still SIG_DFL after hooks");
  sigprocmask(SIG_SETMASK, NULL, &after);
  ok(sigismember(&after, SIGPIPE) == sigismember(&before, SIGPIPE), "the mask is restored");
  sigpending(&pending);
  ok(!sigismember(&pending, SIGPIPE), "no SIGPIPE left pending");
  free(state);
}

static void test_write_timeout(void) {
  char *args[] = {"sleep", "30", NULL};
  struct spec_hook h = {.path = "/bin/sleep", .args = args, .has_timeout = true, .timeout = 1};
  struct spec_hooks hs = one_hook(&h);
  char *state = big_state();
  struct hutch_error *err = NULL;
  double t0 = now();
  is_int(hutch_hooks_run(&hs, SPEC_HOOK_PRESTART, state, &err), -1,
         "a hook that never reads a big state times out");
  ok(err && err->errnum == ETIMEDOUT, "ETIMEDOUT");
  ok(now() - t0 < 5, "within the timeout, not the hook's 30 s (%.1f s)", now() - t0);
  hutch_error_free(err);
  free(state);
}

static void test_huge_timeout(void) {
  char *args[] = {"sleep", "1", NULL};
  /* 4294968 * 1000 in 32 bits is 704 */
  struct spec_hook h = {
      .path = "/bin/sleep", .args = args, .has_timeout = true, .timeout = 4294968};
  struct spec_hooks hs = one_hook(&h);
  struct hutch_error *err = NULL;
  is_int(hutch_hooks_run(&hs, SPEC_HOOK_PRESTART, "{}", &err), 0,
         "a timeout of 4294968 s does not wrap to 704 ms");
  hutch_error_free(err);
  h.timeout = 2147483647;
  err = NULL;
  is_int(hutch_hooks_run(&hs, SPEC_HOOK_PRESTART, "{}", &err), 0, "INT_MAX s is fine");
  hutch_error_free(err);
}

int main(void) {
  test_sigpipe();
  test_write_timeout();
  test_huge_timeout();
  return done_testing();
}
