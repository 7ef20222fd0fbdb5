/* docker's formatter (see format.h): the format string made into a
 * template, rows rendered into a buffer, a table's header row rendered
 * from the same template over the column names, all aligned by the
 * tabwriter at the end. And inspect's loop over its arguments. */
#include "format.h"

#include "commands.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/tabwriter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* docker's preFormat: drop "table", trim spaces, read \t and \n. */
static char *pre_format(const char *format, bool *table) {
  *table = strncmp(format, "table", 5) == 0;
  if (*table)
    format += 5;
  else if (strcmp(format, "json") == 0)
    format = "{{json .}}";
  while (*format == ' ')
    format++;
  char *s = strdup(format);
  if (!s)
    return NULL;
  size_t n = strlen(s);
  while (n && s[n - 1] == ' ')
    s[--n] = '\0';
  char *w = s;
  for (const char *r = s; *r; r++) {
    if (r[0] == '\\' && (r[1] == 't' || r[1] == 'n')) {
      *w++ = r[1] == 't' ? '\t' : '\n';
      r++;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
  return s;
}

int cli_template_parse(const char *format, struct hutch_template **t, struct hutch_error **err) {
  bool table;
  _cleanup_free_ char *text = pre_format(format, &table);
  if (!text)
    return hutch_error_set(err, ENOMEM, "format");
  if (hutch_template_parse(text, t, err) < 0)
    return hutch_error_wrap(err, "template parsing error");
  return 0;
}

int cli_format_open(struct cli_format *f, const char *format, const char *default_table,
                    const char *quiet_format, const json_t *header, struct hutch_error **err) {
  *f = (struct cli_format){.header = header};
  if (!format || !*format || strcmp(format, "table") == 0)
    format = quiet_format ? quiet_format : default_table;
  f->table = strncmp(format, "table", 5) == 0;
  if (cli_template_parse(format, &f->t, err) < 0)
    return -1;
  f->rows = open_memstream(&f->buf, &f->len);
  if (!f->rows) {
    cli_format_free(f);
    return hutch_error_set(err, errno, "format");
  }
  return 0;
}

int cli_format_row(struct cli_format *f, const json_t *row, struct hutch_error **err) {
  if (hutch_template_exec(f->t, f->rows, row, false, err) < 0)
    return hutch_error_wrap(err, "template parsing error");
  fputc('\n', f->rows);
  return 0;
}

int cli_format_flush(struct cli_format *f, FILE *out, struct hutch_error **err) {
  fclose(f->rows);
  f->rows = NULL;
  int r = 0;
  if (!f->table) {
    fwrite(f->buf, 1, f->len, out);
  } else {
    char *all = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&all, &len);
    if (!m) {
      cli_format_free(f);
      return hutch_error_set(err, errno, "format");
    }
    r = hutch_template_exec(f->t, m, f->header, true, err);
    fputc('\n', m);
    fwrite(f->buf, 1, f->len, m);
    fclose(m);
    _cleanup_free_ char *aligned =
        r < 0 ? NULL : hutch_tabwriter(all, len, HUTCH_TABLE_MINWIDTH, HUTCH_TABLE_PADDING);
    if (r < 0)
      hutch_error_wrap(err, "template parsing error");
    else if (!aligned)
      r = hutch_error_set(err, ENOMEM, "format");
    else
      fputs(aligned, out);
    free(all);
  }
  cli_format_free(f);
  return r;
}

void cli_format_free(struct cli_format *f) {
  if (f->rows)
    fclose(f->rows);
  f->rows = NULL;
  free(f->buf);
  f->buf = NULL;
  hutch_template_free(f->t);
  f->t = NULL;
}

/* The objects as one indented JSON array, or each through t; nothing of
 * them when the template fails on one. */
static int print_objects(const json_t *arr, const struct hutch_template *t) {
  struct hutch_error *err = NULL;
  if (!t) {
    _cleanup_free_ char *text = json_dumps(arr, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    printf("%s\n", text ? text : "[]");
    return 0;
  }
  _cleanup_free_ char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  if (!m)
    return HUTCH_EXIT_ERROR;
  size_t i;
  json_t *o;
  int r = 0;
  json_array_foreach(arr, i, o) {
    if ((r = hutch_template_exec(t, m, o, false, &err)) < 0)
      break;
    fputc('\n', m);
  }
  fclose(m);
  if (r < 0) {
    hutch_error_wrap(&err, "template parsing error");
    hutch_error_print(stderr, "hutch", err);
    hutch_error_free(err);
    return HUTCH_EXIT_ERROR;
  }
  fwrite(buf, 1, len, stdout);
  return 0;
}

int cli_inspect_print(char **names, int n, const char *format, cli_inspect_fn fn, void *ud) {
  struct hutch_error *err = NULL;
  _cleanup_template_ struct hutch_template *t = NULL;
  if (format) {
    bool table;
    _cleanup_free_ char *text = pre_format(format, &table);
    if (!text || hutch_template_parse(text, &t, &err) < 0) {
      hutch_error_wrap(&err, "template parsing error");
      hutch_error_print(stderr, "hutch", err);
      hutch_error_free(err);
      return HUTCH_EXIT_ERROR;
    }
  }
  _cleanup_json_ json_t *arr = json_array();
  char *errs = NULL;
  size_t errlen = 0;
  FILE *m = open_memstream(&errs, &errlen);
  if (!m)
    return HUTCH_EXIT_ERROR;
  for (int i = 0; i < n; i++) {
    json_t *j = fn(ud, names[i], &err);
    if (!j) {
      hutch_error_print(m, "hutch", err);
      hutch_error_free(err);
      err = NULL;
      continue;
    }
    json_array_append_new(arr, j);
  }
  fclose(m);
  int ret = print_objects(arr, t);
  /* docker prints what it found, then what it did not */
  fflush(stdout);
  fputs(errs ? errs : "", stderr);
  if (ret == 0 && errlen)
    ret = 1;
  free(errs);
  return ret;
}
