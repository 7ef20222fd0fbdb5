/* Unit tests for util/log: the two runc formats hutch-runtime writes
 * (logrus text and JSON lines) read back from a --log file. */
#include "tap.h"

#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"

#include <fcntl.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The lines written to a fresh log file in `format` at debug level. */
static char *log_lines(enum hutch_log_format format, const char *const *msgs) {
  char path[] = "/tmp/hutch-test-log.XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return NULL;
  close(fd);
  if (hutch_log_open(path, format, HUTCH_LOG_DEBUG) < 0)
    return NULL;
  for (const char *const *m = msgs; *m; m++)
    hutch_log_write(HUTCH_LOG_DEBUG, *m);
  hutch_log_write(HUTCH_LOG_ERROR, "the end");
  close(hutch_log_fd());
  char *text = NULL;
  size_t len;
  int dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
  hutch_read_file_at(dfd, path + 5, &text, &len);
  close(dfd);
  unlink(path);
  return text;
}

static bool matches(const char *s, const char *re) {
  regex_t r;
  if (regcomp(&r, re, REG_EXTENDED | REG_NEWLINE) != 0)
    return false;
  bool m = regexec(&r, s, 0, NULL, 0) == 0;
  regfree(&r);
  return m;
}

static void test_logrus_text(void) {
  static const char *const msgs[] = {"mount proc on /proc", "say \"hi\"\n\tto C:\\ \x01 ünï", NULL};
  _cleanup_free_ char *t = log_lines(HUTCH_LOG_LOGRUS, msgs);
  ok(t != NULL, "logrus: log file read back");
  if (t == NULL)
    return;
  ok(matches(t, "^time=\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z\" "
                "level=debug msg=\"mount proc on /proc\"$"),
     "logrus: time=\"RFC3339Nano\" level=debug msg=\"...\"");
  ok(strstr(t, " level=debug msg=\"say \\\"hi\\\"\\n\\tto C:\\\\ \\x01 ünï\"\n") != NULL,
     "logrus: msg quoted as Go's %%q (\\\" \\n \\t \\\\ \\x01, UTF-8 as is)");
  ok(matches(t, "^time=\"[^\"]+\" level=error msg=\"the end\"$"), "logrus: error level");
  int lines = 0;
  for (const char *p = t; *p; p++)
    lines += *p == '\n';
  is_int(lines, 3, "logrus: one line a record, even with a newline in msg");
}

static void test_json(void) {
  static const char *const msgs[] = {"say \"hi\"\n\tthere", NULL};
  _cleanup_free_ char *t = log_lines(HUTCH_LOG_JSON, msgs);
  ok(t != NULL, "json: log file read back");
  if (t == NULL)
    return;
  char *nl = strchr(t, '\n');
  ok(nl != NULL, "json: a line a record");
  if (nl == NULL)
    return;
  *nl = '\0';
  json_error_t je;
  json_t *j = json_loads(t, 0, &je);
  ok(json_is_object(j), "json: the line is a JSON object");
  is_str(json_string_value(json_object_get(j, "level")), "debug", "json: level");
  is_str(json_string_value(json_object_get(j, "msg")), "say \"hi\"\n\tthere",
         "json: msg round-trips");
  const char *time = json_string_value(json_object_get(j, "time"));
  ok(time && matches(time, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{9}Z$"),
     "json: time is RFC3339Nano in UTC");
  json_decref(j);
}

int main(void) {
  test_logrus_text();
  test_json();
  return done_testing();
}
