/* libFuzzer target for the OCI config parser: config.json and the bare
 * resources object of `update --resources` come from outside, so both must
 * reject any input cleanly — no crash, no leak, no UB — or parse it into a
 * spec that frees cleanly. */
#include <stddef.h>
#include <stdint.h>

#include "spec/spec.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

  struct spec_resources r;
  err = NULL;
  if (hutch_spec_parse_resources((const char *)data, size, &r, &err) == 0)
    hutch_spec_resources_clear(&r);
  hutch_error_free(err);
  return 0;
}
