/* Docker's shell lexer; see shlex.h. The structure follows buildkit's
 * lex.go (processStopOn, processSingleQuote, processDoubleQuote,
 * processDollar, processName) so that a Dockerfile expands here exactly
 * as it does there, error texts included. */
#include "shlex.h"

#include "util/cleanup.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct buf {
  char *s;
  size_t len, cap;
};

static int buf_putn(struct buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *p = realloc(b->s, cap);
    if (!p)
      return -ENOMEM;
    b->s = p;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
  return 0;
}

static int buf_putc(struct buf *b, char c) {
  return buf_putn(b, &c, 1);
}

static int buf_puts(struct buf *b, const char *s) {
  return buf_putn(b, s, strlen(s));
}

/* Take the text: "" when nothing was written. */
static char *buf_take(struct buf *b) {
  char *s = b->s ? b->s : strdup("");
  b->s = NULL;
  b->len = b->cap = 0;
  return s;
}

struct lexer {
  const char *p; /* the next character */
  char escape;
  hutch_shlex_lookup_fn lookup;
  void *ud;
};

#define LEX_EOF '\0'

static int process(struct lexer *lx, char stop, struct buf *out, struct hutch_error **err);

static int single_quote(struct lexer *lx, struct buf *out, struct hutch_error **err) {
  lx->p++; /* ' */
  const char *end = strchr(lx->p, '\'');
  if (!end)
    return hutch_error_say(err, EINVAL,
                           "unexpected end of statement while looking for matching single-quote");
  int r = buf_putn(out, lx->p, (size_t)(end - lx->p));
  lx->p = end + 1;
  return r < 0 ? hutch_error_set(err, ENOMEM, "expand") : 0;
}

static int dollar(struct lexer *lx, struct buf *out, struct hutch_error **err);

static int double_quote(struct lexer *lx, struct buf *out, struct hutch_error **err) {
  lx->p++; /* " */
  for (;;) {
    char c = *lx->p;
    if (c == LEX_EOF)
      return hutch_error_say(err, EINVAL,
                             "unexpected end of statement while looking for matching double-quote");
    if (c == '"') {
      lx->p++;
      return 0;
    }
    if (c == '$') {
      if (dollar(lx, out, err) < 0)
        return -1;
      continue;
    }
    lx->p++;
    if (c == lx->escape) {
      char n = *lx->p;
      if (n == LEX_EOF)
        continue; /* an escape at the end of the word is dropped */
      /* only these can be escaped in double quotes; the rest keep it */
      if (n == '"' || n == '$' || n == lx->escape) {
        c = n;
        lx->p++;
      }
    }
    if (buf_putc(out, c) < 0)
      return hutch_error_set(err, ENOMEM, "expand");
  }
}

static bool special_param(char c) {
  return strchr("@*#?-$!0", c) != NULL && c != '\0';
}

static char *name(struct lexer *lx) {
  const char *s = lx->p;
  if (isdigit((unsigned char)*s)) {
    while (isdigit((unsigned char)*lx->p))
      lx->p++;
  } else if (special_param(*s)) {
    lx->p++;
  } else {
    while (isalnum((unsigned char)*lx->p) || *lx->p == '_')
      lx->p++;
  }
  return strndup(s, (size_t)(lx->p - s));
}

/* ${NAME<modifier>word}: lx->p is at the modifier's first character. */
static int modifier(struct lexer *lx, const char *nm, const char *value, struct buf *out,
                    struct hutch_error **err) {
  bool colon = *lx->p == ':';
  if (colon)
    lx->p++;
  char m = *lx->p;
  if (m != '-' && m != '+' && m != '?')
    return hutch_error_say(err, EINVAL, "unsupported modifier (%c) in substitution", m ? m : ':');
  lx->p++;
  struct buf word = {0};
  if (process(lx, '}', &word, err) < 0) {
    free(word.s);
    return -1;
  }
  _cleanup_free_ char *w = buf_take(&word);
  /* with ':' an empty value counts as unset, as in sh */
  bool set = value && (!colon || *value);
  const char *res = NULL;
  if (m == '-')
    res = set ? value : w;
  else if (m == '+')
    res = set ? w : "";
  else if (!set)
    return hutch_error_say(err, EINVAL, "%s: %s", nm, *w ? w : "is not allowed to be unset");
  else
    res = value;
  return buf_puts(out, res) < 0 ? hutch_error_set(err, ENOMEM, "expand") : 0;
}

