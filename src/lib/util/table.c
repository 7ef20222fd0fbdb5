/* Column alignment as docker's tabwriter does it (see table.h). */
#include "table.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MIN_WIDTH 10
#define PADDING 3

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

/* Width in characters, counting each UTF-8 sequence once. */
static size_t text_width(const char *s) {
  size_t w = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80)
      w++;
  return w;
}

void hutch_table_print(const struct hutch_table *t, FILE *out) {
  size_t *width = calloc(t->ncols, sizeof(size_t));
  if (!width)
    return;
  for (size_t r = 0; r < t->nrows; r++)
    for (size_t c = 0; c + 1 < t->ncols; c++) {
      size_t w = text_width(t->cells[r * t->ncols + c]) + PADDING;
      if (w > width[c])
        width[c] = w;
    }
  for (size_t c = 0; c + 1 < t->ncols; c++)
    if (width[c] < MIN_WIDTH)
      width[c] = MIN_WIDTH;
  for (size_t r = 0; r < t->nrows; r++) {
    for (size_t c = 0; c < t->ncols; c++) {
      const char *cell = t->cells[r * t->ncols + c];
      fputs(cell, out);
      if (c + 1 < t->ncols)
        fprintf(out, "%*s", (int)(width[c] - text_width(cell)), "");
    }
    fputc('\n', out);
  }
  free(width);
}
