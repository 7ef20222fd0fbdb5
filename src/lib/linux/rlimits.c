/* process.rlimits. */
#include "rlimits.h"

#include "util/log.h"

#include <errno.h>
#include <sys/resource.h>

int hutch_rlimits_apply(const struct spec_process *p, struct hutch_error **err) {
  for (size_t i = 0; i < p->n_rlimits; i++) {
    const struct spec_rlimit *r = &p->rlimits[i];
    struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard};
    hutch_debug("setrlimit %s soft=%llu hard=%llu", r->type, (unsigned long long)r->soft,
                (unsigned long long)r->hard);
    if (setrlimit(r->resource, &rl) < 0)
      return hutch_error_set(err, errno, "setrlimit %s", r->type);
  }
  return 0;
}
