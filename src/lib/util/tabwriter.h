/* docker's table layout: Go's text/tabwriter (elastic tabstops) as
 * docker's formatter sets it up: minwidth 10, padding 3, spaces. */
#pragma once

#include <stddef.h>

#define HUTCH_TABLE_MINWIDTH 10
#define HUTCH_TABLE_PADDING 3

/* Align the tab-terminated cells of text (lines end with '\n'): a
 * column's width is its widest cell plus padding (at least minwidth),
 * over each block of consecutive lines that have that column. The last
 * cell of a line (after its last tab) is no column. A new string, NULL on
 * ENOMEM. */
char *hutch_tabwriter(const char *text, size_t len, int minwidth, int padding);
