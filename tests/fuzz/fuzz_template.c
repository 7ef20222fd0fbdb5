/* libFuzzer target for --format templates (src/hutch/tmpl_*.c): any text
 * parses or is refused with a message, and what parses runs over a small
 * docker-shaped object without crashing (ranges over integers are left
 * out of the run: they may be as long as the number says, as in Go). */
#include "fuzz.h"

#include "template.h"

#include "util/cleanup.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  _cleanup_free_ char *s = fuzz_strndup(data, size);
  if (s == NULL)
    return 0;
  struct hutch_template *t = NULL;
  struct hutch_error *err = NULL;
  if (hutch_template_parse(s, &t, &err) < 0) {
    if (!err || !err->msg || strncmp(err->msg, "template: ", 10) != 0)
      abort();
    hutch_error_free(err);
    return 0;
  }
  if (!strstr(s, "range")) {
    json_t *obj = json_pack("{s:s, s:i, s:f, s:b, s:n, s:[s,s], s:{s:s}}", "Name", "web", "N", 3,
                            "F", 1.5, "T", 1, "Nil", "Args", "a", "b", "Labels", "k", "v");
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull && hutch_template_exec(t, devnull, obj, false, &err) < 0) {
      if (!err || strncmp(err->msg, "template: ", 10) != 0)
        abort();
      hutch_error_free(err);
    }
    if (devnull)
      fclose(devnull);
    json_decref(obj);
  }
  hutch_template_free(t);
  return 0;
}
