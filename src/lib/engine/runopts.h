/* The run/create options of issue 15 checked as docker checks them, with
 * docker's messages: namespace modes, --sysctl, --cpus against the host,
 * --cpuset-cpus/--cpuset-mems, --blkio-weight, --log-driver/--log-opt,
 * the health check's durations. Pure: the host's facts come as
 * arguments (hutch_host_* read them). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

enum hutch_ns_kind { HUTCH_NS_PID, HUTCH_NS_IPC, HUTCH_NS_UTS, HUTCH_NS_USERNS };
/* --pid host|container:X, --ipc host|container:X|private|shareable|none,
 * --uts host, --userns host ("" is the default for each):
 * "--pid: invalid PID mode" and so on. */
int hutch_ns_mode_check(enum hutch_ns_kind kind, const char *mode, struct hutch_error **err);
/* "container:NAME" → NAME, else NULL. */
const char *hutch_ns_mode_container(const char *mode);

/* --sysctl K=V: docker's namespaced set (kernel.msg*, kernel.sem,
 * kernel.shm*, fs.mqueue.*, net.*): "sysctl 'K=V' is not allowed"; and
 * none of the namespace's kind when it is the host's (net.* with
 * --network host, the IPC ones with --ipc host), as runc refuses them. */
int hutch_sysctl_check(const char *kv, bool host_net, bool host_ipc, struct hutch_error **err);

/* --cpus above the host's count: "range of CPUs is from 0.01 to N.00, as
 * there are only N CPUs available" (and below 0.01). */
int hutch_cpus_check(int64_t nano_cpus, int host_cpus, struct hutch_error **err);

/* A cpuset list ("0-3,5") into a bit mask of up to 1024 entries; -EINVAL. */
int hutch_cpuset_parse(const char *s, uint64_t mask[16]);
/* --cpuset-cpus (what "cpus") or --cpuset-mems ("mems") against the
 * host's online list: docker's "Invalid value …" and "Requested CPUs are
 * not available - requested …, available: …". */
int hutch_cpuset_check(const char *what, const char *requested, const char *available,
                       struct hutch_error **err);

/* --blkio-weight 10-1000 (0: unset). */
int hutch_blkio_weight_check(int64_t w, struct hutch_error **err);

/* --device-cgroup-rule: 'c 1:3 rwm' as the device cgroup takes it, or
 * docker's message ("invalid device cgroup format '…'"). */
int hutch_device_rule_check(const char *rule, struct hutch_error **err);

/* --log-driver and --log-opt: json-file (max-size, max-file, and the
 * options docker's json-file takes), none (no options), journald (its
 * options; the driver itself is refused at create, see create_check.c). Fills the rotation limits:
 * bytes (0: no limit) and files (1 or more). */
int hutch_log_opts_parse(const char *driver, char *const *opts, int64_t *max_size,
                         int64_t *max_file, struct hutch_error **err);
