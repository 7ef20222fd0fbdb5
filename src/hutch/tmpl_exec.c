/* The template evaluator: walks the parsed tree (tmpl_int.h) over a
 * json_t, as Go's text/template/exec.go walks its values: fields of maps
 * (a missing key is "no value", a field of nil an error), variables in
 * scopes that if/range/with open and {{end}} closes, pipelines that pass
 * each command's result as the next one's last argument. Errors read as
 * Go's: template: :LINE:COL: executing "" at <OPERAND>: WHY. */
#include "template.h"
#include "tmpl_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct tvar {
  const char *name;
  json_t *val; /* owned; NULL: no value */
};

struct exec {
  FILE *out;
  bool header;
  struct tvar *vars;
  size_t nvars, cap;
  enum { FLOW_NEXT, FLOW_BREAK, FLOW_CONTINUE } flow;
  const struct targ *at;  /* the operand being evaluated, for errors */
  const char *last_field; /* the last field walked, when it had no value */
  int line;
  char *err;
};

static int fail(struct exec *ex, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct exec *ex, const char *fmt, ...) {
  if (ex->err)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  char *m = tmpl_vstrf(fmt, ap);
  va_end(ap);
  if (ex->at)
    ex->err = tmpl_strf("template: :%d:%d: executing \"\" at <%s>: %s", ex->at->line, ex->at->col,
                        ex->at->src, m ? m : "out of memory");
  else
    ex->err = tmpl_strf("template: :%d: executing \"\": %s", ex->line, m ? m : "out of memory");
  free(m);
  return -1;
}

static int var_push(struct exec *ex, const char *name, json_t *val) {
  if (ex->nvars == ex->cap) {
    size_t cap = ex->cap ? ex->cap * 2 : 8;
    struct tvar *v = realloc(ex->vars, cap * sizeof(*v));
    if (!v)
      return fail(ex, "out of memory");
    ex->vars = v;
    ex->cap = cap;
  }
  ex->vars[ex->nvars++] = (struct tvar){name, val};
  return 0;
}

static void var_pop_to(struct exec *ex, size_t mark) {
  while (ex->nvars > mark)
    json_decref(ex->vars[--ex->nvars].val);
}

static struct tvar *var_find(struct exec *ex, const char *name) {
  for (size_t i = ex->nvars; i > 0; i--)
    if (strcmp(ex->vars[i - 1].name, name) == 0)
      return &ex->vars[i - 1];
  return NULL;
}

static json_t *ref(const json_t *v) {
  return json_incref((json_t *)v);
}

static bool is_map_field(const char *field);
static bool is_typed_field(const char *field);

/* v.F.G…; takes v's reference. docker's inspect runs its template over
 * typed structs first and then over the raw JSON with missingkey=error,
 * and its list commands over typed contexts: a field a struct does not
 * have is an error, a key a map (Labels, Options…) does not have, or a
 * nil map, is no value. A table's header row has only the columns'
 * names, so there a missing field is no value. */
static int walk_fields(struct exec *ex, json_t *v, char **fields, json_t **out) {
  const char *via = NULL; /* the field v was reached through */
  for (char **f = fields; f && *f; f++) {
    bool in_map = via && is_map_field(via);
    if (!v)
      break; /* a field of no value is no value, as Go's maps */
    if (json_is_null(v) && in_map) {
      json_decref(v);
      v = NULL;
      break;
    }
    if (json_is_null(v)) {
      json_decref(v);
      return fail(ex, "nil pointer evaluating interface {}.%s", *f);
    }
    if (!json_is_object(v)) {
      const char *type = tmpl_type_name(v);
      json_decref(v);
      return fail(ex, "can't evaluate field %s in type %s", *f, type);
    }
    json_t *next = ref(json_object_get(v, *f));
    json_decref(v);
    if (!next && !in_map && !ex->header && !is_typed_field(*f))
      return fail(ex, "map has no entry for key \"%s\"", *f);
    v = next;
    via = *f;
  }
  ex->last_field = NULL;
  if (fields && *fields && (!v || json_is_null(v)))
    for (char **f = fields; *f; f++)
      ex->last_field = *f;
  *out = v;
  return 0;
}

