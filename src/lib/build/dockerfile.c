/* The Dockerfile parser; see dockerfile.h. The line handling follows
 * buildkit's parser.go (directives, continuations, comments inside
 * continued lines) and the per-instruction argument forms its
 * line_parsers.go (parseMaybeJSON, parseNameVal, parseWords…). */
#include "dockerfile.h"

#include "heredoc.h"
#include "shlex.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const kind_names[] = {
    [HUTCH_DF_ADD] = "ADD",
    [HUTCH_DF_ARG] = "ARG",
    [HUTCH_DF_CMD] = "CMD",
    [HUTCH_DF_COPY] = "COPY",
    [HUTCH_DF_ENTRYPOINT] = "ENTRYPOINT",
    [HUTCH_DF_ENV] = "ENV",
    [HUTCH_DF_EXPOSE] = "EXPOSE",
    [HUTCH_DF_FROM] = "FROM",
    [HUTCH_DF_HEALTHCHECK] = "HEALTHCHECK",
    [HUTCH_DF_LABEL] = "LABEL",
    [HUTCH_DF_MAINTAINER] = "MAINTAINER",
    [HUTCH_DF_ONBUILD] = "ONBUILD",
    [HUTCH_DF_RUN] = "RUN",
    [HUTCH_DF_SHELL] = "SHELL",
    [HUTCH_DF_STOPSIGNAL] = "STOPSIGNAL",
    [HUTCH_DF_USER] = "USER",
    [HUTCH_DF_VOLUME] = "VOLUME",
    [HUTCH_DF_WORKDIR] = "WORKDIR",
};

const char *hutch_df_kind_name(enum hutch_df_kind k) {
  return kind_names[k];
}

const char *hutch_df_flag(const struct hutch_df_instr *in, const char *name) {
  const char *v = NULL;
  for (size_t i = 0; i < in->n_flags; i++)
    if (strcmp(in->flags[i].name, name) == 0)
      v = in->flags[i].value ? in->flags[i].value : ""; /* the last one wins */
  return v;
}

void hutch_df_instr_clear(struct hutch_df_instr *in) {
  free(in->original);
  free(in->rest);
  for (size_t i = 0; i < in->n_flags; i++) {
    free(in->flags[i].name);
    free(in->flags[i].value);
  }
  free(in->flags);
  hutch_strv_free(in->args);
  for (size_t i = 0; i < in->n_heredocs; i++)
    hutch_heredoc_clear(&in->heredocs[i]);
  free(in->heredocs);
  free(in->body);
  memset(in, 0, sizeof(*in));
}

void hutch_dockerfile_free(struct hutch_dockerfile *df) {
  if (!df)
    return;
  for (size_t i = 0; i < df->n; i++)
    hutch_df_instr_clear(&df->v[i]);
  free(df->v);
  free(df->syntax);
  free(df);
}

void hutch_dockerfile_freep(struct hutch_dockerfile **df) {
  hutch_dockerfile_free(*df);
}

/* Where errors point: "Dockerfile:3: ". */
struct where {
  const char *name;
  int line;
};

#define SAY(w, ...) syntax_error(w, __VA_ARGS__)
static int syntax_error(const struct where *w, struct hutch_error **err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int syntax_error(const struct where *w, struct hutch_error **err, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  return hutch_error_say(err, EINVAL, "%s:%d: %s", w->name, w->line, msg);
}

static const char *skip_space(const char *s) {
  while (*s && isspace((unsigned char)*s))
    s++;
  return s;
}

/* Split at white space, no quoting (docker's parseStringsWhitespaceDelimited). */
static int fields(const char *s, char ***out) {
  char **v = calloc(1, sizeof(char *));
  if (!v)
    return -ENOMEM;
  for (s = skip_space(s); *s; s = skip_space(s)) {
    const char *e = s;
    while (*e && !isspace((unsigned char)*e))
      e++;
    _cleanup_free_ char *w = strndup(s, (size_t)(e - s));
    if (!w || hutch_strv_push(&v, w) < 0) {
      hutch_strv_free(v);
      return -ENOMEM;
    }
    s = e;
  }
  *out = v;
  return 0;
}

/* A JSON array of strings: 1 and *out; 0 when s is not one (shell form). */
static int json_strings(const char *s, char ***out) {
  if (*s != '[')
    return 0;
  _cleanup_json_ json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);
  if (!json_is_array(j))
    return 0;
  char **v = calloc(json_array_size(j) + 1, sizeof(char *));
  if (!v)
    return -ENOMEM;
  size_t i = 0;
  json_t *e;
  json_array_foreach(j, i, e) {
    if (!json_is_string(e)) {
      hutch_strv_free(v);
      return 0;
    }
    v[i] = strdup(json_string_value(e));
  }
  *out = v;
  return 1;
}

