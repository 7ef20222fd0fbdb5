/* The template's functions (Go's builtins and docker's), and values
 * printed as Go's fmt prints them: %v of a map is map[k:v] with sorted
 * keys, of a float the shortest form that reads back ("1.5", "1e+06"). */
#include "tmpl_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

char *tmpl_vstrf(const char *fmt, va_list ap) {
  char *s = NULL;
  return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

char *tmpl_strf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = tmpl_vstrf(fmt, ap);
  va_end(ap);
  return s;
}

const char *tmpl_type_name(const json_t *v) {
  if (!v || json_is_null(v))
    return "<nil>";
  if (json_is_string(v))
    return "string";
  if (json_is_integer(v))
    return "int";
  if (json_is_real(v))
    return "float64";
  if (json_is_boolean(v))
    return "bool";
  if (json_is_array(v))
    return "[]interface {}";
  return "map[string]interface {}";
}

bool tmpl_truth(const json_t *v) {
  if (!v || json_is_null(v) || json_is_false(v))
    return false;
  if (json_is_string(v))
    return json_string_length(v) > 0;
  if (json_is_integer(v))
    return json_integer_value(v) != 0;
  if (json_is_real(v))
    return json_real_value(v) != 0;
  if (json_is_array(v))
    return json_array_size(v) > 0;
  if (json_is_object(v))
    return json_object_size(v) > 0;
  return true;
}

/* Go's strconv.FormatFloat(d, 'g', -1, 64): the fewest digits that read
 * back as d, with an exponent below 1e-4 and from 1e6 on. */
static void print_float(FILE *f, double d) {
  if (isinf(d)) {
    fputs(d > 0 ? "+Inf" : "-Inf", f);
    return;
  }
  if (isnan(d)) {
    fputs("NaN", f);
    return;
  }
  char buf[64];
  int prec = 1;
  for (; prec < 17; prec++) {
    snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
    if (strtod(buf, NULL) == d)
      break;
  }
  snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
  int exp = atoi(strchr(buf, 'e') + 1);
  if (exp < -4 || exp >= 6) {
    fputs(buf, f);
    return;
  }
  fprintf(f, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, d);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **tmpl_sorted_keys(const json_t *o, size_t *n) {
  *n = json_object_size(o);
  const char **keys = calloc(*n + 1, sizeof(char *));
  if (!keys)
    return NULL;
  size_t i = 0;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)o, k, v) keys[i++] = k;
  qsort(keys, *n, sizeof(char *), cmp_str);
  return keys;
}

void tmpl_print_value(FILE *f, const json_t *v) {
  if (!v || json_is_null(v)) {
    fputs("<nil>", f);
  } else if (json_is_string(v)) {
    fwrite(json_string_value(v), 1, json_string_length(v), f);
  } else if (json_is_integer(v)) {
    fprintf(f, "%lld", (long long)json_integer_value(v));
  } else if (json_is_real(v)) {
    print_float(f, json_real_value(v));
  } else if (json_is_boolean(v)) {
    fputs(json_is_true(v) ? "true" : "false", f);
  } else if (json_is_array(v)) {
    fputc('[', f);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
      if (i)
        fputc(' ', f);
      tmpl_print_value(f, e);
    }
    fputc(']', f);
  } else {
    size_t n;
    const char **keys = tmpl_sorted_keys(v, &n);
    if (!keys)
      return;
    fputs("map[", f);
    for (size_t i = 0; i < n; i++) {
      fprintf(f, "%s%s:", i ? " " : "", keys[i]);
      tmpl_print_value(f, json_object_get(v, keys[i]));
    }
    fputc(']', f);
    free(keys);
  }
}

/* ---- argument checks ---- */

/* The result of a function: -2 for a wrong argument (Go's "wrong type
 * for value"), -1 for an error of the call. */
static int bad_type(char **msg, const char *want, const json_t *got) {
  if (json_is_null(got))
    *msg = tmpl_strf("invalid value; expected %s", want);
  else
    *msg = tmpl_strf("wrong type for value; expected %s; got %s", want, tmpl_type_name(got));
  return -2;
}

static int want_string(const json_t *v, const char **s, char **msg) {
  if (!json_is_string(v))
    return bad_type(msg, "string", v);
  *s = json_string_value(v);
  return 0;
}

static int want_int(const json_t *v, long long *i, char **msg) {
  if (!json_is_integer(v))
    return bad_type(msg, "int", v);
  *i = json_integer_value(v);
  return 0;
}

/* ---- Go's builtins ---- */

