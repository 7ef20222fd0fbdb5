/* Dockerfile here-documents (buildkit's rules, dockerfile 1.4): the
 * markers of RUN, COPY and ADD, and RUN's command made of them. The
 * lines are read by the parser (dockerfile.c). Pure: no I/O. */
#pragma once

#include "dockerfile.h"

#include <stddef.h>

/* p at a word's start: the length of a marker there ("<<EOF", "<<-EOF",
 * "<<'EOF'", "<<\"EOF\""), with h's name, expand and chomp set (h->name
 * is new); 0 when p is not one; -ENOMEM. */
int hutch_heredoc_marker(const char *p, struct hutch_df_heredoc *h);

/* The markers in a shell command line, in order, outside quotes and
 * escapes; appended to *v, *n. 0 or -ENOMEM. */
int hutch_heredoc_scan(const char *s, char escape, struct hutch_df_heredoc **v, size_t *n);

/* RUN's command from its heredocs (see struct hutch_df_instr): args[0]
 * replaced. -EINVAL when a "#!" script's name cannot be a file name. */
int hutch_heredoc_run_command(struct hutch_df_instr *in);

void hutch_heredoc_clear(struct hutch_df_heredoc *h);