/* RUN CMD ENTRYPOINT SHELL, HEALTHCHECK CMD: exec form or one string. */
static int maybe_json(struct hutch_df_instr *in, const char *s) {
  int r = json_strings(s, &in->args);
  if (r != 0) {
    in->json = r > 0;
    return r < 0 ? r : 0;
  }
  in->args = calloc(2, sizeof(char *));
  if (!in->args || !(in->args[0] = strdup(s)))
    return -ENOMEM;
  return 0;
}

/* ENV LABEL: KEY=VALUE words, or the old `KEY value` form. */
static int name_val(struct hutch_df_instr *in, const char *s, char esc, const struct where *w,
                    struct hutch_error **err) {
  _cleanup_strv_ char **words = NULL;
  const char *kn = hutch_df_kind_name(in->kind);
  if (hutch_shlex_words(s, esc, &words) < 0)
    return hutch_error_set(err, ENOMEM, "parse");
  in->args = calloc(1, sizeof(char *));
  if (!in->args)
    return hutch_error_set(err, ENOMEM, "parse");
  if (!words[0])
    return SAY(w, err, "%s requires at least one argument", kn);
  if (!strchr(words[0], '=')) {
    const char *e = s;
    while (*e && !isspace((unsigned char)*e))
      e++;
    if (!*skip_space(e))
      return SAY(w, err, "%s must have two arguments", kn);
    _cleanup_free_ char *k = strndup(s, (size_t)(e - s));
    if (!k || hutch_strv_push(&in->args, k) < 0 || hutch_strv_push(&in->args, skip_space(e)) < 0)
      return hutch_error_set(err, ENOMEM, "parse");
    return 0;
  }
  for (char **p = words; *p; p++) {
    char *eq = strchr(*p, '=');
    if (!eq)
      return SAY(w, err, "Syntax error - can't find = in \"%s\". Must be of the form: name=value",
                 *p);
    if (eq == *p)
      return SAY(w, err, "%s names can not be blank", kn);
    *eq = '\0';
    if (hutch_strv_push(&in->args, *p) < 0 || hutch_strv_push(&in->args, eq + 1) < 0)
      return hutch_error_set(err, ENOMEM, "parse");
  }
  return 0;
}

/* Leading --name[=value] words (docker's extractBuilderFlags). */
static int take_flags(struct hutch_df_instr *in, const char **rest, struct hutch_error **err) {
  const char *s = *rest;
  while (s[0] == '-' && s[1] == '-') {
    const char *e = s;
    while (*e && !isspace((unsigned char)*e))
      e++;
    if (e == s + 2) { /* "--": the end of the flags */
      s = skip_space(e);
      break;
    }
    struct hutch_df_flag *nf = realloc(in->flags, (in->n_flags + 1) * sizeof(*nf));
    if (!nf)
      return hutch_error_set(err, ENOMEM, "parse");
    in->flags = nf;
    const char *eq = memchr(s, '=', (size_t)(e - s));
    struct hutch_df_flag *f = &in->flags[in->n_flags++];
    f->name = strndup(s + 2, (size_t)((eq ? eq : e) - s - 2));
    f->value = eq ? strndup(eq + 1, (size_t)(e - eq - 1)) : NULL;
    s = skip_space(e);
  }
  *rest = s;
  return 0;
}

static int find_kind(const char *name, enum hutch_df_kind *k) {
  for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
    if (strcasecmp(name, kind_names[i]) == 0) {
      *k = (enum hutch_df_kind)i;
      return 0;
    }
  return -ENOENT;
}

