/* libFuzzer target for the bare resources object of `hutch-runtime update
 * --resources FILE` (or -): outside JSON, parsed into a spec_resources
 * that must free cleanly, whatever the input. */
#include "fuzz.h"

#include "spec/spec.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int quiet;
  if (!quiet) {
    hutch_log_set_level(HUTCH_LOG_ERROR);
    quiet = 1;
  }
  struct spec_resources r;
  struct hutch_error *err = NULL;
  if (hutch_spec_parse_resources((const char *)data, size, &r, &err) == 0)
    hutch_spec_resources_clear(&r);
  hutch_error_free(err);
  return 0;
}
