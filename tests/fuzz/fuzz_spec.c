/* libFuzzer target for the OCI config parser: config.json comes from
 * outside (the bundle a client hands us), so any input must be rejected
 * cleanly — no crash, no leak, no UB — or parse into a spec that frees
 * cleanly. The bare resources object of `update --resources` has its own
 * target, fuzz_resources. */
#include "fuzz.h"

#include "spec/spec.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int quiet;
  if (!quiet) {
    /* relative mount destinations warn; keep the fuzzer's output readable */
    hutch_log_set_level(HUTCH_LOG_ERROR);
    quiet = 1;
  }
  struct spec *s = NULL;
  struct hutch_error *err = NULL;
  if (hutch_spec_parse((const char *)data, size, &s, &err) == 0)
    hutch_spec_free(s);
  hutch_error_free(err);
  return 0;
}