static int f_not(json_t *const *a, size_t n, json_t **out, char **msg) {
  (void)n, (void)msg;
  *out = json_boolean(!tmpl_truth(a[0]));
  return 0;
}

static int f_len(json_t *const *a, size_t n, json_t **out, char **msg) {
  (void)n;
  const json_t *v = a[0];
  if (json_is_string(v))
    *out = json_integer((json_int_t)json_string_length(v));
  else if (json_is_array(v))
    *out = json_integer((json_int_t)json_array_size(v));
  else if (json_is_object(v))
    *out = json_integer((json_int_t)json_object_size(v));
  else if (json_is_null(v))
    return *msg = tmpl_strf("len of nil pointer"), -1;
  else
    return *msg = tmpl_strf("len of type %s", tmpl_type_name(v)), -1;
  return 0;
}

static int index_int(const json_t *i, long long len, long long *out, bool cap_ok, char **msg) {
  if (!json_is_integer(i)) {
    *msg = tmpl_strf("cannot index slice/array with type %s", tmpl_type_name(i));
    return -1;
  }
  *out = json_integer_value(i);
  if (*out < 0 || *out > len || (*out == len && !cap_ok)) {
    *msg = tmpl_strf("index out of range: %lld", *out);
    return -1;
  }
  return 0;
}

static int f_index(json_t *const *a, size_t n, json_t **out, char **msg) {
  json_t *v = json_incref(a[0]);
  for (size_t k = 1; k < n; k++) {
    json_t *next = NULL;
    long long i;
    if (json_is_array(v)) {
      if (index_int(a[k], (long long)json_array_size(v), &i, false, msg) < 0)
        goto fail;
      next = json_incref(json_array_get(v, (size_t)i));
    } else if (json_is_string(v)) {
      if (index_int(a[k], (long long)json_string_length(v), &i, false, msg) < 0)
        goto fail;
      next = json_integer((unsigned char)json_string_value(v)[i]);
    } else if (json_is_object(v)) {
      if (!json_is_string(a[k])) {
        *msg = tmpl_strf("value has type %s; should be string", tmpl_type_name(a[k]));
        goto fail;
      }
      next = json_incref(json_object_get(v, json_string_value(a[k])));
      if (!next)
        next = json_null(); /* the zero value of interface{} */
    } else {
      *msg = json_is_null(v) ? tmpl_strf("index of untyped nil")
                             : tmpl_strf("can't index item of type %s", tmpl_type_name(v));
      goto fail;
    }
    json_decref(v);
    v = next;
  }
  *out = v;
  return 0;
fail:
  json_decref(v);
  return -1;
}

static int f_slice(json_t *const *a, size_t n, json_t **out, char **msg) {
  const json_t *v = a[0];
  bool str = json_is_string(v);
  if (!str && !json_is_array(v))
    return *msg = tmpl_strf("can't slice item of type %s", tmpl_type_name(v)), -1;
  long long len = str ? (long long)json_string_length(v) : (long long)json_array_size(v);
  long long idx[2] = {0, len};
  if (n > 3)
    return *msg = tmpl_strf("too many slice indexes: %zu", n - 1), -1;
  for (size_t k = 1; k < n; k++)
    if (index_int(a[k], len, &idx[k - 1], true, msg) < 0)
      return -1;
  if (idx[0] > idx[1])
    return *msg = tmpl_strf("invalid slice index: %lld > %lld", idx[0], idx[1]), -1;
  if (str) {
    *out = json_stringn_nocheck(json_string_value(v) + idx[0], (size_t)(idx[1] - idx[0]));
    return 0;
  }
  *out = json_array();
  for (long long i = idx[0]; i < idx[1]; i++)
    json_array_append(*out, json_array_get(v, (size_t)i));
  return 0;
}

/* eq/ne/lt/…: -1 (a < b), 0, 1, or -2 with *msg when Go cannot compare
 * them. */
static int compare(const json_t *a, const json_t *b, bool ordered, char **msg) {
  if ((json_is_integer(a) && json_is_integer(b))) {
    json_int_t x = json_integer_value(a), y = json_integer_value(b);
    return x < y ? -1 : x > y;
  }
  if (json_is_real(a) && json_is_real(b)) {
    double x = json_real_value(a), y = json_real_value(b);
    return x < y ? -1 : x > y;
  }
  if (json_is_string(a) && json_is_string(b)) {
    int c = strcmp(json_string_value(a), json_string_value(b));
    return c < 0 ? -1 : c > 0;
  }
  if (!ordered && json_is_boolean(a) && json_is_boolean(b))
    return json_is_true(a) == json_is_true(b) ? 0 : 1;
  if (!ordered && json_is_null(a) && json_is_null(b))
    return 0;
  if (ordered && (json_is_boolean(a) || json_is_array(a) || json_is_object(a) || json_is_null(a)))
    *msg = tmpl_strf("invalid type for comparison");
  else if (!ordered && (json_is_array(a) || json_is_object(a)))
    *msg = tmpl_strf("non-comparable type %s", tmpl_type_name(a));
  else
    *msg = tmpl_strf("incompatible types for comparison");
  return -2;
}

