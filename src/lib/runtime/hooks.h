/* OCI hooks: each hook is run with the container state JSON on stdin,
 * its args and env, and killed if it outlives its timeout. A failing
 * prestart/createRuntime/createContainer/startContainer hook fails the
 * operation; poststart and poststop failures are warnings (runtime-spec). */
#pragma once

#include "spec/spec.h"
#include "util/error.h"

int hutch_hooks_run(const struct spec_hooks *h, enum spec_hook_kind kind, const char *state_json,
                    struct hutch_error **err);
/* Every hook of kind, a failing one logged as a warning and the rest run
 * all the same (poststart, poststop). */
void hutch_hooks_run_warn(const struct spec_hooks *h, enum spec_hook_kind kind,
                          const char *state_json);
