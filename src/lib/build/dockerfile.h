/* The Dockerfile parser: text in, a list of instructions out, as docker's
 * parser (buildkit frontend/dockerfile/parser) reads it: parser
 * directives (`# syntax=`, `# escape=`) at the top, comments, line
 * continuations with the escape character, instruction names in any case,
 * `--flag=value` options, JSON (exec) form or shell form. Nothing is
 * expanded here: variables depend on the build's ARG/ENV state, which
 * the builder applies with hutch_shlex_expand() (shlex.h). Pure: no I/O.
 *
 * Errors name the file and line: "Dockerfile:3: unknown instruction: FOO". */
#pragma once

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

enum hutch_df_kind {
  HUTCH_DF_ADD,
  HUTCH_DF_ARG,
  HUTCH_DF_CMD,
  HUTCH_DF_COPY,
  HUTCH_DF_ENTRYPOINT,
  HUTCH_DF_ENV,
  HUTCH_DF_EXPOSE,
  HUTCH_DF_FROM,
  HUTCH_DF_HEALTHCHECK,
  HUTCH_DF_LABEL,
  HUTCH_DF_MAINTAINER,
  HUTCH_DF_ONBUILD,
  HUTCH_DF_RUN,
  HUTCH_DF_SHELL,
  HUTCH_DF_STOPSIGNAL,
  HUTCH_DF_USER,
  HUTCH_DF_VOLUME,
  HUTCH_DF_WORKDIR,
};

struct hutch_df_flag {
  char *name;  /* "from", "chown", "platform" (without "--") */
  char *value; /* NULL for a bare --flag */
};

/* A here-document of RUN, COPY or ADD (`<<EOF`, `<<-EOF`, `<<'EOF'`):
 * the lines after the instruction up to the delimiter. */
struct hutch_df_heredoc {
  char *name;    /* the delimiter, quotes removed */
  char *content; /* the lines before the delimiter, each with its "\n", as written */
  bool expand;   /* unquoted delimiter: COPY/ADD expand variables in the content */
  bool chomp;    /* <<-: leading tabs go from each line (and the delimiter's) */
};

struct hutch_df_instr {
  enum hutch_df_kind kind;
  int line;       /* where it starts, from 1 */
  char *original; /* "RUN echo hi", continuations joined: history and cache key */
  char *rest;     /* the text after the name and flags */
  struct hutch_df_flag *flags;
  size_t n_flags;
  bool json; /* exec form: args is the JSON array */
  /* The arguments, by kind:
   *  RUN CMD ENTRYPOINT SHELL: json ? the array : one string (the command)
   *  ENV LABEL: key, value, key, value… (raw: quotes kept, unexpanded)
   *  ARG: NAME or NAME=VALUE words (raw)
   *  COPY ADD: sources…, destination (raw; json: the array)
   *  FROM: image [AS name]; EXPOSE VOLUME: the words (raw)
   *  HEALTHCHECK: NONE, or "CMD" then the command as RUN's
   *  ONBUILD: the trigger instruction's text
   *  others: the words
   * With heredocs, RUN's command is the lone heredoc's content (`RUN
   * <<EOF`), "/dev/pipes/NAME" when that content starts with "#!" (the
   * builder mounts it there, as buildkit does), else the command line
   * with each heredoc after it for the shell to read; COPY/ADD's
   * sources leave the heredocs out. */
  char **args;
  struct hutch_df_heredoc *heredocs;
  size_t n_heredocs;
  bool pipe_file; /* RUN: run heredocs[0] as the file /dev/pipes/NAME */
  char *body;     /* the heredocs' lines as written (delimiters too): the cache key's */
};

struct hutch_dockerfile {
  struct hutch_df_instr *v;
  size_t n;
  char escape;  /* '\\' or '`' */
  char *syntax; /* the # syntax= directive, NULL when none */
};

/* name: how errors call the file ("Dockerfile"). */
int hutch_dockerfile_parse(const char *text, const char *name, struct hutch_dockerfile **out,
                           struct hutch_error **err);
void hutch_dockerfile_free(struct hutch_dockerfile *df);
void hutch_dockerfile_freep(struct hutch_dockerfile **df);
#define _cleanup_dockerfile_ __attribute__((cleanup(hutch_dockerfile_freep)))

/* "RUN", "COPY"… as docker writes them. */
const char *hutch_df_kind_name(enum hutch_df_kind k);
/* The value of --name, NULL when not given (a bare flag gives ""). */
const char *hutch_df_flag(const struct hutch_df_instr *in, const char *name);
/* One instruction line (an ONBUILD trigger) parsed alone. */
int hutch_df_parse_line(const char *text, char escape, int line, const char *name,
                        struct hutch_df_instr *out, struct hutch_error **err);
void hutch_df_instr_clear(struct hutch_df_instr *in);

/* A heredoc's text as a file or script gets it: <<- leading tabs removed. */
char *hutch_df_heredoc_text(const struct hutch_df_heredoc *h);
