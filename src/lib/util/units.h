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

#include <stddef.h>
#include <time.h>

/* go-units' HumanDuration, as docker prints ages: "Less than a second",
 * "1 second", "5 minutes", "About a minute", "About an hour", "3 hours",
 * "2 days", "3 weeks", "4 months", "2 years". */
void hutch_human_duration(long long seconds, char *buf, size_t n);
/* Seconds since the epoch of an RFC 3339 time ("2006-01-02T15:04:05[.n]Z"
 * or with an offset); -EINVAL when it is none. */
int hutch_parse_rfc3339(const char *s, time_t *out);
#include <stdbool.h>
#include <stddef.h>

/* docker's sizes for people (go-units): decimal "1.234MB" (HumanSize,
 * kB MB GB TB PB) or binary "1.5GiB" (BytesSize, KiB MiB GiB TiB PiB),
 * with `precision` significant digits ("%.*g"). */
void hutch_format_size(int64_t bytes, bool binary, int precision, char *buf, size_t n);

/* A point in time as docker's --since/--until take it (GetTimestamp): a Go
 * duration before now ("10m", "1h30m"), RFC 3339 with or without
 * fraction and zone ("2006-01-02T15:04:05.999999999Z07:00", without zone:
 * local time), a date ("2006-01-02"), or unix seconds with an optional
 * fraction ("1700000000.5"). now_ns is the reference for durations. */
int hutch_parse_timestamp(const char *s, int64_t now_ns, int64_t *out_ns);
/* "2006-01-02T15:04:05.000000000Z" (docker's RFC3339Nano for events,
 * with all nine digits): buf needs 31 bytes. */
void hutch_format_time_ns(int64_t ns, char *buf, size_t n);
