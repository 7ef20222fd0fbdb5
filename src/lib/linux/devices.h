/* /dev in the container: the default devices every container gets
 * (null, zero, full, random, urandom, tty), linux.devices, and the
 * standard symlinks. Inside a user namespace mknod is not allowed, so each
 * device is a bind mount of the host's node onto an empty file. */
#pragma once

#include <stdbool.h>

#include "spec/spec.h"
#include "util/error.h"

int hutch_devices_create(int rootfd, const struct spec_linux *l, bool userns,
                         struct hutch_error **err);
int hutch_devices_symlinks(int rootfd, bool has_pts, struct hutch_error **err);
