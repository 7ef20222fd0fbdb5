/* LSM labels and the other per-process attributes of process.*:
 * apparmorProfile, selinuxLabel, personality, ioPriority, scheduler,
 * oomScoreAdj. Each applied in the child at its point in init.c. */
#pragma once

#include <stdbool.h>

#include "spec/spec.h"
#include "util/error.h"

bool hutch_apparmor_enabled(void);
bool hutch_selinux_enabled(void);
/* Check before clone that what is asked for is available (clear error if not). */
int hutch_lsm_check(const struct spec *s, struct hutch_error **err);
/* Set the exec label (apparmor "exec <profile>" / selinux exec attr); the label
 * takes effect at execve. */
int hutch_lsm_set_exec_label(const char *apparmor_profile, const char *selinux_label,
                             struct hutch_error **err);
int hutch_set_personality(const struct spec_linux *l, struct hutch_error **err);
int hutch_set_io_priority(const struct spec_io_priority *p, struct hutch_error **err);
int hutch_set_scheduler(const struct spec_scheduler *s, struct hutch_error **err);
int hutch_set_oom_score_adj(int pid, int value, struct hutch_error **err); /* pid 0: self */
