/* The template parser: text and {{actions}} into a tree (tmpl_int.h), as
 * Go's text/template/parse does, with Go's error messages ("template:
 * :1: function \"foo\" not defined"). Each action is cut into tokens
 * first, then parsed: pipelines, commands, operands; if/range/with/else/
 * end nest through parse_list(). Functions and variables are checked here,
 * as Go checks them, so that a bad template fails before any output. */
#include "template.h"
#include "tmpl_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Nesting deeper than this is refused: the parser and the evaluator
 * recurse over it (Go's parser has the same kind of bound). */
#define TMPL_MAX_DEPTH 1000

enum tok_kind {
  T_EOF,
  T_FIELD,
  T_DOT,
  T_VAR,
  T_STRING,
  T_NUMBER,
  T_BOOL,
  T_NIL,
  T_IDENT,
  T_PIPE,
  T_LPAREN,
  T_RPAREN,
  T_DECLARE,
  T_ASSIGN,
  T_COMMA
};

struct tok {
  enum tok_kind kind;
  const char *s; /* in the source */
  size_t len;
  bool space;  /* whitespace before it */
  json_t *val; /* T_STRING, T_NUMBER (chars too), T_BOOL */
};

struct parser {
  struct hutch_template *t;
  const char *p;    /* the next unread byte of the source */
  int line;         /* the line of p */
  struct tok *toks; /* the current action's tokens */
  size_t ntoks, pos;
  const char **vars; /* variables in scope, for "undefined variable" */
  size_t nvars;
  int ranges; /* open {{range}}s, for break and continue */
  int depth;  /* nested parentheses and actions, bounded as Go bounds them */
  char *err;
};

static void *alloc(struct parser *ps, size_t n) {
  struct hutch_template *t = ps->t;
  void *p = calloc(1, n ? n : 1);
  if (!p)
    abort(); /* as jansson's allocator: a template is small */
  if (t->nallocs == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 32;
    void **v = realloc(t->allocs, t->cap * sizeof(void *));
    if (!v)
      abort();
    t->allocs = v;
  }
  t->allocs[t->nallocs++] = p;
  return p;
}

/* A copy of old's n elements with room for one more and a zeroed end. */
static void *grow(struct parser *ps, void *old, size_t n, size_t size) {
  void *p = alloc(ps, (n + 2) * size);
  if (old)
    memcpy(p, old, n * size);
  return p;
}

static int fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *ps, const char *fmt, ...) {
  if (ps->err)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  char *m = tmpl_vstrf(fmt, ap);
  va_end(ap);
  ps->err = tmpl_strf("template: :%d: %s", ps->line, m ? m : "out of memory");
  free(m);
  return -1;
}

/* ---- lexing one action ---- */

static bool is_alnum_(char c) {
  return isalnum((unsigned char)c) || c == '_';
}

static bool at_close(const char *p, const char *end) {
  if (p + 1 < end && p[0] == '}' && p[1] == '}')
    return true;
  return p + 2 < end && p[0] == '-' && p[1] == '}' && p[2] == '}';
}