/* The fields of docker's API types that are Go slices and maps: a nil
 * one prints "[]" or "map[]", and a map's missing key is no value. */
static const char *const slice_fields[] = {
    "Cmd",      "Entrypoint",  "Env",           "OnBuild",        "Shell",
    "RepoTags", "RepoDigests", "Layers",        "Binds",          "Links",
    "Dns",      "DnsOptions",  "DnsSearch",     "ExtraHosts",     "CapAdd",
    "CapDrop",  "SecurityOpt", "GroupAdd",      "Devices",        "DeviceCgroupRules",
    "Mounts",   "VolumesFrom", "Ulimits",       "Aliases",        "Args",
    "ExecIDs",  "MaskedPaths", "ReadonlyPaths", "DeviceRequests", "SecondaryIPAddresses"};
static const char *const map_fields[] = {"Labels",  "Volumes",     "ExposedPorts", "Options",
                                         "Sysctls", "Tmpfs",       "StorageOpt",   "PortBindings",
                                         "Ports",   "DriverOpts",  "Networks",     "Containers",
                                         "Status",  "Annotations", "Attributes"};

static bool in_list(const char *field, const char *const *list, size_t n) {
  for (size_t i = 0; field && i < n; i++)
    if (strcmp(field, list[i]) == 0)
      return true;
  return false;
}

/* Pointer fields of docker's types that its JSON omits when nil
 * (omitempty): Go prints such a nil pointer as "<nil>". */
static const char *const pointer_fields[] = {
    "Health",    "Healthcheck",   "StopTimeout", "SizeRw",          "SizeRootFs",
    "UsageData", "ClusterVolume", "Descriptor",  "ContainerConfig", "Node"};
/* Other omitempty fields: a missing one is no value, not an error. */
static const char *const optional_fields[] = {
    "StopSignal", "ArgsEscaped",   "NetworkDisabled", "MacAddress", "Variant",  "OsVersion",
    "Container",  "DockerVersion", "Manifests",       "Peers",      "Services", "ConfigFrom"};

#define IN_LIST(field, list) in_list(field, list, sizeof(list) / sizeof(*list))

static bool is_map_field(const char *field) {
  return IN_LIST(field, map_fields);
}

/* A field docker's structs always have, even when its JSON omits it. */
static bool is_typed_field(const char *field) {
  return IN_LIST(field, map_fields) || IN_LIST(field, slice_fields) ||
         IN_LIST(field, pointer_fields) || IN_LIST(field, optional_fields);
}

/* What Go prints for a field of docker's API types that holds nothing:
 * its CLI formats typed structs, where a nil slice prints "[]" and a nil
 * map "map[]" (`docker image inspect -f '{{.Config.Cmd}}'`: []); any
 * other value that is not there prints "<no value>". */
static const char *nil_text(const char *field) {
  if (IN_LIST(field, slice_fields))
    return "[]";
  if (is_map_field(field))
    return "map[]";
  if (IN_LIST(field, pointer_fields))
    return "<nil>";
  return "<no value>";
}

static int eval_pipeline(struct exec *ex, const json_t *dot, const struct tpipe *p, bool declare,
                         json_t **out);
static int eval_command(struct exec *ex, const json_t *dot, const struct tcmd *c, json_t *final,
                        bool has_final, json_t **out);

