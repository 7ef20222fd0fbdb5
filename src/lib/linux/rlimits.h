/* process.rlimits, applied in the child before the uid change (raising a
 * hard limit needs CAP_SYS_RESOURCE). */
#pragma once
#include "spec/spec.h"
#include "util/error.h"
int hutch_rlimits_apply(const struct spec_process *p, struct hutch_error **err);