static int f_eq(json_t *const *a, size_t n, json_t **out, char **msg) {
  if (n < 2)
    return *msg = tmpl_strf("missing argument for comparison"), -1;
  for (size_t i = 1; i < n; i++) {
    int c = compare(a[0], a[i], false, msg);
    if (c == -2)
      return -1;
    if (c == 0) {
      *out = json_true();
      return 0;
    }
  }
  *out = json_false();
  return 0;
}

static int f_ne(json_t *const *a, size_t n, json_t **out, char **msg) {
  (void)n;
  int c = compare(a[0], a[1], false, msg);
  if (c == -2)
    return -1;
  *out = json_boolean(c != 0);
  return 0;
}

#define ORDERED(name, test)                                                                        \
  static int name(json_t *const *a, size_t n, json_t **out, char **msg) {                          \
    (void)n;                                                                                       \
    int c = compare(a[0], a[1], true, msg);                                                        \
    if (c == -2)                                                                                   \
      return -1;                                                                                   \
    *out = json_boolean(test);                                                                     \
    return 0;                                                                                      \
  }
ORDERED(f_lt, c < 0)
ORDERED(f_le, c <= 0)
ORDERED(f_gt, c > 0)
ORDERED(f_ge, c >= 0)

/* fmt.Sprint: a space between operands when neither is a string;
 * fmt.Sprintln: always, and a newline. */
static int sprint(json_t *const *a, size_t n, json_t **out, bool ln) {
  char *s = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&s, &len);
  if (!m)
    return -1;
  for (size_t i = 0; i < n; i++) {
    if (i && (ln || (!json_is_string(a[i - 1]) && !json_is_string(a[i]))))
      fputc(' ', m);
    tmpl_print_value(m, a[i]);
  }
  if (ln)
    fputc('\n', m);
  fclose(m);
  *out = json_stringn_nocheck(s, len);
  free(s);
  return 0;
}

static int f_print(json_t *const *a, size_t n, json_t **out, char **msg) {
  (void)msg;
  return sprint(a, n, out, false);
}

static int f_println(json_t *const *a, size_t n, json_t **out, char **msg) {
  (void)msg;
  return sprint(a, n, out, true);
}

static int f_printf(json_t *const *a, size_t n, json_t **out, char **msg) {
  const char *fmt;
  if (want_string(a[0], &fmt, msg) < 0)
    return -2;
  char *s = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&s, &len);
  if (!m)
    return -1;
  tmpl_sprintf(fmt, a + 1, n - 1, m);
  fclose(m);
  *out = json_stringn_nocheck(s, len);
  free(s);
  return 0;
}

/* ---- docker's functions (cli/templates) ---- */

static int f_json(json_t *const *a, size_t n, json_t **out, char **msg) {
  (void)n, (void)msg;
  /* Go's encoding/json: sorted map keys, no HTML escaping (docker) */
  char *s = json_dumps(a[0], JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
  if (!s)
    return -1;
  *out = json_string_nocheck(s);
  free(s);
  return 0;
}

static int f_join(json_t *const *a, size_t n, json_t **out, char **msg) {
  (void)n;
  const char *sep;
  if (!json_is_array(a[0]))
    return bad_type(msg, "[]string", a[0]);
  if (want_string(a[1], &sep, msg) < 0)
    return -2;
  size_t i;
  json_t *e;
  json_array_foreach(a[0], i, e) if (!json_is_string(e)) return bad_type(msg, "[]string", a[0]);
  char *s = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&s, &len);
  if (!m)
    return -1;
  json_array_foreach(a[0], i, e) fprintf(m, "%s%s", i ? sep : "", json_string_value(e));
  fclose(m);
  *out = json_stringn_nocheck(s, len);
  free(s);
  return 0;
}