static int eval_arg(struct exec *ex, const json_t *dot, const struct targ *a, json_t **out) {
  const struct targ *saved = ex->at;
  ex->at = a;
  int r = 0;
  switch (a->kind) {
  case TARG_DOT:
    *out = ref(dot);
    break;
  case TARG_FIELD:
    r = walk_fields(ex, ref(dot), a->fields, out);
    break;
  case TARG_VAR: {
    struct tvar *v = strcmp(a->name, "$") == 0 ? &ex->vars[0] : var_find(ex, a->name);
    r = walk_fields(ex, ref(v ? v->val : NULL), a->fields, out);
    break;
  }
  case TARG_LIT:
    *out = ref(a->lit);
    break;
  case TARG_NIL:
    *out = json_null();
    break;
  case TARG_FUNC: { /* a function as an argument: called without arguments */
    struct tcmd c = {(struct targ *)a, 1};
    r = eval_command(ex, dot, &c, NULL, false, out);
    break;
  }
  case TARG_PIPE: {
    json_t *v = NULL;
    r = eval_pipeline(ex, dot, a->pipe, false, &v);
    if (r == 0)
      r = walk_fields(ex, v, a->fields, out);
    break;
  }
  }
  if (r == 0)
    ex->at = saved;
  return r;
}

/* and/or: Go evaluates their arguments only as far as needed and returns
 * the argument that decided. */
static int eval_andor(struct exec *ex, const json_t *dot, const struct tcmd *c, json_t *final,
                      bool has_final, json_t **out) {
  bool is_and = strcmp(c->args[0].name, "and") == 0;
  size_t n = c->nargs - 1 + (has_final ? 1 : 0);
  if (n < 1)
    return fail(ex, "wrong number of args for %s: want at least 1 got 0", c->args[0].name);
  json_t *v = NULL;
  for (size_t i = 0; i < n; i++) {
    json_decref(v);
    v = NULL;
    if (i + 1 < c->nargs) {
      if (eval_arg(ex, dot, &c->args[i + 1], &v) < 0)
        return -1;
    } else {
      v = ref(final);
    }
    if (tmpl_truth(v) != is_and)
      break;
  }
  *out = v;
  return 0;
}

static int call(struct exec *ex, const json_t *dot, const struct tcmd *c, json_t *final,
                bool has_final, json_t **out) {
  const struct targ *head = &c->args[0];
  const struct tfunc *f = tmpl_func(head->name);
  if (!f->fn)
    return eval_andor(ex, dot, c, final, has_final, out);
  size_t n = c->nargs - 1 + (has_final ? 1 : 0);
  if ((int)n < f->min || (f->max >= 0 && (int)n > f->max)) {
    ex->at = head;
    if (f->max < 0)
      return fail(ex, "wrong number of args for %s: want at least %d got %zu", f->name, f->min, n);
    return fail(ex, "wrong number of args for %s: want %d got %zu", f->name, f->min, n);
  }
  json_t **args = calloc(n + 1, sizeof(json_t *));
  if (!args)
    return fail(ex, "out of memory");
  int r = 0;
  for (size_t i = 0; i + 1 < c->nargs && r == 0; i++)
    r = eval_arg(ex, dot, &c->args[i + 1], &args[i]);
  if (has_final)
    args[n - 1] = ref(final);
  /* Go hands a function nil for no value */
  for (size_t i = 0; i < n && r == 0; i++)
    if (!args[i])
      args[i] = json_null();
  if (r == 0) {
    ex->at = head;
    char *msg = NULL;
    if (ex->header && f->header_identity) {
      *out = ref(args[0]);
    } else if ((r = f->fn(args, n, out, &msg)) < 0) {
      /* -2: a wrong argument, which Go reports without "error calling" */
      r = r == -2 ? fail(ex, "%s", msg ? msg : "out of memory")
                  : fail(ex, "error calling %s: %s", f->name, msg ? msg : "out of memory");
      free(msg);
    }
  }
  for (size_t i = 0; i < n; i++)
    json_decref(args[i]);
  free(args);
  return r;
}

/* The header of a Label column, as docker's SubHeaderContext.Label: the
 * key's last dotted part, '-' and '_' made spaces. */
static json_t *label_header(const char *key) {
  const char *dot = strrchr(key, '.');
  char *h = strdup(dot ? dot + 1 : key);
  for (char *p = h; p && *p; p++)
    if (*p == '-' || *p == '_')
      *p = ' ';
  json_t *j = json_string(h ? h : "");
  free(h);
  return j;
}

/* docker's Label method ({{.Label "com.example.x"}} on ps, volume and
 * network rows): a map field given one string argument is looked up
 * with it, "" when the key is not there, as docker's method returns. */