/* The arguments of in from rest (flags taken), by kind. */
static int parse_args(struct hutch_df_instr *in, const char *rest, char esc, const struct where *w,
                      struct hutch_error **err) {
  const char *kn = hutch_df_kind_name(in->kind);
  int r = 0;
  switch (in->kind) {
  case HUTCH_DF_ENV:
  case HUTCH_DF_LABEL:
    return name_val(in, rest, esc, w, err);
  case HUTCH_DF_ARG:
    r = hutch_shlex_words(rest, esc, &in->args);
    break;
  case HUTCH_DF_RUN:
  case HUTCH_DF_CMD:
  case HUTCH_DF_ENTRYPOINT:
  case HUTCH_DF_SHELL:
    r = maybe_json(in, rest);
    if (r == 0 && in->kind == HUTCH_DF_SHELL && !in->json)
      return SAY(w, err, "SHELL requires the arguments to be in JSON form");
    break;
  case HUTCH_DF_COPY:
  case HUTCH_DF_ADD:
  case HUTCH_DF_VOLUME:
    r = json_strings(rest, &in->args);
    in->json = r > 0;
    if (r == 0)
      r = fields(rest, &in->args);
    if (r >= 0 && in->kind != HUTCH_DF_VOLUME && hutch_strv_len(in->args) < 2)
      return SAY(w, err, "%s requires at least two arguments, but only one was provided", kn);
    break;
  case HUTCH_DF_FROM:
    r = fields(rest, &in->args);
    if (r < 0)
      break;
    size_t n = hutch_strv_len(in->args);
    if ((n != 1 && n != 3) || (n == 3 && strcasecmp(in->args[1], "as") != 0))
      return SAY(w, err, "FROM requires either one or three arguments");
    break;
  case HUTCH_DF_HEALTHCHECK: {
    const char *p = rest;
    while (*p && !isspace((unsigned char)*p))
      p++;
    if (strncasecmp(rest, "NONE", 4) == 0 && p == rest + 4) {
      if (*skip_space(p))
        return SAY(w, err, "HEALTHCHECK NONE takes no arguments");
      r = fields("NONE", &in->args);
    } else if (strncasecmp(rest, "CMD", 3) == 0 && p == rest + 3 && *skip_space(p)) {
      r = maybe_json(in, skip_space(p));
    } else {
      return SAY(w, err, "HEALTHCHECK takes NONE or CMD followed by a command");
    }
    break;
  }
  case HUTCH_DF_ONBUILD: {
    struct hutch_df_instr trig = {0};
    if (hutch_df_parse_line(rest, esc, w->line, w->name, &trig, err) < 0)
      return -1;
    enum hutch_df_kind tk = trig.kind;
    hutch_df_instr_clear(&trig);
    if (tk == HUTCH_DF_ONBUILD)
      return SAY(w, err, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if (tk == HUTCH_DF_FROM || tk == HUTCH_DF_MAINTAINER)
      return SAY(w, err, "%s isn't allowed as an ONBUILD trigger", hutch_df_kind_name(tk));
    in->args = calloc(2, sizeof(char *));
    if (!in->args || !(in->args[0] = strdup(rest)))
      r = -ENOMEM;
    break;
  }
  case HUTCH_DF_USER:
  case HUTCH_DF_WORKDIR:
  case HUTCH_DF_STOPSIGNAL:
  case HUTCH_DF_MAINTAINER:
    in->args = calloc(2, sizeof(char *));
    if (!in->args || !(in->args[0] = strdup(rest)))
      r = -ENOMEM;
    break;
  case HUTCH_DF_EXPOSE:
    r = fields(rest, &in->args);
    break;
  }
  if (r < 0)
    return hutch_error_set(err, -r, "parse");
  return 0;
}

int hutch_df_parse_line(const char *text, char escape, int line, const char *name,
                        struct hutch_df_instr *out, struct hutch_error **err) {
  struct where w = {name, line};
  const char *s = skip_space(text);
  const char *e = s;
  while (*e && !isspace((unsigned char)*e))
    e++;
  _cleanup_free_ char *word = strndup(s, (size_t)(e - s));
  struct hutch_df_instr in = {.line = line};
  if (!word)
    return hutch_error_set(err, ENOMEM, "parse");
  if (find_kind(word, &in.kind) < 0)
    return SAY(&w, err, "unknown instruction: %s", word);
  const char *rest = skip_space(e);
  /* the original text with its trailing space dropped */
  size_t olen = strlen(s);
  while (olen > 0 && isspace((unsigned char)s[olen - 1]))
    olen--;
  in.original = strndup(s, olen);
  if (!in.original || take_flags(&in, &rest, err) < 0)
    goto fail;
  size_t off = (size_t)(rest - s);
  in.rest = strndup(rest, olen > off ? olen - off : 0);
  if (!in.rest) {
    hutch_error_set(err, ENOMEM, "parse");
    goto fail;
  }
  if (!*in.rest && in.kind != HUTCH_DF_ARG) {
    SAY(&w, err, "%s requires at least one argument", hutch_df_kind_name(in.kind));
    goto fail;
  }
  if (parse_args(&in, in.rest, escape, &w, err) < 0)
    goto fail;
  if (in.kind == HUTCH_DF_ARG && !in.args[0]) {
    SAY(&w, err, "ARG requires at least one argument");
    goto fail;
  }
  *out = in;
  return 0;
fail:
  hutch_df_instr_clear(&in);
  return -1;
}

/* ---- lines ---- */

/* "# key=value" at the top of the file: 1 with key and value set. */
static int directive(const char *line, char **key, char **value) {
  const char *p = skip_space(line);
  if (*p != '#')
    return 0;
  p = skip_space(p + 1);
  const char *k = p;
  while (isalpha((unsigned char)*p))
    p++;
  if (p == k)
    return 0;
  const char *ke = p;
  p = skip_space(p);
  if (*p != '=')
    return 0;
  p = skip_space(p + 1);
  size_t n = strlen(p);
  while (n > 0 && isspace((unsigned char)p[n - 1]))
    n--;
  *key = strndup(k, (size_t)(ke - k));
  *value = strndup(p, n);
  return *key && *value ? 1 : -ENOMEM;
}

static bool comment_or_blank(const char *line) {
  const char *p = skip_space(line);
  return *p == '\0' || *p == '#';
}

/* Does line end with the escape character (then white space)? It is cut off. */
static bool continues(char *line, char esc) {
  size_t n = strlen(line);
  while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
    n--;
  if (n == 0 || line[n - 1] != esc)
    return false;
  line[n - 1] = '\0';
  return true;
}

/* The directives; *first is the first line after them. */
static int directives(char **lines, struct hutch_dockerfile *df, size_t *first, const char *name,
                      struct hutch_error **err) {
  bool seen_escape = false;
  size_t i = 0;
  for (; lines[i]; i++) {
    _cleanup_free_ char *k = NULL, *v = NULL;
    int r = directive(lines[i], &k, &v);
    if (r < 0)
      return hutch_error_set(err, ENOMEM, "parse");
    if (r == 0)
      break;
    struct where w = {name, (int)i + 1};
    if (strcasecmp(k, "escape") == 0) {
      if (seen_escape)
        return SAY(&w, err, "only one escape parser directive can be used");
      if (strcmp(v, "\\") != 0 && strcmp(v, "`") != 0)
        return SAY(&w, err, "invalid escape token '%s' does not match ` or \\", v);
      df->escape = v[0];
      seen_escape = true;
    } else if (strcasecmp(k, "syntax") == 0) {
      if (df->syntax)
        return SAY(&w, err, "only one syntax parser directive can be used");
      df->syntax = TAKE_PTR(v);
    } else if (strcasecmp(k, "check") != 0) {
      break; /* an unknown directive is a comment, and ends the directives */
    }
  }
  *first = i;
  return 0;
}

static char **split_lines(const char *text) {
  char **v = calloc(1, sizeof(char *));
  for (const char *s = text; v && *s;) {
    const char *e = strchr(s, '\n');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    _cleanup_free_ char *l = strndup(s, n && s[n - 1] == '\r' ? n - 1 : n);
    if (!l || hutch_strv_push(&v, l) < 0) {
      hutch_strv_free(v);
      return NULL;
    }
    s += n + (e ? 1 : 0);
  }
  return v;
}

/* ---- heredocs ---- */

static int append(char **s, size_t *len, const char *add, const char *end) {
  size_t n = strlen(add), m = strlen(end);
  char *ns = realloc(*s, *len + n + m + 1);
  if (!ns)
    return -ENOMEM;
  memcpy(ns + *len, add, n);
  memcpy(ns + *len + n, end, m + 1);
  *len += n + m;
  *s = ns;
  return 0;
}

/* h's lines from lines[*i + 1] to its delimiter; *i is left on it. The
 * raw lines go on body. */
static int read_heredoc(struct hutch_df_heredoc *h, char **lines, size_t *i, char **body,
                        size_t *blen, const struct where *w, struct hutch_error **err) {
  size_t clen = 0;
  if (!(h->content = strdup("")))
    return hutch_error_set(err, ENOMEM, "parse");
  for (;;) {
    if (!lines[*i + 1])
      return SAY(w, err, "unterminated heredoc: no line %s ends it", h->name);
    const char *l = lines[++*i];
    if (append(body, blen, l, "\n") < 0)
      return hutch_error_set(err, ENOMEM, "parse");
    const char *t = l;
    while (h->chomp && *t == '\t')
      t++;
    if (strcmp(t, h->name) == 0)
      return 0;
    if (append(&h->content, &clen, l, "\n") < 0)
      return hutch_error_set(err, ENOMEM, "parse");
  }
}

/* COPY/ADD: sources that are markers become in's heredocs. */
static int copy_markers(struct hutch_df_instr *in) {
  size_t n = hutch_strv_len(in->args), k = 0;
  for (size_t j = 0; j < n; j++) {
    struct hutch_df_heredoc h;
    int len = j + 1 < n ? hutch_heredoc_marker(in->args[j], &h) : 0;
    if (len < 0)
      return len;
    if (len > 0 && (size_t)len != strlen(in->args[j])) {
      free(h.name);
      len = 0;
    }
    if (len == 0) {
      in->args[k++] = in->args[j];
      continue;
    }
    struct hutch_df_heredoc *nv = realloc(in->heredocs, (in->n_heredocs + 1) * sizeof(*nv));
    if (!nv) {
      free(h.name);
      return -ENOMEM;
    }
    in->heredocs = nv;
    in->heredocs[in->n_heredocs++] = h;
    free(in->args[j]);
  }
  in->args[k] = NULL;
  return 0;
}

/* The heredocs of in (RUN, COPY, ADD in shell form), read from the lines
 * after it; *i is left on the last line they take. */
static int take_heredocs(struct hutch_df_instr *in, char **lines, size_t *i, char esc,
                         const char *name, struct hutch_error **err) {
  struct where w = {name, in->line};
  if (in->json ||
      (in->kind != HUTCH_DF_RUN && in->kind != HUTCH_DF_COPY && in->kind != HUTCH_DF_ADD))
    return 0;
  int r = in->kind == HUTCH_DF_RUN
              ? hutch_heredoc_scan(in->args[0], esc, &in->heredocs, &in->n_heredocs)
              : copy_markers(in);
  if (r < 0)
    return hutch_error_set(err, -r, "parse");
  size_t blen = 0;
  for (size_t k = 0; k < in->n_heredocs; k++)
    if (read_heredoc(&in->heredocs[k], lines, i, &in->body, &blen, &w, err) < 0)
      return -1;
  if (in->kind != HUTCH_DF_RUN || in->n_heredocs == 0)
    return 0;
  r = hutch_heredoc_run_command(in);
  if (r == -EINVAL)
    return SAY(&w, err, "invalid heredoc name for a script: %s", in->heredocs[0].name);
  return r < 0 ? hutch_error_set(err, -r, "parse") : 0;
}

static int add_instr(struct hutch_dockerfile *df, const char *text, int line, const char *name,
                     struct hutch_error **err) {
  struct hutch_df_instr *nv = realloc(df->v, (df->n + 1) * sizeof(*nv));
  if (!nv)
    return hutch_error_set(err, ENOMEM, "parse");
  df->v = nv;
  if (hutch_df_parse_line(text, df->escape, line, name, &df->v[df->n], err) < 0)
    return -1;
  df->n++;
  return 0;
}

int hutch_dockerfile_parse(const char *text, const char *name, struct hutch_dockerfile **out,
                           struct hutch_error **err) {
  _cleanup_dockerfile_ struct hutch_dockerfile *df = calloc(1, sizeof(*df));
  _cleanup_strv_ char **lines = split_lines(text);
  if (!df || !lines)
    return hutch_error_set(err, ENOMEM, "parse %s", name);
  df->escape = '\\';
  size_t i = 0;
  if (directives(lines, df, &i, name, err) < 0)
    return -1;
  for (; lines[i]; i++) {
    if (comment_or_blank(lines[i]))
      continue;
    int start = (int)i + 1;
    _cleanup_free_ char *joined = strdup(lines[i]);
    if (!joined)
      return hutch_error_set(err, ENOMEM, "parse");
    /* continued lines: comments and blank lines in between are skipped */
    while (continues(joined, df->escape)) {
      while (lines[i + 1] && comment_or_blank(lines[i + 1]))
        i++;
      if (!lines[i + 1])
        break;
      i++;
      char *nj = NULL;
      if (asprintf(&nj, "%s%s", joined, lines[i]) < 0)
        return hutch_error_set(err, ENOMEM, "parse");
      free(joined);
      joined = nj;
    }
    if (comment_or_blank(joined))
      continue;
    if (add_instr(df, joined, start, name, err) < 0 ||
        take_heredocs(&df->v[df->n - 1], lines, &i, df->escape, name, err) < 0)
      return -1;
  }
  if (df->n == 0)
    return hutch_error_say(err, EINVAL, "%s: the file has no instructions", name);
  for (size_t k = 0; k < df->n && df->v[k].kind != HUTCH_DF_FROM; k++)
    if (df->v[k].kind != HUTCH_DF_ARG)
      return SAY(&(struct where){name, df->v[k].line}, err,
                 "no build stage in current context: %s before the first FROM",
                 hutch_df_kind_name(df->v[k].kind));
  *out = TAKE_PTR(df);
  return 0;
}