/* Append the UTF-8 encoding of cp to buf. */
static size_t put_utf8(char *buf, unsigned long cp) {
  if (cp < 0x80)
    return buf[0] = (char)cp, 1;
  if (cp < 0x800)
    return buf[0] = (char)(0xc0 | (cp >> 6)), buf[1] = (char)(0x80 | (cp & 0x3f)), 2;
  if (cp < 0x10000) {
    buf[0] = (char)(0xe0 | (cp >> 12));
    buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    buf[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  buf[0] = (char)(0xf0 | (cp >> 18));
  buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  buf[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* A quoted string's value (Go's strconv.Unquote): s..e excludes quotes. */
static json_t *unquote(const char *s, const char *e) {
  char *buf = malloc((size_t)(e - s) + 4);
  if (!buf)
    return NULL;
  size_t n = 0;
  while (s < e) {
    if (*s != '\\') {
      buf[n++] = *s++;
      continue;
    }
    s++;
    char c = s < e ? *s++ : 0;
    const char *map = "n\nt\tr\ra\ab\bf\fv\v\\\\\"\"''";
    const char *m = strchr(map, c);
    if (c && m && (m - map) % 2 == 0) {
      buf[n++] = m[1];
    } else if (c == 'x' || c == 'u' || c == 'U') {
      int digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      char hex[9] = {0};
      memcpy(hex, s, (size_t)(e - s) < (size_t)digits ? (size_t)(e - s) : (size_t)digits);
      s += strlen(hex);
      unsigned long cp = strtoul(hex, NULL, 16);
      if (c == 'x')
        buf[n++] = (char)cp;
      else
        n += put_utf8(buf + n, cp);
    } else if (c >= '0' && c <= '7') {
      unsigned v = (unsigned)(c - '0');
      for (int k = 0; k < 2 && s < e && *s >= '0' && *s <= '7'; k++)
        v = v * 8 + (unsigned)(*s++ - '0');
      buf[n++] = (char)v;
    }
  }
  json_t *j = json_stringn_nocheck(buf, n);
  free(buf);
  return j;
}

static json_t *number(struct parser *ps, const char *s, size_t len, bool is_char) {
  if (is_char) {
    json_t *str = unquote(s + 1, s + len - 1);
    const unsigned char *u = (const unsigned char *)json_string_value(str);
    unsigned long cp = u ? u[0] : 0;
    if (u && cp >= 0xc0) { /* decode one UTF-8 sequence */
      int extra = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : 1;
      cp &= 0x3f >> extra;
      for (int k = 1; k <= extra && u[k]; k++)
        cp = (cp << 6) | (u[k] & 0x3f);
    }
    json_decref(str);
    return json_integer((json_int_t)cp);
  }
  char *tmp = strndup(s, len);
  char *end = NULL;
  json_t *v = NULL;
  errno = 0;
  long long i = strtoll(tmp, &end, 0);
  if (*end == '\0' && errno == 0) {
    v = json_integer(i);
  } else {
    errno = 0;
    double d = strtod(tmp, &end);
    if (*end == '\0' && errno == 0)
      v = json_real(d);
  }
  if (!v)
    fail(ps, "bad number syntax: \"%s\"", tmp);
  free(tmp);
  return v;
}

static int lex_quoted(struct parser *ps, const char **pp, const char *end, char q) {
  const char *p = *pp + 1;
  while (p < end && *p != q) {
    if (q != '`' && *p == '\\' && p + 1 < end)
      p++;
    else if (q != '`' && *p == '\n')
      break;
    p++;
  }
  if (p >= end || *p != q)
    return fail(ps, q == '"'   ? "unterminated quoted string"
                    : q == '`' ? "unterminated raw quoted string"
                               : "unterminated character constant");
  *pp = p + 1;
  return 0;
}

static int push_tok(struct parser *ps, enum tok_kind k, const char *s, size_t len, bool space,
                    json_t *val) {
  ps->toks = grow(ps, ps->toks, ps->ntoks, sizeof(struct tok));
  ps->toks[ps->ntoks++] = (struct tok){k, s, len, space, val};
  if (val)
    json_array_append_new(ps->t->lits, val);
  return 0;
}

static const char *skip_space(struct parser *ps, const char *p, const char *end) {
  while (p < end && isspace((unsigned char)*p)) {
    if (*p == '\n')
      ps->line++;
    p++;
  }
  return p;
}

/* Cut the action starting at p into ps->toks; *out gets where its "}}" or
 * " -}}" begins. */
static int lex_action(struct parser *ps, const char *p, const char **out) {
  const char *end = p + strlen(p);
  ps->toks = NULL;
  ps->ntoks = ps->pos = 0;
  for (;;) {
    const char *q = skip_space(ps, p, end);
    bool space = q != p;
    p = q;
    if (p >= end)
      return fail(ps, "unclosed action");
    if (at_close(p, end) && (*p == '}' || space)) {
      *out = p;
      return push_tok(ps, T_EOF, p, 0, space, NULL);
    }
    char c = *p;
    const char *s = p;
    if (c == '"' || c == '`' || c == '\'') {
      if (lex_quoted(ps, &p, end, c) < 0)
        return -1;
      json_t *v = c == '\''  ? number(ps, s, (size_t)(p - s), true)
                  : c == '`' ? json_stringn_nocheck(s + 1, (size_t)(p - s - 2))
                             : unquote(s + 1, p - 1);
      push_tok(ps, c == '\'' ? T_NUMBER : T_STRING, s, (size_t)(p - s), space, v);
    } else if (c == '.' && !(p + 1 < end && isdigit((unsigned char)p[1]))) {
      p++;
      while (p < end && is_alnum_(*p))
        p++;
      push_tok(ps, p - s == 1 ? T_DOT : T_FIELD, s, (size_t)(p - s), space, NULL);
    } else if (c == '$') {
      p++;
      while (p < end && is_alnum_(*p))
        p++;
      push_tok(ps, T_VAR, s, (size_t)(p - s), space, NULL);
    } else if (isdigit((unsigned char)c) || ((c == '-' || c == '+' || c == '.') && p + 1 < end &&
                                             (isdigit((unsigned char)p[1]) || p[1] == '.'))) {
      p++;
      while (p < end && (isalnum((unsigned char)*p) || *p == '.' || *p == '_' ||
                         ((*p == '-' || *p == '+') && (p[-1] == 'e' || p[-1] == 'E'))))
        p++;
      json_t *v = number(ps, s, (size_t)(p - s), false);
      if (!v)
        return -1;
      push_tok(ps, T_NUMBER, s, (size_t)(p - s), space, v);
    } else if (isalpha((unsigned char)c) || c == '_') {
      while (p < end && is_alnum_(*p))
        p++;
      size_t len = (size_t)(p - s);
      if ((len == 4 && !strncmp(s, "true", 4)) || (len == 5 && !strncmp(s, "false", 5)))
        push_tok(ps, T_BOOL, s, len, space, json_boolean(len == 4));
      else
        push_tok(ps, len == 3 && !strncmp(s, "nil", 3) ? T_NIL : T_IDENT, s, len, space, NULL);
    } else if (c == ':' && p + 1 < end && p[1] == '=') {
      p += 2;
      push_tok(ps, T_DECLARE, s, 2, space, NULL);
    } else if (c == '=' || c == '|' || c == '(' || c == ')' || c == ',') {
      p++;
      push_tok(ps,
               c == '='   ? T_ASSIGN
               : c == '|' ? T_PIPE
               : c == '(' ? T_LPAREN
               : c == ')' ? T_RPAREN
                          : T_COMMA,
               s, 1, space, NULL);
    } else {
      return fail(ps, "unexpected bad character U+%04X '%c' in command", (unsigned char)c, c);
    }
  }
}

/* ---- parsing an action's tokens ---- */

static struct tok *peek(struct parser *ps) {
  return &ps->toks[ps->pos];
}

static struct tok *next(struct parser *ps) {
  struct tok *t = &ps->toks[ps->pos];
  if (t->kind != T_EOF)
    ps->pos++;
  return t;
}

static const char *tok_str(struct parser *ps, const struct tok *t) {
  char *s = alloc(ps, t->len + 1);
  memcpy(s, t->s, t->len);
  return s;
}

static bool var_known(struct parser *ps, const char *name) {
  if (strcmp(name, "$") == 0)
    return true;
  for (size_t i = ps->nvars; i > 0; i--)
    if (strcmp(ps->vars[i - 1], name) == 0)
      return true;
  return false;
}

static void var_push(struct parser *ps, const char *name) {
  ps->vars = grow(ps, ps->vars, ps->nvars, sizeof(char *));
  ps->vars[ps->nvars++] = name;
}

/* The ".A.B" tokens that follow without space, split into field names.
 * *chain_at: where the first of the tokens after first starts, which is
 * where Go's parser puts a chain (its errors name that column). */
static char **field_chain(struct parser *ps, const struct tok *first, const char **chain_at) {
  char **f = NULL;
  size_t n = 0;
  const struct tok *t = first;
  for (;;) {
    if (t) {
      f = grow(ps, f, n, sizeof(char *));
      char *name = alloc(ps, t->len);
      memcpy(name, t->s + 1, t->len - 1);
      f[n++] = name;
    }
    struct tok *nt = peek(ps);
    if (nt->kind != T_FIELD || nt->space)
      break;
    t = next(ps);
    if (!*chain_at)
      *chain_at = t->s;
  }
  return f;
}

static struct tpipe *parse_pipeline(struct parser *ps, const char *context, bool allow_decl,
                                    bool in_paren);

static int parse_operand(struct parser *ps, struct targ *a) {
  struct tok *t = next(ps);
  const char *chain_at = NULL;
  a->src = tok_str(ps, t);
  a->line = ps->line;
  switch (t->kind) {
  case T_DOT:
    a->kind = TARG_DOT;
    break;
  case T_FIELD:
    a->kind = TARG_FIELD;
    a->fields = field_chain(ps, t, &chain_at);
    break;
  case T_VAR:
    a->kind = TARG_VAR;
    a->name = a->src;
    if (!var_known(ps, a->name))
      return fail(ps, "undefined variable \"%s\"", a->name);
    a->fields = field_chain(ps, NULL, &chain_at);
    break;
  case T_STRING:
  case T_NUMBER:
  case T_BOOL:
    a->kind = TARG_LIT;
    a->lit = t->val;
    break;
  case T_NIL:
    a->kind = TARG_NIL;
    break;
  case T_IDENT:
    a->kind = TARG_FUNC;
    a->name = a->src;
    if (!tmpl_func(a->name))
      return fail(ps, "function \"%s\" not defined", a->name);
    break;
  case T_LPAREN:
    a->kind = TARG_PIPE;
    if (++ps->depth > TMPL_MAX_DEPTH)
      return fail(ps, "max expression depth exceeded");
    a->pipe = parse_pipeline(ps, "parenthesized pipeline", false, true);
    ps->depth--;
    if (!a->pipe)
      return -1;
    if (next(ps)->kind != T_RPAREN)
      return fail(ps, "unclosed left paren");
    a->fields = field_chain(ps, NULL, &chain_at);
    break;
  case T_RPAREN:
    return fail(ps, "unexpected right paren");
  case T_EOF:
    return fail(ps, "unclosed action");
  default:
    return fail(ps, "unexpected \"%.*s\" in operand", (int)t->len, t->s);
  }
  const struct tok *last = &ps->toks[ps->pos - 1];
  char *src = alloc(ps, (size_t)(last->s + last->len - t->s) + 1);
  memcpy(src, t->s, (size_t)(last->s + last->len - t->s));
  a->src = src;
  const char *at = chain_at ? chain_at : t->s;
  const char *ls = at;
  while (ls > ps->t->src && ls[-1] != '\n')
    ls--;
  a->col = (int)(at - ls);
  struct tok *after = peek(ps);
  if (after->kind == T_FIELD && !after->space)
    return fail(ps, "unexpected %.*s after term", (int)after->len, after->s);
  return 0;
}

static int parse_command(struct parser *ps, struct tcmd *c, bool in_paren) {
  for (;;) {
    struct tok *t = peek(ps);
    if (t->kind == T_EOF || t->kind == T_PIPE || (t->kind == T_RPAREN && in_paren))
      break;
    if (c->nargs && !t->space && t->kind != T_LPAREN && t->kind != T_RPAREN)
      return fail(ps, "missing space?");
    c->args = grow(ps, c->args, c->nargs, sizeof(struct targ));
    if (parse_operand(ps, &c->args[c->nargs++]) < 0)
      return -1;
  }
  if (c->nargs == 0)
    return fail(ps, "missing value for command");
  return 0;
}

/* "$x :=", "$x =" or "$i, $v :=" at the start of a pipeline. */
static int parse_decl(struct parser *ps, struct tpipe *p, bool allow_two) {
  size_t save = ps->pos;
  struct tok *v = peek(ps);
  if (v->kind != T_VAR)
    return 0;
  next(ps);
  struct tok *op = next(ps);
  if (op->kind == T_COMMA && allow_two) {
    struct tok *v2 = next(ps);
    struct tok *op2 = next(ps);
    if (v2->kind != T_VAR || (op2->kind != T_DECLARE && op2->kind != T_ASSIGN))
      return fail(ps, "range can only initialize variables");
    p->decl[0] = tok_str(ps, v);
    p->decl[1] = tok_str(ps, v2);
    p->ndecl = 2;
    p->assign = op2->kind == T_ASSIGN;
  } else if (op->kind == T_DECLARE || op->kind == T_ASSIGN) {
    p->decl[0] = tok_str(ps, v);
    p->ndecl = 1;
    p->assign = op->kind == T_ASSIGN;
  } else {
    ps->pos = save;
    return 0;
  }
  for (size_t i = 0; i < p->ndecl; i++) {
    if (p->assign && !var_known(ps, p->decl[i]))
      return fail(ps, "undefined variable \"%s\"", p->decl[i]);
  }
  return 0;
}

static struct tpipe *parse_pipeline(struct parser *ps, const char *context, bool allow_decl,
                                    bool in_paren) {
  struct tpipe *p = alloc(ps, sizeof(*p));
  p->line = ps->line;
  if (allow_decl && parse_decl(ps, p, strcmp(context, "range") == 0) < 0)
    return NULL;
  for (;;) {
    struct tok *t = peek(ps);
    if (t->kind == T_EOF || (t->kind == T_RPAREN && in_paren)) {
      if (p->ncmds == 0) {
        fail(ps, "missing value for %s", context);
        return NULL;
      }
      break;
    }
    p->cmds = grow(ps, p->cmds, p->ncmds, sizeof(struct tcmd));
    if (parse_command(ps, &p->cmds[p->ncmds++], in_paren) < 0)
      return NULL;
    if (peek(ps)->kind == T_PIPE) {
      next(ps);
      if (peek(ps)->kind == T_EOF || peek(ps)->kind == T_RPAREN) {
        fail(ps, "missing command after pipe");
        return NULL;
      }
    }
  }
  /* declared after its pipeline: {{$x := $x}} needs an outer $x */
  if (!p->assign)
    for (size_t i = 0; i < p->ndecl; i++)
      var_push(ps, p->decl[i]);
  for (size_t i = 1; i < p->ncmds; i++) {
    const struct targ *a0 = &p->cmds[i].args[0];
    if (a0->kind == TARG_LIT || a0->kind == TARG_NIL)
      return fail(ps, "non executable command in pipeline stage %zu", i + 1), NULL;
  }
  return p;
}

/* ---- the list of nodes ---- */

enum list_end { END_EOF, END_END, END_ELSE };

static int parse_list(struct parser *ps, struct tlist *l, enum list_end *how);

static void list_add(struct parser *ps, struct tlist *l, struct tnode *n) {
  l->v = grow(ps, l->v, l->n, sizeof(struct tnode *));
  l->v[l->n++] = n;
}

static bool keyword(struct parser *ps, const char *kw) {
  struct tok *t = peek(ps);
  return t->kind == T_IDENT && t->len == strlen(kw) && strncmp(t->s, kw, t->len) == 0;
}

static int expect_end_of_action(struct parser *ps, const char *what) {
  struct tok *t = peek(ps);
  if (t->kind != T_EOF)
    return fail(ps, "unexpected \"%.*s\" in %s", (int)t->len, t->s, what);
  return 0;
}

/* if/range/with: the pipeline, the body, an else branch; the variables
 * declared in the pipeline live until its {{end}}. */
static int parse_control(struct parser *ps, struct tnode *n, const char *name) {
  size_t vars = ps->nvars;
  if (++ps->depth > TMPL_MAX_DEPTH)
    return fail(ps, "max expression depth exceeded");
  n->pipe = parse_pipeline(ps, name, true, false);
  if (!n->pipe)
    return -1;
  if (n->kind == TNODE_RANGE)
    ps->ranges++;
  enum list_end how;
  if (parse_list(ps, &n->body, &how) < 0)
    return -1;
  if (n->kind == TNODE_RANGE)
    ps->ranges--;
  if (how == END_EOF)
    return fail(ps, "unexpected EOF");
  if (how == END_ELSE) {
    /* {{else if ...}} and {{else with ...}}: a nested node that ends
     * with the same {{end}} */
    if ((keyword(ps, "if") && n->kind == TNODE_IF) ||
        (keyword(ps, "with") && n->kind == TNODE_WITH)) {
      next(ps);
      struct tnode *inner = alloc(ps, sizeof(*inner));
      inner->kind = n->kind;
      list_add(ps, &n->otherwise, inner);
      ps->nvars = vars;
      int r = parse_control(ps, inner, name);
      ps->depth--;
      return r;
    }
    if (expect_end_of_action(ps, "else") < 0)
      return -1;
    if (parse_list(ps, &n->otherwise, &how) < 0)
      return -1;
    if (how != END_END)
      return fail(ps, how == END_EOF ? "unexpected EOF" : "expected end; found {{else}}");
  }
  ps->nvars = vars;
  ps->depth--;
  return 0;
}

/* One action, ps->toks lexed; adds to l or reports how the list ends. */
static int parse_action(struct parser *ps, struct tlist *l, enum list_end *how, bool *ended) {
  static const struct {
    const char *kw;
    enum tnode_kind kind;
  } controls[] = {{"if", TNODE_IF}, {"range", TNODE_RANGE}, {"with", TNODE_WITH}};
  if (keyword(ps, "end") || keyword(ps, "else")) {
    *how = keyword(ps, "end") ? END_END : END_ELSE;
    next(ps);
    *ended = true;
    return *how == END_END ? expect_end_of_action(ps, "end") : 0;
  }
  for (size_t i = 0; i < sizeof(controls) / sizeof(controls[0]); i++) {
    if (keyword(ps, controls[i].kw)) {
      next(ps);
      struct tnode *n = alloc(ps, sizeof(*n));
      n->kind = controls[i].kind;
      list_add(ps, l, n);
      return parse_control(ps, n, controls[i].kw);
    }
  }
  if (keyword(ps, "break") || keyword(ps, "continue")) {
    bool brk = keyword(ps, "break");
    next(ps);
    if (ps->ranges == 0)
      return fail(ps, "{{%s}} outside {{range}}", brk ? "break" : "continue");
    struct tnode *n = alloc(ps, sizeof(*n));
    n->kind = brk ? TNODE_BREAK : TNODE_CONTINUE;
    list_add(ps, l, n);
    return expect_end_of_action(ps, brk ? "{{break}}" : "{{continue}}");
  }
  if (keyword(ps, "define") || keyword(ps, "template") || keyword(ps, "block"))
    return fail(ps, "{{%.*s}} is not supported", (int)peek(ps)->len, peek(ps)->s);
  struct tnode *n = alloc(ps, sizeof(*n));
  n->kind = TNODE_ACTION;
  n->pipe = parse_pipeline(ps, "command", true, false);
  if (!n->pipe)
    return -1;
  if (peek(ps)->kind == T_RPAREN)
    return fail(ps, "unexpected right paren");
  list_add(ps, l, n);
  return 0;
}

static void add_text(struct parser *ps, struct tlist *l, const char *s, size_t len) {
  if (len == 0)
    return;
  struct tnode *n = alloc(ps, sizeof(*n));
  n->kind = TNODE_TEXT;
  n->text = s;
  n->len = len;
  list_add(ps, l, n);
}

static void count_lines(struct parser *ps, const char *s, const char *e) {
  for (; s < e; s++)
    if (*s == '\n')
      ps->line++;
}

/* A comment action (slash-star to star-slash): skipped, with its trim
 * markers. */
static int skip_comment(struct parser *ps, const char *p, const char **after, bool *trim_right) {
  const char *close = strstr(p + 2, "*/");
  if (!close)
    return fail(ps, "unclosed comment");
  count_lines(ps, p, close);
  const char *q = close + 2;
  *trim_right = false;
  if (q[0] == ' ' && q[1] == '-' && q[2] == '}' && q[3] == '}') {
    *trim_right = true;
    q += 4;
  } else if (q[0] == '}' && q[1] == '}') {
    q += 2;
  } else {
    return fail(ps, "comment ends before closing delimiter");
  }
  *after = q;
  return 0;
}

static int parse_list(struct parser *ps, struct tlist *l, enum list_end *how) {
  for (;;) {
    const char *open = strstr(ps->p, "{{");
    const char *text_end = open ? open : ps->p + strlen(ps->p);
    const char *inner = open ? open + 2 : NULL;
    /* "{{- " trims the whitespace before the action */
    if (open && inner[0] == '-' &&
        (inner[1] == ' ' || inner[1] == '\t' || inner[1] == '\n' || inner[1] == '\r')) {
      inner += 2;
      while (text_end > ps->p && isspace((unsigned char)text_end[-1]))
        text_end--;
    }
    add_text(ps, l, ps->p, (size_t)(text_end - ps->p));
    count_lines(ps, ps->p, open ? open : text_end);
    if (!open) {
      ps->p = text_end;
      *how = END_EOF;
      return 0;
    }
    const char *after = NULL;
    bool trim_right = false;
    const char *c = inner;
    while (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r')
      c++;
    if (c[0] == '/' && c[1] == '*') {
      if (skip_comment(ps, c, &after, &trim_right) < 0)
        return -1;
    } else {
      const char *close = NULL;
      if (lex_action(ps, inner, &close) < 0)
        return -1;
      trim_right = close[0] == '-';
      /* the body of an if/range/with is parsed from after this action */
      ps->p = close + (trim_right ? 3 : 2);
      if (trim_right)
        ps->p = skip_space(ps, ps->p, ps->p + strlen(ps->p));
      bool ended = false;
      if (parse_action(ps, l, how, &ended) < 0)
        return -1;
      if (ended)
        return 0;
      if (peek(ps)->kind != T_EOF)
        return fail(ps, "unexpected \"%.*s\" in command", (int)peek(ps)->len, peek(ps)->s);
      continue;
    }
    ps->p = after;
    if (trim_right)
      ps->p = skip_space(ps, ps->p, ps->p + strlen(ps->p));
  }
}

int hutch_template_parse(const char *text, struct hutch_template **out, struct hutch_error **err) {
  struct hutch_template *t = calloc(1, sizeof(*t));
  if (!t || !(t->src = strdup(text)) || !(t->lits = json_array())) {
    hutch_template_free(t);
    return hutch_error_set(err, ENOMEM, "template");
  }
  struct parser ps = {.t = t, .p = t->src, .line = 1};
  enum list_end how;
  int r = parse_list(&ps, &t->root, &how);
  if (r == 0 && how != END_EOF)
    r = fail(&ps, "unexpected {{%s}}", how == END_END ? "end" : "else");
  if (r < 0) {
    hutch_error_say(err, EINVAL, "%s", ps.err ? ps.err : "template: out of memory");
    free(ps.err);
    hutch_template_free(t);
    return -1;
  }
  *out = t;
  return 0;
}

void hutch_template_free(struct hutch_template *t) {
  if (!t)
    return;
  for (size_t i = 0; i < t->nallocs; i++)
    free(t->allocs[i]);
  free(t->allocs);
  json_decref(t->lits);
  free(t->src);
  free(t);
}
