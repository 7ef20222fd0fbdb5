/* The CLI's flag parser; see flags.h. */
#include "flags.h"

#include "commands.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *parent = "hutch";
/* Set by hutch_cmd_describe(): the next parse copies its table here. */
static struct hutch_cmd_desc *describing;
static int described; /* 0: not yet, 1: copied, -1: the copy failed */

const char *hutch_flags_parent(void) {
  return parent;
}

int hutch_flags_status(int r) {
  return r > 0 ? 0 : r == -2 ? 1 : HUTCH_EXIT_USAGE;
}

static const char *type_name(const struct hutch_flag *f) {
  if (f->type)
    return f->type;
  switch (f->kind) {
  case HUTCH_FLAG_STRING:
    return "string";
  case HUTCH_FLAG_INT:
    return "int";
  case HUTCH_FLAG_LIST:
    return "list";
  default:
    return "";
  }
}

/* "hutch container ls", or "hutch" for hutch itself. */
static const char *cmd_path(const char *name) {
  static char buf[128];
  if (strcmp(parent, "hutch") == 0 && strcmp(name, "hutch") == 0)
    return "hutch";
  snprintf(buf, sizeof(buf), "%s %s", parent, name);
  return buf;
}

static void print_subs(FILE *out, const struct hutch_cmd *cmd, const char *name) {
  if (!cmd->subs)
    return;
  fprintf(out, "\nCommands:\n");
  for (const struct hutch_subcmd *s = cmd->subs; s->name; s++)
    if (s->summary)
      fprintf(out, "  %-11s %s\n", s->name, s->summary);
  fprintf(out, "\nRun '%s COMMAND --help' for more information on a command.\n", cmd_path(name));
}

void hutch_flags_help(FILE *out, const struct hutch_cmd *cmd, const char *name) {
  fprintf(out, "Usage:  %s%s%s\n\n%s\n", cmd_path(name), cmd->usage && *cmd->usage ? " " : "",
          cmd->usage ? cmd->usage : "", cmd->summary ? cmd->summary : "");
  int width = 0;
  bool any = false;
  for (const struct hutch_flag *f = cmd->flags; f && f->name; f++) {
    if (f->hidden)
      continue;
    any = true;
    int w = 6 + 2 + (int)strlen(f->name) + (*type_name(f) ? 1 + (int)strlen(type_name(f)) : 0);
    if (w > width)
      width = w;
  }
  if (any)
    fprintf(out, "\nOptions:\n");
  for (const struct hutch_flag *f = cmd->flags; f && f->name; f++) {
    if (f->hidden)
      continue;
    char col[160];
    const char *t = type_name(f);
    if (f->shorthand)
      snprintf(col, sizeof(col), "  -%c, --%s%s%s", f->shorthand, f->name, *t ? " " : "", t);
    else
      snprintf(col, sizeof(col), "      --%s%s%s", f->name, *t ? " " : "", t);
    fprintf(out, "%-*s   %s\n", width, col, f->help ? f->help : "");
  }
  print_subs(out, cmd, name);
}

static void see_help(const char *name) {
  fprintf(stderr, "See '%s --help'.\n", cmd_path(name));
}

/* pflag's ParseBool spellings. */
static int parse_bool(const char *s, bool *out) {
  static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
  static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};
  for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
    if (strcmp(s, yes[i]) == 0)
      return *out = true, 0;
    if (strcmp(s, no[i]) == 0)
      return *out = false, 0;
  }
  return -1;
}

/* The flag as docker names it in a message: "-n, --tail" or "--tail". */
static void flag_label(const struct hutch_flag *f, char *buf, size_t n) {
  if (f->shorthand)
    snprintf(buf, n, "-%c, --%s", f->shorthand, f->name);
  else
    snprintf(buf, n, "--%s", f->name);
}

static int set_value(const struct hutch_flag *f, const char *v, const char *name) {
  char label[96];
  flag_label(f, label, sizeof(label));
  switch (f->kind) {
  case HUTCH_FLAG_BOOL:
    if (v == NULL) {
      *(bool *)f->value = true;
    } else if (parse_bool(v, f->value) < 0) {
      fprintf(stderr, "invalid argument \"%s\" for \"%s\" flag: not a boolean (true or false)\n", v,
              label);
      see_help(name);
      return -1;
    }
    return 0;
  case HUTCH_FLAG_STRING:
    *(const char **)f->value = v;
    return 0;
  case HUTCH_FLAG_INT: {
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno) {
      fprintf(stderr, "invalid argument \"%s\" for \"%s\" flag: not an integer\n", v, label);
      see_help(name);
      return -1;
    }
    *(int64_t *)f->value = n;
    return 0;
  }
  case HUTCH_FLAG_LIST:
    /* docker's filter values are checked by its parser (exit 125) */
    if (f->type && strcmp(f->type, "filter") == 0 && !strchr(v, '=')) {
      fprintf(stderr,
              "invalid argument \"%s\" for \"%s\" flag: bad format of filter (expected "
              "name=value)\n",
              v, label);
      see_help(name);
      return -1;
    }
    if (hutch_strv_push(f->value, v) < 0) {
      fprintf(stderr, "%s: out of memory\n", parent);
      return -1;
    }
    return 0;
  }
  return -1;
}

