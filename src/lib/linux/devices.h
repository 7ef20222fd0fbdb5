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

/* The device cgroup rules of a container, as runc builds them: the spec's
 * linux.resources.devices in order, then the default allow-list (mknod of
 * anything, the standard nodes, ptys, tun). linux.devices entries get no
 * rule of their own: a node the spec creates is usable only where a rule
 * allows it, so a deny-all list keeps it closed. The array shares the
 * access strings of r and of static defaults: free only the array. */
struct spec_device_cgroup *hutch_device_rules(const struct spec_resources *r, size_t *n);