static int eval_method(struct exec *ex, const json_t *dot, const struct tcmd *c, json_t **out) {
  json_t *m = NULL, *key = NULL;
  if (eval_arg(ex, dot, &c->args[1], &key) < 0)
    return -1;
  if (!json_is_string(key)) {
    ex->at = &c->args[1];
    fail(ex, "wrong type for value; expected string; got %s", tmpl_type_name(key));
    json_decref(key);
    return -1;
  }
  if (ex->header) {
    *out = label_header(json_string_value(key));
    json_decref(key);
    return 0;
  }
  int r = eval_arg(ex, dot, &c->args[0], &m);
  if (r == 0 && !json_is_object(m)) {
    ex->at = &c->args[0];
    r = fail(ex, "can't give argument to non-function %s", c->args[0].src);
  }
  if (r == 0) {
    json_t *v = json_object_get(m, json_string_value(key));
    *out = v ? json_incref(v) : json_string("");
  }
  json_decref(m);
  json_decref(key);
  return r;
}

static int eval_command(struct exec *ex, const json_t *dot, const struct tcmd *c, json_t *final,
                        bool has_final, json_t **out) {
  const struct targ *head = &c->args[0];
  if (head->kind == TARG_FUNC)
    return call(ex, dot, c, final, has_final, out);
  ex->at = head;
  if (head->kind == TARG_NIL)
    return fail(ex, "nil is not a command");
  if (head->kind == TARG_FIELD && c->nargs == 2 && !has_final)
    return eval_method(ex, dot, c, out);
  if (c->nargs > 1 || has_final)
    return fail(ex, "can't give argument to non-function %s", head->src);
  return eval_arg(ex, dot, head, out);
}

static int eval_pipeline(struct exec *ex, const json_t *dot, const struct tpipe *p, bool declare,
                         json_t **out) {
  json_t *v = NULL;
  ex->line = p->line;
  for (size_t i = 0; i < p->ncmds; i++) {
    json_t *next = NULL;
    int r = eval_command(ex, dot, &p->cmds[i], v, i > 0, &next);
    json_decref(v);
    if (r < 0)
      return -1;
    v = next;
  }
  if (declare && p->ndecl == 1) {
    struct tvar *var = p->assign ? var_find(ex, p->decl[0]) : NULL;
    if (var) {
      json_decref(var->val);
      var->val = ref(v);
    } else if (var_push(ex, p->decl[0], ref(v)) < 0) {
      json_decref(v);
      return -1;
    }
  }
  *out = v;
  return 0;
}

static int exec_list(struct exec *ex, const json_t *dot, const struct tlist *l);

/* One iteration of range: the variables, then the body. */
static int range_step(struct exec *ex, const struct tnode *n, json_t *key, const json_t *elem) {
  size_t mark = ex->nvars;
  const struct tpipe *p = n->pipe;
  int r = 0;
  if (p->ndecl == 1)
    r = var_push(ex, p->decl[0], ref(elem));
  else if (p->ndecl == 2)
    r = var_push(ex, p->decl[0], ref(key)) < 0 ? -1 : var_push(ex, p->decl[1], ref(elem));
  if (r == 0)
    r = exec_list(ex, elem, &n->body);
  var_pop_to(ex, mark);
  if (ex->flow == FLOW_CONTINUE)
    ex->flow = FLOW_NEXT;
  return r;
}