static const struct hutch_flag *find_long(const struct hutch_cmd *cmd, const char *name,
                                          size_t len) {
  for (const struct hutch_flag *f = cmd->flags; f && f->name; f++)
    if (strlen(f->name) == len && strncmp(f->name, name, len) == 0)
      return f;
  return NULL;
}

static const struct hutch_flag *find_short(const struct hutch_cmd *cmd, char c) {
  for (const struct hutch_flag *f = cmd->flags; f && f->name; f++)
    if (f->shorthand == c)
      return f;
  return NULL;
}

/* --name, --name=value, --name value. Returns 0, 1 for help, -1. */
static int parse_long(const struct hutch_cmd *cmd, const char *name, int argc, char **argv,
                      int *i) {
  const char *arg = argv[*i] + 2;
  const char *eq = strchr(arg, '=');
  size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
  const struct hutch_flag *f = find_long(cmd, arg, len);
  if (!f && len == 4 && strncmp(arg, "help", 4) == 0)
    return 1;
  if (!f) {
    fprintf(stderr, "unknown flag: --%.*s\n", (int)len, arg);
    see_help(name);
    return -1;
  }
  if (f->kind == HUTCH_FLAG_BOOL || eq)
    return set_value(f, eq ? eq + 1 : NULL, name);
  if (*i + 1 >= argc) {
    fprintf(stderr, "flag needs an argument: --%s\n", f->name);
    see_help(name);
    return -1;
  }
  return set_value(f, argv[++*i], name);
}

/* -a, -abc, -n5, -n 5, -n=5, -d=false. */
static int parse_short(const struct hutch_cmd *cmd, const char *name, int argc, char **argv,
                       int *i) {
  const char *arg = argv[*i];
  for (const char *p = arg + 1; *p; p++) {
    const struct hutch_flag *f = find_short(cmd, *p);
    if (!f && *p == 'h')
      return 1;
    if (!f) {
      fprintf(stderr, "unknown shorthand flag: '%c' in %s\n", *p, arg);
      see_help(name);
      return -1;
    }
    if (p[1] == '=')
      return set_value(f, p + 2, name);
    if (f->kind == HUTCH_FLAG_BOOL) {
      if (set_value(f, NULL, name) < 0)
        return -1;
      continue;
    }
    if (p[1])
      return set_value(f, p + 1, name);
    if (*i + 1 >= argc) {
      fprintf(stderr, "flag needs an argument: '%c' in %s\n", *p, arg);
      see_help(name);
      return -1;
    }
    return set_value(f, argv[++*i], name);
  }
  return 0;
}

static int check_args(const struct hutch_cmd *cmd, const char *name, int n) {
  char msg[96];
  if (cmd->max_args == 0 && n > 0)
    snprintf(msg, sizeof(msg), "accepts no arguments");
  else if (cmd->min_args == cmd->max_args && n != cmd->min_args)
    snprintf(msg, sizeof(msg), "requires exactly %d argument%s", cmd->min_args,
             cmd->min_args == 1 ? "" : "s");
  else if (n < cmd->min_args && cmd->max_args < 0)
    snprintf(msg, sizeof(msg), "requires at least %d argument%s", cmd->min_args,
             cmd->min_args == 1 ? "" : "s");
  else if (cmd->min_args == 0 && cmd->max_args >= 0 && n > cmd->max_args)
    snprintf(msg, sizeof(msg), "requires at most %d argument%s", cmd->max_args,
             cmd->max_args == 1 ? "" : "s");
  else if (n < cmd->min_args || (cmd->max_args >= 0 && n > cmd->max_args))
    snprintf(msg, sizeof(msg), "requires at least %d and at most %d arguments", cmd->min_args,
             cmd->max_args);
  else
    return 0;
  /* docker's wording; like docker, exit status 1 (not 125) */
  fprintf(stderr, "hutch: '%s' %s\n\nUsage:  %s %s\n\nSee '%s --help' for more information\n",
          cmd_path(name), msg, cmd_path(name), cmd->usage ? cmd->usage : "", cmd_path(name));
  return -2;
}

static char *dup_or_null(const char *s) {
  return s ? strdup(s) : NULL;
}

