/* The template's printf: Go's fmt verbs over json values. %v %s %d %q %t
 * %x %X %o %c %e %f %g %T %%, flags "-+# 0", width and precision (up to
 * Go's 1e6, else %!(BADWIDTH)); a verb
 * that does not fit its operand prints as Go's does ("%!d(string=x)"),
 * so do missing ("%!s(MISSING)") and extra operands. */
#include "tmpl_int.h"

#include <stdlib.h>
#include <string.h>

struct spec {
  bool minus, plus, sharp, zero, space;
  bool bad_width, bad_prec; /* above Go's bound of 1e6 */
  int width, prec;          /* -1: not given */
  char verb;
};

/* Go's strconv.Quote. */
static void quote(FILE *f, const char *s, size_t n) {
  fputc('"', f);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = strchr("\a\b\f\n\r\t\v", c);
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c && esc)
      fprintf(f, "\\%c", "abfnrtv"[esc - "\a\b\f\n\r\t\v"]);
    else if (c < 0x20 || c == 0x7f)
      fprintf(f, "\\x%02x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

/* Write s padded to the width: spaces, or zeros after the sign for
 * numbers with the 0 flag. */
static void pad(FILE *f, const struct spec *sp, const char *s, size_t n, bool numeric) {
  int fill = sp->width > (int)n ? sp->width - (int)n : 0;
  if (sp->minus) {
    fwrite(s, 1, n, f);
    fprintf(f, "%*s", fill, "");
    return;
  }
  if (sp->zero && numeric) {
    if (n && (*s == '-' || *s == '+' || *s == ' ')) {
      fputc(*s++, f);
      n--;
    }
    for (int i = 0; i < fill; i++)
      fputc('0', f);
  } else {
    fprintf(f, "%*s", fill, "");
  }
  fwrite(s, 1, n, f);
}

/* "%!v(type=value)" */
static void bad_verb(FILE *f, char verb, const json_t *v) {
  if (json_is_null(v)) {
    fprintf(f, "%%!%c(<nil>)", verb);
    return;
  }
  fprintf(f, "%%!%c(%s=", verb, tmpl_type_name(v));
  tmpl_print_value(f, v);
  fputc(')', f);
}

/* A C printf conversion for an integer or a float with the spec's flags. */
static void c_number(FILE *f, const struct spec *sp, char conv, bool is_float, const json_t *v) {
  char fmt[32], *p = fmt;
  *p++ = '%';
  if (sp->plus)
    *p++ = '+';
  if (sp->space)
    *p++ = ' ';
  if (sp->sharp)
    *p++ = '#';
  if (sp->prec >= 0)
    p += sprintf(p, ".%d", sp->prec);
  if (!is_float)
    *p++ = 'l', *p++ = 'l';
  *p++ = conv;
  *p = '\0';
  char *buf = NULL;
  int n = is_float ? asprintf(&buf, fmt, json_number_value(v))
                   : asprintf(&buf, fmt, (long long)json_integer_value(v));
  if (n >= 0)
    pad(f, sp, buf, (size_t)n, true);
  free(buf);
}

/* %v and %s: the value as print prints it; %s keeps strings, and Go
 * applies the verb to the elements of arrays and maps. */
static bool stringish(const json_t *v) {
  if (json_is_string(v))
    return true;
  if (json_is_array(v)) {
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) if (!stringish(e)) return false;
    return true;
  }
  return false;
}

