/* Human-readable quantities on command lines: sizes as docker and runc
 * take them ("64m", "1.5g", "512KiB") and durations as Go's
 * time.ParseDuration ("5s", "1m30s", "250ms"). Both return -EINVAL on
 * malformed input and -ERANGE when the value does not fit. */
#pragma once

#include <stdint.h>

/* Bytes from "N[.F][ ]{k,m,g,t,p}[i][b]" (case-insensitive, binary
 * multiples as go-units' RAMInBytes); a bare number is bytes. */
int hutch_parse_size(const char *s, int64_t *bytes);
/* Nanoseconds from a sequence of "N[.F]unit" (ns, us, µs, ms, s, m, h);
 * "0" alone is allowed. Negative durations are refused. */
int hutch_parse_duration(const char *s, uint64_t *nsec);