static int f_split(json_t *const *a, size_t n, json_t **out, char **msg) {
  (void)n;
  const char *s, *sep;
  if (want_string(a[0], &s, msg) < 0 || want_string(a[1], &sep, msg) < 0)
    return -2;
  json_t *arr = json_array();
  size_t sl = strlen(sep);
  if (sl == 0) { /* one element per UTF-8 character */
    for (const char *p = s; *p;) {
      const char *q = p + 1;
      while (((unsigned char)*q & 0xc0) == 0x80)
        q++;
      json_array_append_new(arr, json_stringn_nocheck(p, (size_t)(q - p)));
      p = q;
    }
  } else {
    const char *p = s, *hit;
    while ((hit = strstr(p, sep))) {
      json_array_append_new(arr, json_stringn_nocheck(p, (size_t)(hit - p)));
      p = hit + sl;
    }
    json_array_append_new(arr, json_string_nocheck(p));
  }
  *out = arr;
  return 0;
}

/* upper, lower, title: byte-wise over ASCII, as docker uses them. */
static int map_chars(json_t *const *a, json_t **out, char **msg, int mode) {
  const char *s;
  if (want_string(a[0], &s, msg) < 0)
    return -2;
  char *t = strdup(s);
  if (!t)
    return -1;
  bool sep = true;
  for (char *p = t; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (mode == 0)
      *p = (char)toupper(c);
    else if (mode == 1)
      *p = (char)tolower(c);
    else {
      if (sep)
        *p = (char)toupper(c);
      /* strings.Title: words start after anything but letters, digits, _ */
      sep = c < 0x80 && !isalnum(c) && c != '_';
    }
  }
  *out = json_string_nocheck(t);
  free(t);
  return 0;
}

static int f_upper(json_t *const *a, size_t n, json_t **out, char **msg) {
  (void)n;
  return map_chars(a, out, msg, 0);
}

static int f_lower(json_t *const *a, size_t n, json_t **out, char **msg) {
  (void)n;
  return map_chars(a, out, msg, 1);
}

static int f_title(json_t *const *a, size_t n, json_t **out, char **msg) {
  (void)n;
  return map_chars(a, out, msg, 2);
}

static int f_pad(json_t *const *a, size_t n, json_t **out, char **msg) {
  (void)n;
  const char *s;
  long long pre, post;
  if (want_string(a[0], &s, msg) < 0 || want_int(a[1], &pre, msg) < 0 ||
      want_int(a[2], &post, msg) < 0)
    return -2;
  if (!*s) { /* docker pads only what is not empty */
    *out = json_string("");
    return 0;
  }
  if (pre < 0 || post < 0)
    return *msg = tmpl_strf("negative Repeat count"), -1;
  char *t = tmpl_strf("%*s%s%*s", (int)pre, "", s, (int)post, "");
  if (!t)
    return -1;
  *out = json_string_nocheck(t);
  free(t);
  return 0;
}

static int f_truncate(json_t *const *a, size_t n, json_t **out, char **msg) {
  (void)n;
  const char *s;
  long long len;
  if (want_string(a[0], &s, msg) < 0 || want_int(a[1], &len, msg) < 0)
    return -2;
  if (len < 0)
    return *msg = tmpl_strf("slice bounds out of range"), -1;
  size_t sl = strlen(s);
  *out = json_stringn_nocheck(s, (size_t)len < sl ? (size_t)len : sl);
  return 0;
}

static const struct tfunc funcs[] = {
    {"and", 1, -1, NULL, false},
    {"or", 1, -1, NULL, false},
    {"not", 1, 1, f_not, false},
    {"eq", 1, -1, f_eq, false},
    {"ne", 2, 2, f_ne, false},
    {"lt", 2, 2, f_lt, false},
    {"le", 2, 2, f_le, false},
    {"gt", 2, 2, f_gt, false},
    {"ge", 2, 2, f_ge, false},
    {"index", 1, -1, f_index, false},
    {"slice", 1, -1, f_slice, false},
    {"len", 1, 1, f_len, false},
    {"print", 0, -1, f_print, false},
    {"println", 0, -1, f_println, false},
    {"printf", 1, -1, f_printf, false},
    {"json", 1, 1, f_json, true},
    {"join", 2, 2, f_join, true},
    {"split", 2, 2, f_split, true},
    {"upper", 1, 1, f_upper, true},
    {"lower", 1, 1, f_lower, true},
    {"title", 1, 1, f_title, true},
    {"pad", 3, 3, f_pad, false},
    {"truncate", 2, 2, f_truncate, true},
};

const struct tfunc *tmpl_func(const char *name) {
  for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
    if (strcmp(funcs[i].name, name) == 0)
      return &funcs[i];
  return NULL;
}
