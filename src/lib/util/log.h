/* Logging for the two CLIs and --debug step traces.
 *
 * Library code reports failures through struct hutch_error, never by
 * logging; it logs only debug traces of kernel-level steps ("mount proc on
 * /proc") and warnings for non-fatal failures (", ignoring"). The log goes to
 * stderr or to --log FILE, as text or as runc-style JSON lines
 * {"level":"debug","msg":"...","time":"..."} that containerd and podman read
 * back. */
#pragma once

#include <stdbool.h>

enum hutch_log_level { HUTCH_LOG_ERROR = 0, HUTCH_LOG_WARNING, HUTCH_LOG_INFO, HUTCH_LOG_DEBUG };
/* TEXT: "prefix: level: msg" (hutch); JSON: logrus's JSONFormatter;
 * LOGRUS: logrus's TextFormatter, `time="…" level=debug msg="…"`, which
 * hutch-runtime writes as runc does, so tools that read runc's log (its
 * error line on a failure) read ours. */
enum hutch_log_format { HUTCH_LOG_TEXT = 0, HUTCH_LOG_JSON, HUTCH_LOG_LOGRUS };

/* path NULL: stderr. Returns -errno if the file cannot be opened. */
int hutch_log_open(const char *path, enum hutch_log_format format, enum hutch_log_level level);
void hutch_log_set_level(enum hutch_log_level level);
void hutch_log_set_prefix(const char *prefix); /* "hutch-runtime" etc. */
bool hutch_log_enabled(enum hutch_log_level level);
/* Redirect all log lines into a function (the child sends them to its parent). */
void hutch_log_set_sink(void (*sink)(enum hutch_log_level, const char *msg, void *ud), void *ud);
int hutch_log_fd(void);                                            /* fd of the log file, or 2 */
void hutch_log_write(enum hutch_log_level level, const char *msg); /* no formatting */
void hutch_log(enum hutch_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Now in RFC 3339, UTC, nanoseconds ("2026-12-06T04:23:17.123456789Z"), as
 * Go's time.RFC3339Nano: log records, state.json, engine records. */
#define HUTCH_RFC3339_MAX 40
void hutch_time_rfc3339(char buf[static HUTCH_RFC3339_MAX]);

#define hutch_debug(...)                                                                           \
  do {                                                                                             \
    if (hutch_log_enabled(HUTCH_LOG_DEBUG))                                                        \
      hutch_log(HUTCH_LOG_DEBUG, __VA_ARGS__);                                                     \
  } while (0)
#define hutch_warn(...) hutch_log(HUTCH_LOG_WARNING, __VA_ARGS__)
#define hutch_info(...) hutch_log(HUTCH_LOG_INFO, __VA_ARGS__)
