/* Go's text/tabwriter algorithm (see tabwriter.h): cells are cut at tabs,
 * lines at newlines; format() finds, for the column it is at, the block
 * of lines that have it, sizes it, and recurses into the next column
 * within that block, so a line with fewer cells ends the block. */
#include "tabwriter.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cell {
  const char *s;
  size_t len;
  int width; /* in characters (UTF-8 sequences) */
};

struct line {
  struct cell *cells;
  size_t n;
};

struct tw {
  struct line *lines;
  size_t nlines;
  int minwidth, padding;
  int *widths;
  FILE *out;
};

static int utf8_width(const char *s, size_t n) {
  int w = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xc0) != 0x80)
      w++;
  return w;
}

static void write_lines(struct tw *t, size_t ncols, size_t line0, size_t line1) {
  for (size_t i = line0; i < line1; i++) {
    const struct line *l = &t->lines[i];
    for (size_t j = 0; j < l->n; j++) {
      const struct cell *c = &l->cells[j];
      fwrite(c->s, 1, c->len, t->out);
      if (j < ncols)
        fprintf(t->out, "%*s", t->widths[j] - c->width, "");
    }
    if (i + 1 < t->nlines)
      fputc('\n', t->out);
  }
}

static void format(struct tw *t, size_t ncols, size_t line0, size_t line1) {
  size_t column = ncols;
  for (size_t this = line0; this < line1; this ++) {
    /* the last cell of a line is no column */
    if (column + 1 >= t->lines[this].n)
      continue;
    write_lines(t, ncols, line0, this);
    line0 = this;
    int width = t->minwidth;
    for (; this < line1; this ++) {
      const struct line *l = &t->lines[this];
      if (column + 1 >= l->n)
        break;
      int w = l->cells[column].width + t->padding;
      if (w > width)
        width = w;
    }
    t->widths[ncols] = width;
    format(t, ncols + 1, line0, this);
    line0 = this;
  }
  write_lines(t, ncols, line0, line1);
}

char *hutch_tabwriter(const char *text, size_t len, int minwidth, int padding) {
  struct tw t = {.minwidth = minwidth, .padding = padding};
  size_t maxcells = 0;
  bool ok = true;
  /* split into lines of cells; the text after the last '\n' is a line */
  for (size_t pos = 0; ok;) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - text) : len;
    struct line *lines = realloc(t.lines, (t.nlines + 1) * sizeof(*lines));
    ok = lines != NULL;
    if (!ok)
      break;
    t.lines = lines;
    struct line *l = &t.lines[t.nlines++];
    *l = (struct line){0};
    for (size_t s = pos; ok;) {
      const char *tab = memchr(text + s, '\t', end - s);
      size_t e = tab ? (size_t)(tab - text) : end;
      struct cell *cells = realloc(l->cells, (l->n + 1) * sizeof(*cells));
      ok = cells != NULL;
      if (!ok)
        break;
      l->cells = cells;
      l->cells[l->n++] = (struct cell){text + s, e - s, utf8_width(text + s, e - s)};
      if (!tab)
        break;
      s = e + 1;
    }
    if (l->n > maxcells)
      maxcells = l->n;
    if (!nl)
      break;
    pos = end + 1;
  }
  char *buf = NULL;
  size_t blen = 0;
  if (ok && (t.widths = calloc(maxcells + 1, sizeof(int))) &&
      (t.out = open_memstream(&buf, &blen))) {
    format(&t, 0, 0, t.nlines);
    fclose(t.out);
  }
  for (size_t i = 0; i < t.nlines; i++)
    free(t.lines[i].cells);
  free(t.lines);
  free(t.widths);
  return buf;
}
