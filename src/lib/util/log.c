/* Log sink: text or JSON lines to stderr or a file, or a custom sink. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 2;
static enum hutch_log_format log_format = HUTCH_LOG_TEXT;
static enum hutch_log_level log_level = HUTCH_LOG_WARNING;
static const char *log_prefix = "hutch";
static void (*log_sink)(enum hutch_log_level, const char *, void *);
static void *log_sink_ud;
static struct timespec log_t0;

static const char *level_name[] = {"error", "warning", "info", "debug"};

int hutch_log_open(const char *path, enum hutch_log_format format, enum hutch_log_level level) {
  clock_gettime(CLOCK_MONOTONIC, &log_t0);
  log_format = format;
  log_level = level;
  if (path && *path) {
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      return -errno;
    log_fd = fd;
  }
  return 0;
}

void hutch_log_set_level(enum hutch_log_level level) {
  log_level = level;
}
void hutch_log_set_prefix(const char *prefix) {
  log_prefix = prefix;
}
bool hutch_log_enabled(enum hutch_log_level level) {
  return level <= log_level;
}
int hutch_log_fd(void) {
  return log_fd;
}

void hutch_log_set_sink(void (*sink)(enum hutch_log_level, const char *, void *), void *ud) {
  log_sink = sink;
  log_sink_ud = ud;
}

static void json_escape(char *dst, size_t dstlen, const char *src) {
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)src; *p && o + 7 < dstlen; p++) {
    if (*p == '"' || *p == '\\') {
      dst[o++] = '\\';
      dst[o++] = (char)*p;
    } else if (*p < 0x20) {
      o += (size_t)snprintf(dst + o, dstlen - o, "\\u%04x", *p);
    } else {
      dst[o++] = (char)*p;
    }
  }
  dst[o] = '\0';
}

/* msg as Go's %q writes it (logrus quotes a value that way): the quotes,
 * \" and \\, \n \r \t, other control bytes as \x.., UTF-8 as is. */
static void go_quote(char *dst, size_t dstlen, const char *src) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  dst[o++] = '"';
  for (const unsigned char *p = (const unsigned char *)src; *p && o + 6 < dstlen; p++) {
    const char *esc = *p == '"'    ? "\\\""
                      : *p == '\\' ? "\\\\"
                      : *p == '\n' ? "\\n"
                      : *p == '\r' ? "\\r"
                      : *p == '\t' ? "\\t"
                                   : NULL;
    if (esc) {
      dst[o++] = esc[0];
      dst[o++] = esc[1];
    } else if (*p < 0x20 || *p == 0x7f) {
      dst[o++] = '\\';
      dst[o++] = 'x';
      dst[o++] = hex[*p >> 4];
      dst[o++] = hex[*p & 15];
    } else {
      dst[o++] = (char)*p;
    }
  }
  dst[o++] = '"';
  dst[o] = '\0';
}

void hutch_time_rfc3339(char buf[static HUTCH_RFC3339_MAX]) {
  struct timespec now;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  size_t n = strftime(buf, HUTCH_RFC3339_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, HUTCH_RFC3339_MAX - n, ".%09ldZ", now.tv_nsec);
}

void hutch_log_write(enum hutch_log_level level, const char *msg) {
  if (!hutch_log_enabled(level))
    return;
  if (log_sink) {
    log_sink(level, msg, log_sink_ud);
    return;
  }
  int saved = errno;
  char line[8192];
  int n;
  if (log_format == HUTCH_LOG_JSON || log_format == HUTCH_LOG_LOGRUS) {
    char esc[6144];
    char ts[HUTCH_RFC3339_MAX];
    hutch_time_rfc3339(ts);
    if (log_format == HUTCH_LOG_JSON) {
      json_escape(esc, sizeof(esc), msg);
      n = snprintf(line, sizeof(line), "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
                   level_name[level], esc, ts);
    } else {
      go_quote(esc, sizeof(esc), msg);
      n = snprintf(line, sizeof(line), "time=\"%s\" level=%s msg=%s\n", ts, level_name[level], esc);
    }
  } else if (log_fd == 2 && level == HUTCH_LOG_ERROR) {
    n = snprintf(line, sizeof(line), "%s: %s\n", log_prefix, msg);
  } else if (level == HUTCH_LOG_DEBUG) {
    /* Milliseconds since start: --debug shows where the time goes. */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ms =
        (double)(now.tv_sec - log_t0.tv_sec) * 1e3 + (double)(now.tv_nsec - log_t0.tv_nsec) / 1e6;
    n = snprintf(line, sizeof(line), "%s: debug: [%8.3f ms] %s\n", log_prefix, ms, msg);
  } else {
    n = snprintf(line, sizeof(line), "%s: %s: %s\n", log_prefix, level_name[level], msg);
  }
  if (n > 0) {
    if ((size_t)n >= sizeof(line))
      n = sizeof(line) - 1;
    ssize_t w = write(log_fd, line, (size_t)n);
    (void)w;
  }
  errno = saved;
}

void hutch_log(enum hutch_log_level level, const char *fmt, ...) {
  if (!hutch_log_enabled(level))
    return;
  int saved = errno;
  char msg[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  errno = saved;
  hutch_log_write(level, msg);
  errno = saved;
}
