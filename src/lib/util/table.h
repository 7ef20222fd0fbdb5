/* docker's tables: its CLI writes rows through Go's tabwriter with
 * minwidth 10, padding 3, so each column is as wide as its widest cell
 * plus 3 (at least 10), and the last column is not padded. */
#pragma once

#include <stddef.h>
#include <stdio.h>

struct hutch_table;

struct hutch_table *hutch_table_new(size_t ncols);
void hutch_table_free(struct hutch_table *t);
void hutch_table_freep(struct hutch_table **t);
#define _cleanup_table_ __attribute__((cleanup(hutch_table_freep)))
/* Add a row of ncols cells (copied; NULL prints as ""). -ENOMEM. */
int hutch_table_add(struct hutch_table *t, const char *const *cells);
/* hutch_table_add() with the cells as arguments. */
int hutch_table_addv(struct hutch_table *t, ...);
void hutch_table_print(const struct hutch_table *t, FILE *out);
