/* The self-protection half of `hutch check`: would the defences against
 * the runtime CVEs (docs/security.md) work on this host, with these
 * binaries? Each probe runs the same library code the defence runs, up to
 * the point where it would act: hutch_sealed_open on each binary hutch
 * execs (without the exec), hutch_procfs_open, the masked paths' /dev/null
 * check, openat2(RESOLVE_IN_ROOT) or the walk hutch_open_in_root falls
 * back to. Rows go into the same list as the kernel probes. */
#pragma once

#include "linux/hostprobe.h"

/* The row `name` for the binary at path, as hutch_sealed_exec would run
 * it: ok from a detached read-only mount, fallback from a sealed memfd
 * copy, FAIL when it cannot run sealed (missing, not executable, on a
 * noexec mount, neither copy possible). */
void hutch_probe_sealed_binary(struct hutch_probes *p, const char *name, const char *path,
                               const char *enables);
/* Every self-protection probe, in the order `hutch check` shows them. */
void hutch_probe_self(struct hutch_probes *p);
