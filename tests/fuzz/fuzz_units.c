/* libFuzzer target for the size and duration flags (--memory 1.5g,
 * --stop-timeout, --health-interval 1m30s ...): any string is parsed or
 * refused with -EINVAL/-ERANGE, with no overflow on the way (UBSan checks
 * the float-to-integer conversions). */
#include "fuzz.h"

#include "util/cleanup.h"
#include "util/units.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  _cleanup_free_ char *s = fuzz_strndup(data, size);
  if (s == NULL)
    return 0;
  int64_t bytes = -1;
  int r = hutch_parse_size(s, &bytes);
  if (r == 0 && bytes < 0)
    abort();
  if (r < 0 && r != -EINVAL && r != -ERANGE)
    abort();
  uint64_t ns;
  r = hutch_parse_duration(s, &ns);
  if (r < 0 && r != -EINVAL && r != -ERANGE)
    abort();
  return 0;
}