/* Copy cmd's table (and the strings in it: a table may build its help in
 * a buffer on the stack) into describing. */
static int describe_copy(const struct hutch_cmd *cmd) {
  struct hutch_cmd_desc *d = describing;
  size_t n = 0;
  while (cmd->flags && cmd->flags[n].name)
    n++;
  d->flags = calloc(n + 1, sizeof(*d->flags));
  if (!d->flags)
    return -1;
  d->cmd = *cmd;
  d->cmd.flags = d->flags;
  d->cmd.usage = dup_or_null(cmd->usage);
  d->cmd.summary = dup_or_null(cmd->summary);
  d->cmd.description = dup_or_null(cmd->description);
  for (size_t i = 0; i < n; i++) {
    d->flags[i] = cmd->flags[i];
    d->flags[i].value = NULL;
    d->flags[i].name = dup_or_null(cmd->flags[i].name);
    d->flags[i].help = dup_or_null(cmd->flags[i].help);
    d->flags[i].type = dup_or_null(cmd->flags[i].type);
    if (!d->flags[i].name)
      return -1;
  }
  return 0;
}

void hutch_cmd_desc_clear(struct hutch_cmd_desc *d) {
  for (struct hutch_flag *f = d->flags; f && f->name; f++) {
    free((char *)f->name);
    free((char *)f->help);
    free((char *)f->type);
  }
  free(d->flags);
  free((char *)d->cmd.usage);
  free((char *)d->cmd.summary);
  free((char *)d->cmd.description);
  *d = (struct hutch_cmd_desc){0};
}

int hutch_cmd_describe(int (*fn)(int argc, char **argv), const char *name,
                       struct hutch_cmd_desc *out) {
  char *argv[] = {(char *)name, NULL};
  *out = (struct hutch_cmd_desc){0};
  describing = out;
  described = 0;
  fn(1, argv);
  describing = NULL;
  if (described > 0)
    return 0;
  hutch_cmd_desc_clear(out);
  return -1;
}

int hutch_flags_parse(const struct hutch_cmd *cmd, int argc, char **argv, int *nargs) {
  const char *name = argv[0];
  if (describing) {
    /* the command's first parse is its own; later ones (none today) are not */
    if (!described)
      described = describe_copy(cmd) == 0 ? 1 : -1;
    return 1;
  }
  bool done = false;
  int w = 1; /* positionals are moved down to argv[w]; w <= i always */
  for (int i = 1; i < argc; i++) {
    char *a = argv[i];
    int r = 0;
    if (done || a[0] != '-' || a[1] == '\0') {
      argv[w++] = a;
      done = done || cmd->no_interspersed;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      done = true;
      continue;
    }
    /* 1: --help, or -h where the command has no -h of its own */
    r = a[1] == '-' ? parse_long(cmd, name, argc, argv, &i)
                    : parse_short(cmd, name, argc, argv, &i);
    if (r == 1) {
      hutch_flags_help(stdout, cmd, name);
      return 1;
    }
    if (r != 0)
      return -1;
  }
  argv[w] = NULL;
  *nargs = w - 1;
  return check_args(cmd, name, w - 1);
}

int hutch_args_parse(const char *usage, const char *summary, int min_args, int max_args, int argc,
                     char **argv, int *nargs) {
  const struct hutch_flag none[] = {{0}};
  const struct hutch_cmd cmd = {usage, summary, none, min_args, max_args};
  return hutch_flags_parse(&cmd, argc, argv, nargs);
}

int hutch_subcmd_dispatch(const char *summary, const struct hutch_subcmd *subs, int argc,
                          char **argv) {
  static char path[64];
  const struct hutch_flag flags[] = {{0}};
  const struct hutch_cmd cmd = {"COMMAND",   summary, flags, 0, -1, .no_interspersed = true,
                                .subs = subs};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (n == 0) {
    hutch_flags_help(stderr, &cmd, argv[0]);
    return 0;
  }
  for (const struct hutch_subcmd *s = subs; s->name; s++) {
    if (strcmp(s->name, argv[1]) != 0)
      continue;
    snprintf(path, sizeof(path), "%s", cmd_path(argv[0]));
    parent = path;
    return s->fn(n, argv + 1);
  }
  fprintf(stderr, "hutch: unknown command: %s %s\n", cmd_path(argv[0]), argv[1]);
  see_help(argv[0]);
  return 1;
}

bool hutch_confirm(const char *warning) {
  printf("%s\nAre you sure you want to continue? [y/N] ", warning);
  fflush(stdout);
  char line[64];
  if (!fgets(line, sizeof(line), stdin))
    return false;
  line[strcspn(line, "\r\n")] = '\0';
  return strcmp(line, "y") == 0 || strcmp(line, "Y") == 0;
}
