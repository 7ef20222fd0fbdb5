/* What the spec_*.c files share: the pieces of hutch_spec_generate()
 * that live in files of their own. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* Split "a:b:c" into at most 3 parts (the third keeps any further ':'),
 * each a new string; returns how many. */
size_t hutch_spec_split_colon(const char *s, char *parts[3]);

/* ---- devices (spec_devices.c) ---- */

/* --device HOST[:CTR][:PERMS]: the node into devices, its rule into
 * rules (linux.resources.devices). */
int hutch_spec_add_device(json_t *devices, json_t *rules, const char *s, struct hutch_error **err);
/* --privileged: every device node under the host's /dev, as docker's
 * (containerd's HostDevices) walk finds them. */
void hutch_spec_host_devices(json_t *devices);
/* --device-cgroup-rule 'TYPE MAJOR:MINOR ACCESS' into rules. */
int hutch_spec_add_device_rule(json_t *rules, const char *s, struct hutch_error **err);

/* ---- namespaces (spec_ns.c) ---- */

/* linux.namespaces from --pid/--ipc/--uts/--network (host: none of that
 * kind; container:X: X's by path), /dev/shm for the IPC mode and
 * --shm-size, and linux.sysctl from --sysctl. */
struct hutch_spec_input;
int hutch_spec_namespaces(const struct hutch_spec_input *in, json_t *spec,
                          struct hutch_error **err);
/* --uts host: the container has the host's hostname and no "hostname". */
bool hutch_spec_host_uts(const struct hutch_spec_input *in);
