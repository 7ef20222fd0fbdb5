/* Dockerfile here-documents; see heredoc.h. */
#include "heredoc.h"

#include "util/cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What ends an unquoted delimiter: white space and the shell's operators. */
static bool name_char(char c) {
  return c && !isspace((unsigned char)c) && !strchr("|;&<>()'\"", c);
}

int hutch_heredoc_marker(const char *p, struct hutch_df_heredoc *h) {
  if (p[0] != '<' || p[1] != '<' || p[2] == '<')
    return 0; /* "<<<" is a here-string */
  const char *q = p + 2;
  bool chomp = *q == '-';
  if (chomp)
    q++;
  const char *s = q, *e = q;
  bool quoted = *q == '\'' || *q == '"';
  if (quoted) {
    s = q + 1;
    e = strchr(s, *q);
    if (!e)
      return 0;
  } else {
    while (name_char(*e))
      e++;
  }
  if (e == s)
    return 0;
  char *name = strndup(s, (size_t)(e - s));
  if (!name)
    return -ENOMEM;
  *h = (struct hutch_df_heredoc){.name = name, .expand = !quoted, .chomp = chomp};
  return (int)(e - p) + (quoted ? 1 : 0);
}

static int push(struct hutch_df_heredoc **v, size_t *n, const struct hutch_df_heredoc *h) {
  struct hutch_df_heredoc *nv = realloc(*v, (*n + 1) * sizeof(*nv));
  if (!nv)
    return -ENOMEM;
  nv[(*n)++] = *h;
  *v = nv;
  return 0;
}

int hutch_heredoc_scan(const char *s, char escape, struct hutch_df_heredoc **v, size_t *n) {
  char quote = 0;
  for (const char *p = s; *p; p++) {
    if (quote) {
      if (quote == '"' && *p == escape && p[1])
        p++;
      else if (*p == quote)
        quote = 0;
      continue;
    }
    if (*p == escape && p[1]) {
      p++;
    } else if (*p == '\'' || *p == '"') {
      quote = *p;
    } else if (*p == '<' && (p == s || isspace((unsigned char)p[-1]))) {
      struct hutch_df_heredoc h;
      int len = hutch_heredoc_marker(p, &h);
      if (len < 0 || (len > 0 && push(v, n, &h) < 0)) {
        if (len > 0)
          free(h.name);
        return -ENOMEM;
      }
      if (len > 0)
        p += len - 1;
    }
  }
  return 0;
}

char *hutch_df_heredoc_text(const struct hutch_df_heredoc *h) {
  const char *c = h->content ? h->content : "";
  char *out = malloc(strlen(c) + 1), *o = out;
  if (!out)
    return NULL;
  for (bool bol = true; *c; c++) {
    if (h->chomp && bol && *c == '\t')
      continue; /* every leading tab */
    *o++ = *c;
    bol = *c == '\n';
  }
  *o = '\0';
  return out;
}

/* The command line with each heredoc after it, for the shell to read. */
static char *for_the_shell(const struct hutch_df_instr *in) {
  size_t len = strlen(in->args[0]) + 1;
  for (size_t i = 0; i < in->n_heredocs; i++)
    len += 1 + strlen(in->heredocs[i].content) + strlen(in->heredocs[i].name);
  char *full = malloc(len), *o = full;
  if (!full)
    return NULL;
  o = stpcpy(o, in->args[0]);
  for (size_t i = 0; i < in->n_heredocs; i++) {
    *o++ = '\n';
    o = stpcpy(stpcpy(o, in->heredocs[i].content), in->heredocs[i].name);
  }
  return full;
}

int hutch_heredoc_run_command(struct hutch_df_instr *in) {
  struct hutch_df_heredoc h;
  int len = in->n_heredocs == 1 ? hutch_heredoc_marker(in->args[0], &h) : 0;
  if (len < 0)
    return len;
  if (len > 0)
    free(h.name);
  char *cmd;
  if (len > 0 && (size_t)len == strlen(in->args[0])) { /* RUN <<EOF: the content is the script */
    cmd = hutch_df_heredoc_text(&in->heredocs[0]);
    if (cmd && strncmp(cmd, "#!", 2) == 0) {
      const char *name = in->heredocs[0].name;
      free(cmd);
      if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return -EINVAL;
      in->pipe_file = true;
      if (asprintf(&cmd, "/dev/pipes/%s", name) < 0)
        cmd = NULL;
    }
  } else {
    cmd = for_the_shell(in);
  }
  if (!cmd)
    return -ENOMEM;
  free(in->args[0]);
  in->args[0] = cmd;
  return 0;
}

void hutch_heredoc_clear(struct hutch_df_heredoc *h) {
  free(h->name);
  free(h->content);
}
