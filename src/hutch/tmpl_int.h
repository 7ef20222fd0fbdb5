/* The template engine's insides, shared by its parser (tmpl_parse.c), its
 * evaluator (tmpl_exec.c) and its functions (tmpl_funcs.c). A template is
 * parsed once into a tree of nodes, as Go's text/template/parse does, and
 * run over jansson values.
 *
 * Values: a json_t * stands for a Go value (strings, ints, float64s,
 * bools, []interface{}, map[string]interface{}); JSON null is Go's nil
 * interface, and a NULL pointer is Go's invalid value (a missing map key),
 * which prints "<no value>". */
#pragma once

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum targ_kind {
  TARG_DOT,   /* . */
  TARG_FIELD, /* .A.B: fields of dot */
  TARG_VAR,   /* $x.A.B */
  TARG_LIT,   /* a string, number or bool */
  TARG_NIL,   /* nil */
  TARG_FUNC,  /* an identifier naming a function */
  TARG_PIPE,  /* (pipeline).A.B */
};

struct tpipe;

struct targ {
  enum targ_kind kind;
  const char *name;   /* TARG_VAR: "$x"; TARG_FUNC: the function */
  char **fields;      /* the field chain (NULL-terminated), may be NULL */
  json_t *lit;        /* TARG_LIT */
  struct tpipe *pipe; /* TARG_PIPE */
  const char *src;    /* the operand as written, for errors */
  int line, col;
};

struct tcmd {
  struct targ *args;
  size_t nargs;
};

struct tpipe {
  const char *decl[2]; /* $x := / $i, $v := ; NULL when none */
  size_t ndecl;
  bool assign; /* $x = (not :=) */
  struct tcmd *cmds;
  size_t ncmds;
  int line;
};

enum tnode_kind {
  TNODE_TEXT,
  TNODE_ACTION,
  TNODE_IF,
  TNODE_RANGE,
  TNODE_WITH,
  TNODE_BREAK,
  TNODE_CONTINUE
};

struct tlist {
  struct tnode **v;
  size_t n;
};

struct tnode {
  enum tnode_kind kind;
  const char *text; /* TNODE_TEXT */
  size_t len;
  struct tpipe *pipe;
  struct tlist body, otherwise; /* if/range/with: the else branch */
};

struct hutch_template {
  char *src; /* the template as given */
  struct tlist root;
  void **allocs; /* every allocation of the tree, freed together */
  size_t nallocs, cap;
  json_t *lits; /* an array holding the literals */
};

/* ---- functions (tmpl_funcs.c) ---- */

/* A function's result in *out (a new reference, NULL for "no value") or
 * an error text in *errmsg (malloc'ed). */
typedef int (*tfunc_fn)(json_t *const *args, size_t n, json_t **out, char **errmsg);
struct tfunc {
  const char *name;
  int min, max; /* number of arguments; max -1: any */
  tfunc_fn fn;
  bool header_identity; /* in a table's header row it returns its first argument */
};
/* The function named name, NULL when there is none. and/or have no fn:
 * they evaluate their arguments lazily (tmpl_exec.c). */
const struct tfunc *tmpl_func(const char *name);

/* ---- printing values as Go's fmt does (tmpl_funcs.c) ---- */

/* Go's type name for a value: "string", "int", "float64", "bool",
 * "[]interface {}", "map[string]interface {}", "<nil>". */
const char *tmpl_type_name(const json_t *v);
/* fmt.Print of v (%v): maps as map[k:v ...] with sorted keys, arrays as
 * [a b], nil as <nil>. */
void tmpl_print_value(FILE *f, const json_t *v);
/* The keys of an object, sorted as Go ranges over a map; caller frees
 * the array (not the keys). */
const char **tmpl_sorted_keys(const json_t *o, size_t *n);
/* Go's truth: false, 0, "", empty arrays and maps, nil and no value are
 * false. */
bool tmpl_truth(const json_t *v);
/* Go's fmt.Fprintf of the operands a[0..n) (tmpl_printf.c). */
int tmpl_sprintf(const char *fmt, json_t *const *a, size_t n, FILE *out);
/* "msg" as a new string built from a printf format. */
char *tmpl_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *tmpl_vstrf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
