/* linux.sysctl, written under the container's /proc/sys after pivot_root. */
#pragma once
#include "spec/spec.h"
#include "util/error.h"
/* Only namespaced keys are allowed (kernel.shm*, kernel.msg*, kernel.sem,
 * fs.mqueue.*, net.* with a network namespace, kernel.hostname/domainname
 * with a uts namespace), as runc validates. */
int hutch_sysctl_validate(const struct spec_linux *l, struct hutch_error **err);
/* The hostname and domainname fields (NULL: unset) against the
 * kernel.hostname and kernel.domainname sysctls: both ways of setting one
 * name is a conflict, refused as runc refuses it. */
int hutch_sysctl_check_uts(const struct spec_linux *l, const char *hostname, const char *domainname,
                           struct hutch_error **err);
int hutch_sysctl_apply(const struct spec_linux *l, struct hutch_error **err);
