/* Rows of cells, printed through the tabwriter (see table.h). */
#include "table.h"
#include "tabwriter.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct hutch_table {
  size_t ncols, nrows, cap;
  char **cells; /* nrows * ncols */
};

struct hutch_table *hutch_table_new(size_t ncols) {
  struct hutch_table *t = calloc(1, sizeof(*t));
  if (t)
    t->ncols = ncols ? ncols : 1;
  return t;
}

void hutch_table_free(struct hutch_table *t) {
  if (!t)
    return;
  for (size_t i = 0; i < t->nrows * t->ncols; i++)
    free(t->cells[i]);
  free(t->cells);
  free(t);
}

void hutch_table_freep(struct hutch_table **t) {
  hutch_table_free(*t);
}

int hutch_table_add(struct hutch_table *t, const char *const *cells) {
  if (t->nrows == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 8;
    char **c = realloc(t->cells, cap * t->ncols * sizeof(char *));
    if (!c)
      return -ENOMEM;
    t->cells = c;
    t->cap = cap;
  }
  char **row = t->cells + t->nrows * t->ncols;
  for (size_t i = 0; i < t->ncols; i++) {
    row[i] = strdup(cells[i] ? cells[i] : "");
    if (!row[i]) {
      while (i--)
        free(row[i]);
      return -ENOMEM;
    }
  }
  t->nrows++;
  return 0;
}

int hutch_table_addv(struct hutch_table *t, ...) {
  const char *cells[32];
  size_t n = t->ncols < 32 ? t->ncols : 32;
  va_list ap;
  va_start(ap, t);
  for (size_t i = 0; i < n; i++)
    cells[i] = va_arg(ap, const char *);
  va_end(ap);
  for (size_t i = n; i < t->ncols; i++)
    cells[i] = "";
  return hutch_table_add(t, cells);
}

void hutch_table_print(const struct hutch_table *t, FILE *out) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f)
    return;
  for (size_t r = 0; r < t->nrows; r++)
    for (size_t c = 0; c < t->ncols; c++)
      fprintf(f, "%s%c", t->cells[r * t->ncols + c], c + 1 < t->ncols ? '\t' : '\n');
  fclose(f);
  char *aligned = hutch_tabwriter(text, len, HUTCH_TABLE_MINWIDTH, HUTCH_TABLE_PADDING);
  fputs(aligned ? aligned : text, out);
  free(aligned);
  free(text);
}