static void one_value(FILE *f, const struct spec *sp, const json_t *v) {
  char *s = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&s, &n);
  if (!m)
    return;
  char verb = sp->verb;
  bool numeric = json_is_number(v);
  switch (verb) {
  case 'v':
    if (json_is_real(v) && sp->prec >= 0) {
      fclose(m), free(s);
      c_number(f, sp, 'g', true, v);
      return;
    }
    tmpl_print_value(m, v);
    break;
  case 's':
    if (stringish(v))
      tmpl_print_value(m, v);
    else
      bad_verb(m, verb, v), numeric = false;
    break;
  case 'q':
    if (json_is_string(v)) {
      quote(m, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
      fprintf(m, "'%c'", (char)json_integer_value(v));
    } else {
      bad_verb(m, verb, v);
    }
    numeric = false;
    break;
  case 't':
    if (json_is_boolean(v))
      fputs(json_is_true(v) ? "true" : "false", m);
    else
      bad_verb(m, verb, v);
    break;
  case 'x':
  case 'X':
    if (json_is_string(v)) {
      for (size_t i = 0; i < json_string_length(v); i++)
        fprintf(m, verb == 'x' ? "%02x" : "%02X", (unsigned char)json_string_value(v)[i]);
      break;
    }
    /* fall through */
  case 'd':
  case 'o':
  case 'c':
    if (!json_is_integer(v)) {
      bad_verb(m, verb, v);
      numeric = false;
      break;
    }
    fclose(m), free(s);
    if (verb == 'c') {
      char c = (char)json_integer_value(v);
      pad(f, sp, &c, 1, false);
    } else {
      c_number(f, sp, verb == 'd' ? 'd' : verb, false, v);
    }
    return;
  case 'e':
  case 'E':
  case 'f':
  case 'F':
  case 'g':
  case 'G':
    if (!json_is_real(v)) {
      bad_verb(m, verb, v);
      numeric = false;
      break;
    }
    fclose(m), free(s);
    if ((verb == 'g' || verb == 'G') && sp->prec < 0) {
      /* Go's %g is the shortest form, not C's six digits */
      char *t = NULL;
      size_t tn = 0;
      FILE *tm = open_memstream(&t, &tn);
      tmpl_print_value(tm, v);
      fclose(tm);
      pad(f, sp, t, tn, true);
      free(t);
    } else {
      c_number(f, sp, verb == 'F' ? 'f' : verb, true, v);
    }
    return;
  case 'T':
    fputs(tmpl_type_name(v), m);
    numeric = false;
    break;
  default:
    bad_verb(m, verb, v);
    numeric = false;
  }
  fclose(m);
  size_t len = n;
  if (sp->prec >= 0 && (verb == 's' || verb == 'v') && !numeric && (size_t)sp->prec < len)
    len = (size_t)sp->prec;
  pad(f, sp, s ? s : "", len, numeric);
  free(s);
}

static const char *parse_spec(const char *p, struct spec *sp) {
  *sp = (struct spec){.width = -1, .prec = -1};
  for (;; p++) {
    if (*p == '-')
      sp->minus = true;
    else if (*p == '+')
      sp->plus = true;
    else if (*p == '#')
      sp->sharp = true;
    else if (*p == '0')
      sp->zero = true;
    else if (*p == ' ')
      sp->space = true;
    else
      break;
  }
  if (*p >= '0' && *p <= '9') {
    long w = strtol(p, (char **)&p, 10);
    sp->bad_width = w > 1000000;
    sp->width = sp->bad_width ? -1 : (int)w;
  }
  if (*p == '.') {
    p++;
    long pr = (*p >= '0' && *p <= '9') ? strtol(p, (char **)&p, 10) : 0;
    sp->bad_prec = pr > 1000000;
    sp->prec = sp->bad_prec ? -1 : (int)pr;
  }
  sp->verb = *p;
  return *p ? p + 1 : p;
}

int tmpl_sprintf(const char *fmt, json_t *const *a, size_t n, FILE *out) {
  size_t used = 0;
  for (const char *p = fmt; *p;) {
    if (*p != '%') {
      fputc(*p++, out);
      continue;
    }
    struct spec sp;
    p = parse_spec(p + 1, &sp);
    if (sp.bad_width)
      fputs("%!(BADWIDTH)", out);
    if (sp.bad_prec)
      fputs("%!(BADPREC)", out);
    if (sp.verb == '%') {
      fputc('%', out);
    } else if (sp.verb == '\0') {
      fputs("%!(NOVERB)", out);
    } else if (used >= n) {
      fprintf(out, "%%!%c(MISSING)", sp.verb);
    } else {
      one_value(out, &sp, a[used++]);
    }
  }
  if (used < n) {
    fputs("%!(EXTRA ", out);
    for (size_t i = used; i < n; i++) {
      fprintf(out, "%s%s=", i > used ? ", " : "", tmpl_type_name(a[i]));
      tmpl_print_value(out, a[i]);
    }
    fputc(')', out);
  }
  return 0;
}
