/* docker's --format: {{.A.B}} and {{json .A.B}} over a JSON object; see
 * template.h. Anything else inside {{ }} is refused with a message, not
 * printed wrong. */
#include "template.h"

#include "util/cleanup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  return p;
}

/* Resolve ".A.B" (p..end, trimmed) in obj; *missing when a field is not
 * there. -EINVAL when the path is malformed. */
static int resolve(const char *p, const char *end, const json_t *obj, const json_t **out,
                   bool *missing) {
  if (p >= end || *p != '.')
    return -EINVAL;
  const json_t *cur = obj;
  *missing = false;
  p++;
  while (p < end) {
    const char *q = p;
    while (q < end && *q != '.')
      q++;
    if (q == p)
      return -EINVAL;
    for (const char *c = p; c < q; c++)
      if (!(*c == '_' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
            (*c >= 'A' && *c <= 'Z')))
        return -EINVAL;
    _cleanup_free_ char *key = strndup(p, (size_t)(q - p));
    if (!key)
      return -ENOMEM;
    cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
    if (!cur) {
      *missing = true;
      /* keep checking the syntax of the rest */
    }
    p = q < end ? q + 1 : q;
    if (q < end && p == end)
      return -EINVAL;
  }
  *out = cur;
  return 0;
}

/* One action (the text between {{ and }}), printed to out (NULL: only check). */
static int action(FILE *out, const char *p, const char *end, const json_t *obj, const char *tmpl,
                  struct hutch_error **err) {
  p = skip_ws(p, end);
  while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  bool as_json = false;
  if (end - p > 5 && strncmp(p, "json", 4) == 0 && (p[4] == ' ' || p[4] == '\t')) {
    as_json = true;
    p = skip_ws(p + 4, end);
  }
  const json_t *v = NULL;
  bool missing = false;
  int r = resolve(p, end, obj, &v, &missing);
  if (r < 0)
    return hutch_error_set(
        err, r == -ENOMEM ? ENOMEM : EINVAL,
        "template %s: \"%.*s\": only {{.Field.Path}} and {{json .Field.Path}} are supported", tmpl,
        (int)(end - p), p);
  if (!out)
    return 0;
  if (missing) {
    fputs(as_json ? "null" : "<no value>", out);
    return 0;
  }
  if (json_is_string(v) && !as_json) {
    fputs(json_string_value(v), out);
    return 0;
  }
  if (json_is_null(v) && !as_json) {
    fputs("<nil>", out);
    return 0;
  }
  _cleanup_free_ char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
  if (!t)
    return hutch_error_set(err, ENOMEM, "template");
  fputs(t, out);
  return 0;
}

static int run(FILE *out, const char *tmpl, const json_t *obj, struct hutch_error **err) {
  const char *p = tmpl;
  for (;;) {
    const char *open = strstr(p, "{{");
    if (!open) {
      if (out)
        fputs(p, out);
      return 0;
    }
    if (out)
      fwrite(p, 1, (size_t)(open - p), out);
    const char *close = strstr(open + 2, "}}");
    if (!close)
      return hutch_error_set(err, EINVAL, "template %s: unclosed action", tmpl);
    if (action(out, open + 2, close, obj, tmpl, err) < 0)
      return -1;
    p = close + 2;
  }
}

int hutch_template_check(const char *tmpl, struct hutch_error **err) {
  return run(NULL, tmpl, NULL, err);
}

int hutch_template_print(FILE *out, const char *tmpl, const json_t *obj, struct hutch_error **err) {
  if (run(out, tmpl, obj, err) < 0)
    return -1;
  fputc('\n', out);
  return 0;
}

int hutch_template_print_all(FILE *out, const char *tmpl, const json_t *arr,
                             struct hutch_error **err) {
  if (tmpl) {
    size_t i;
    const json_t *o;
    json_array_foreach(arr, i, o) {
      if (hutch_template_print(out, tmpl, o, err) < 0)
        return -1;
    }
    return 0;
  }
  char *t = json_dumps(arr, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
  fprintf(out, "%s\n", t ? t : "[]");
  free(t);
  return 0;
}