static int exec_range(struct exec *ex, const json_t *dot, const struct tnode *n, json_t *v) {
  size_t count = 0;
  int r = 0;
  if (json_is_array(v)) {
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
      json_t *k = json_integer((json_int_t)i);
      r = range_step(ex, n, k, e);
      json_decref(k);
      count++;
      if (r < 0 || ex->flow == FLOW_BREAK)
        break;
    }
  } else if (json_is_object(v)) {
    size_t nk, i;
    const char **keys = tmpl_sorted_keys(v, &nk);
    if (!keys)
      return fail(ex, "out of memory");
    for (i = 0; i < nk && r == 0 && ex->flow != FLOW_BREAK; i++) {
      json_t *key = json_string(keys[i]);
      r = range_step(ex, n, key, json_object_get(v, keys[i]));
      json_decref(key);
      count++;
    }
    free(keys);
  } else if (json_is_integer(v)) {
    for (json_int_t i = 0; i < json_integer_value(v) && r == 0 && ex->flow != FLOW_BREAK; i++) {
      json_t *e = json_integer(i);
      r = range_step(ex, n, e, e);
      json_decref(e);
      count++;
    }
  } else if (v && !json_is_null(v)) {
    char *s = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&s, &len);
    tmpl_print_value(m, v);
    fclose(m);
    r = fail(ex, "range can't iterate over %s", s ? s : "");
    free(s);
  }
  if (ex->flow == FLOW_BREAK)
    ex->flow = FLOW_NEXT;
  if (r == 0 && count == 0)
    r = exec_list(ex, dot, &n->otherwise);
  return r;
}

static int exec_node(struct exec *ex, const json_t *dot, const struct tnode *n) {
  if (n->kind == TNODE_TEXT) {
    fwrite(n->text, 1, n->len, ex->out);
    return 0;
  }
  if (n->kind == TNODE_BREAK || n->kind == TNODE_CONTINUE) {
    ex->flow = n->kind == TNODE_BREAK ? FLOW_BREAK : FLOW_CONTINUE;
    return 0;
  }
  size_t mark = ex->nvars;
  json_t *v = NULL;
  if (eval_pipeline(ex, dot, n->pipe, n->kind != TNODE_RANGE, &v) < 0)
    return -1;
  int r = 0;
  switch (n->kind) {
  case TNODE_ACTION:
    /* an action that declares a variable prints nothing */
    if (n->pipe->ndecl == 0) {
      if (!v || json_is_null(v))
        fputs(nil_text(ex->last_field), ex->out);
      else
        tmpl_print_value(ex->out, v);
    }
    json_decref(v);
    return 0; /* its variable lives on to the end of the enclosing list */
  case TNODE_IF:
    r = exec_list(ex, dot, tmpl_truth(v) ? &n->body : &n->otherwise);
    break;
  case TNODE_WITH:
    r = tmpl_truth(v) ? exec_list(ex, v, &n->body) : exec_list(ex, dot, &n->otherwise);
    break;
  case TNODE_RANGE:
    r = exec_range(ex, dot, n, v);
    break;
  default:
    break;
  }
  json_decref(v);
  var_pop_to(ex, mark);
  return r;
}

static int exec_list(struct exec *ex, const json_t *dot, const struct tlist *l) {
  size_t mark = ex->nvars;
  int r = 0;
  for (size_t i = 0; i < l->n && r == 0 && ex->flow == FLOW_NEXT; i++)
    r = exec_node(ex, dot, l->v[i]);
  var_pop_to(ex, mark);
  return r;
}

int hutch_template_exec(const struct hutch_template *t, FILE *out, const json_t *data, bool header,
                        struct hutch_error **err) {
  struct exec ex = {.out = out, .header = header};
  int r = var_push(&ex, "$", ref(data));
  if (r == 0)
    r = exec_list(&ex, data, &t->root);
  var_pop_to(&ex, 0);
  free(ex.vars);
  if (r < 0) {
    hutch_error_say(err, EINVAL, "%s", ex.err ? ex.err : "template: out of memory");
    free(ex.err);
    return -1;
  }
  return 0;
}

int hutch_template_render(const char *text, const json_t *data, char **out,
                          struct hutch_error **err) {
  _cleanup_template_ struct hutch_template *t = NULL;
  if (hutch_template_parse(text, &t, err) < 0)
    return -1;
  size_t len = 0;
  FILE *m = open_memstream(out, &len);
  if (!m)
    return hutch_error_set(err, errno, "template");
  int r = hutch_template_exec(t, m, data, false, err);
  fclose(m);
  if (r < 0) {
    free(*out);
    *out = NULL;
  }
  return r;
}