static int dollar(struct lexer *lx, struct buf *out, struct hutch_error **err) {
  lx->p++; /* $ */
  if (*lx->p != '{') {
    _cleanup_free_ char *nm = name(lx);
    if (!nm)
      return hutch_error_set(err, ENOMEM, "expand");
    const char *v = *nm ? lx->lookup(lx->ud, nm) : "$";
    return buf_puts(out, v ? v : "") < 0 ? hutch_error_set(err, ENOMEM, "expand") : 0;
  }
  lx->p++; /* { */
  if (*lx->p == LEX_EOF)
    return hutch_error_say(err, EINVAL, "syntax error: missing '}'");
  if (*lx->p == '{' || *lx->p == '}' || *lx->p == ':')
    return hutch_error_say(err, EINVAL, "syntax error: bad substitution");
  _cleanup_free_ char *nm = name(lx);
  if (!nm)
    return hutch_error_set(err, ENOMEM, "expand");
  const char *v = lx->lookup(lx->ud, nm);
  if (*lx->p == '}') {
    lx->p++;
    return buf_puts(out, v ? v : "") < 0 ? hutch_error_set(err, ENOMEM, "expand") : 0;
  }
  if (*lx->p == LEX_EOF)
    return hutch_error_say(err, EINVAL, "syntax error: missing '}'");
  return modifier(lx, nm, v, out, err);
}

/* Up to stop (consumed; LEX_EOF: the end), docker's processStopOn. */
static int process(struct lexer *lx, char stop, struct buf *out, struct hutch_error **err) {
  while (*lx->p != LEX_EOF) {
    char c = *lx->p;
    if (stop != LEX_EOF && c == stop) {
      lx->p++;
      return 0;
    }
    int r = 0;
    if (c == '\'')
      r = single_quote(lx, out, err);
    else if (c == '"')
      r = double_quote(lx, out, err);
    else if (c == '$')
      r = dollar(lx, out, err);
    else {
      lx->p++;
      if (c == lx->escape) {
        c = *lx->p;
        if (c == LEX_EOF)
          break;
        lx->p++;
      }
      r = buf_putc(out, c) < 0 ? hutch_error_set(err, ENOMEM, "expand") : 0;
    }
    if (r < 0)
      return -1;
  }
  if (stop != LEX_EOF)
    return hutch_error_say(err, EINVAL, "unexpected end of statement while looking for matching %c",
                           stop);
  return 0;
}

int hutch_shlex_expand(const char *word, char escape, hutch_shlex_lookup_fn lookup, void *ud,
                       char **out, struct hutch_error **err) {
  struct lexer lx = {word, escape, lookup, ud};
  struct buf b = {0};
  if (process(&lx, LEX_EOF, &b, err) < 0) {
    free(b.s);
    return hutch_error_wrap(err, "%s", word);
  }
  *out = buf_take(&b);
  return *out ? 0 : hutch_error_set(err, ENOMEM, "expand");
}

int hutch_shlex_expand_text(const char *text, char escape, hutch_shlex_lookup_fn lookup, void *ud,
                            char **out, struct hutch_error **err) {
  struct lexer lx = {text, escape, lookup, ud};
  struct buf b = {0};
  while (*lx.p != LEX_EOF) {
    char c = *lx.p;
    if (c == '$') {
      if (dollar(&lx, &b, err) < 0) {
        free(b.s);
        return -1;
      }
      continue;
    }
    lx.p++;
    bool ok = buf_putc(&b, c) == 0;
    if (ok && c == escape && *lx.p != LEX_EOF) /* kept, with what it escapes */
      ok = buf_putc(&b, *lx.p++) == 0;
    if (!ok) {
      free(b.s);
      return hutch_error_set(err, ENOMEM, "expand");
    }
  }
  *out = buf_take(&b);
  return *out ? 0 : hutch_error_set(err, ENOMEM, "expand");
}

/* docker's parseWords: a state machine over spaces, words and quotes. */
int hutch_shlex_words(const char *s, char escape, char ***out) {
  char **words = calloc(1, sizeof(char *));
  struct buf w = {0};
  char quote = 0;
  bool in_word = false, blank_ok = false;
  if (!words)
    return -ENOMEM;
  for (const char *p = s;; p++) {
    char c = *p;
    if (!in_word && !quote) {
      if (c == '\0')
        break;
      if (isspace((unsigned char)c))
        continue;
      in_word = true;
    }
    if (c == '\0' || (!quote && isspace((unsigned char)c))) {
      if ((blank_ok || w.len > 0) && hutch_strv_push(&words, w.s ? w.s : "") < 0)
        goto oom;
      free(buf_take(&w));
      in_word = blank_ok = false;
      quote = 0;
      if (c == '\0')
        break;
      continue;
    }
    if (!quote && (c == '\'' || c == '"')) {
      quote = c;
      blank_ok = true;
    } else if (quote && c == quote) {
      quote = 0;
    } else if (c == escape && quote != '\'') {
      if (p[1] == '\0')
        continue; /* an escape at the end of the line is dropped */
      if (buf_putc(&w, c) < 0)
        goto oom;
      c = *++p;
    }
    if (buf_putc(&w, c) < 0)
      goto oom;
  }
  *out = words;
  return 0;
oom:
  free(w.s);
  hutch_strv_free(words);
  return -ENOMEM;
}
