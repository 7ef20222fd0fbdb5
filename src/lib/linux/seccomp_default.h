/* The engine's default seccomp profile for `hutch run`: docker's default
 * (an allow-list with EPERM for everything else), as a struct spec_seccomp
 * the engine puts into the OCI spec it builds. */
#pragma once

#include <stdint.h>

#include "spec/spec.h"
#include "util/error.h"

/* Fill *out (which must be zeroed) with the default profile for a container
 * whose bounding set is `caps` (bit n = capability n): as in docker, some
 * syscalls are allowed only with the capability that guards them
 * (CAP_SYS_ADMIN: mount, unshare, setns, clone with namespace flags…).
 * Every string and array is heap-allocated the way the spec parser
 * allocates them, so hutch_spec_free() of the enclosing spec frees it. */
int hutch_seccomp_default_profile(struct spec_seccomp *out, uint64_t caps,
                                  struct hutch_error **err);
/* Free what *p holds and zero it (for a profile not owned by a struct spec). */
void hutch_seccomp_profile_clear(struct spec_seccomp *p);
