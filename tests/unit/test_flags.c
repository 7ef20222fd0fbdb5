/* The CLI's flag parser (src/hutch/flags.c): docker's pflag rules. */
#include "tap.h"

#include "flags.h"

#include "util/cleanup.h"
#include "util/strutil.h"

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

struct opts {
  bool force, interactive, tty, detach;
  const char *name;
  int64_t tail;
  char **env;
};

/* Parse a NULL-terminated argument list (copied: the parser moves it)
 * with rm-like flags; stdout (help) goes to /dev/null. */
static int parse(struct opts *o, bool no_interspersed, char **args, int *n, char ***out) {
  const struct hutch_flag flags[] = {
      {"force", 'f', HUTCH_FLAG_BOOL, &o->force, "force"},
      {"interactive", 'i', HUTCH_FLAG_BOOL, &o->interactive, "stdin"},
      {"tty", 't', HUTCH_FLAG_BOOL, &o->tty, "tty"},
      {"detach", 'd', HUTCH_FLAG_BOOL, &o->detach, "detach"},
      {"name", 0, HUTCH_FLAG_STRING, &o->name, "name"},
      {"tail", 'n', HUTCH_FLAG_INT, &o->tail, "tail"},
      {"env", 'e', HUTCH_FLAG_LIST, &o->env, "env"},
      {"pids-limit", 0, HUTCH_FLAG_INT, &o->tail, "pids"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] ARG...", "test", flags, 0, 3, no_interspersed};
  int argc = 0;
  while (args[argc])
    argc++;
  char **v = calloc((size_t)argc + 1, sizeof(char *));
  memcpy(v, args, (size_t)argc * sizeof(char *));
  fflush(stdout);
  int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
  dup2(null, STDOUT_FILENO);
  close(null);
  int r = hutch_flags_parse(&cmd, argc, v, n);
  fflush(stdout);
  dup2(saved, STDOUT_FILENO);
  close(saved);
  *out = v;
  return r;
}

#define ARGS(...) ((char *[]){"cmd", __VA_ARGS__, NULL})

static void clear(struct opts *o, char **v) {
  hutch_strv_free(o->env);
  *o = (struct opts){0};
  free(v);
}

/* Commands for hutch_cmd_describe(): one that would act after parsing,
 * one with a help text built on its stack, one that never parses. */
static bool acted;

static int fake_rm(int argc, char **argv) {
  bool force = false;
  char help[32];
  snprintf(help, sizeof(help), "Force %s", "it");
  const struct hutch_flag flags[] = {
      {"force", 'f', HUTCH_FLAG_BOOL, &force, help},
      {"time", 't', HUTCH_FLAG_INT, &force, "Seconds", "secs"},
      {"net", 0, HUTCH_FLAG_STRING, &force, "", NULL, true},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] CONTAINER [CONTAINER...]", "Remove", flags, 1, -1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  acted = true;
  return 0;
}

static int fake_noparse(int argc, char **argv) {
  (void)argc, (void)argv;
  return 0;
}

static void test_describe(void) {
  struct hutch_cmd_desc d;
  is_int(hutch_cmd_describe(fake_rm, "rm", &d), 0, "describe: a command that parses");
  ok(!acted, "describe: the command does not act");
  is_str(d.cmd.usage, "[OPTIONS] CONTAINER [CONTAINER...]", "describe: usage");
  is_str(d.cmd.summary, "Remove", "describe: summary");
  is_int(d.cmd.min_args, 1, "describe: min args");
  is_int(d.cmd.max_args, -1, "describe: max args");
  ok(d.cmd.flags == d.flags, "describe: cmd.flags is the copy");
  is_str(d.flags[0].name, "force", "describe: flag name");
  is_int(d.flags[0].shorthand, 'f', "describe: shorthand");
  is_str(d.flags[0].help, "Force it", "describe: help built on the stack is copied");
  ok(d.flags[0].value == NULL, "describe: no value pointer into a dead frame");
  is_str(d.flags[1].type, "secs", "describe: type");
  ok(d.flags[2].hidden, "describe: hidden kept");
  ok(d.flags[3].name == NULL, "describe: table ends");
  hutch_cmd_desc_clear(&d);
  is_int(hutch_cmd_describe(fake_noparse, "x", &d), -1, "describe: a command that never parses");
  ok(d.flags == NULL, "describe: nothing left behind");
  char *argv[] = {"rm", "a", NULL};
  is_int(fake_rm(2, argv), 0, "after describe, parsing is back to normal");
  ok(acted, "and the command acts");
}

int main(void) {
  test_describe();
  struct opts o = {0};
  char **v;
  int n, r;

  /* flags after positionals, order of positionals kept */
  r = parse(&o, false, ARGS("web", "-f", "db"), &n, &v);
  ok(r == 0 && o.force && n == 2, "interspersed: rm web -f db");
  is_str(v[1], "web", "first positional");
  is_str(v[2], "db", "second positional");
  ok(v[3] == NULL, "positionals NULL-terminated");
  clear(&o, v);

  r = parse(&o, true, ARGS("-i", "img", "-f", "x"), &n, &v);
  ok(r == 0 && o.interactive && !o.force && n == 3, "not interspersed: flags end at the image");
  is_str(v[2], "-f", "the command's own flags stay");
  clear(&o, v);

  r = parse(&o, false, ARGS("-f", "--", "-n", "--name"), &n, &v);
  ok(r == 0 && o.force && n == 2 && o.tail == 0, "-- ends flags");
  is_str(v[1], "-n", "after --: -n is an argument");
  clear(&o, v);

  r = parse(&o, false, ARGS("--forc"), &n, &v);
  is_int(r, -1, "no abbreviations: --forc is unknown");
  clear(&o, v);
  r = parse(&o, false, ARGS("--pid=100"), &n, &v);
  is_int(r, -1, "--pid is not --pids-limit");
  clear(&o, v);
  r = parse(&o, false, ARGS("--bogus", "x"), &n, &v);
  is_int(r, -1, "unknown long flag");
  clear(&o, v);
  r = parse(&o, false, ARGS("-x"), &n, &v);
  is_int(r, -1, "unknown shorthand");
  clear(&o, v);

  r = parse(&o, false, ARGS("-it"), &n, &v);
  ok(r == 0 && o.interactive && o.tty && !o.detach, "-it");
  clear(&o, v);
  r = parse(&o, false, ARGS("-itd", "x"), &n, &v);
  ok(r == 0 && o.interactive && o.tty && o.detach && n == 1, "-itd");
  clear(&o, v);
  r = parse(&o, false, ARGS("-itn5"), &n, &v);
  ok(r == 0 && o.tty && o.tail == 5, "-itn5: the last short takes the rest");
  clear(&o, v);
  r = parse(&o, false, ARGS("-n", "7"), &n, &v);
  ok(r == 0 && o.tail == 7 && n == 0, "-n 7");
  clear(&o, v);
  r = parse(&o, false, ARGS("-n=8"), &n, &v);
  ok(r == 0 && o.tail == 8, "-n=8");
  clear(&o, v);

  r = parse(&o, false, ARGS("--force=false"), &n, &v);
  ok(r == 0 && !o.force, "--force=false");
  clear(&o, v);
  r = parse(&o, false, ARGS("-f", "--force=false"), &n, &v);
  ok(r == 0 && !o.force, "--force=false after -f");
  clear(&o, v);
  r = parse(&o, false, ARGS("--force=true"), &n, &v);
  ok(r == 0 && o.force, "--force=true");
  clear(&o, v);
  r = parse(&o, false, ARGS("-f=false"), &n, &v);
  ok(r == 0 && !o.force, "-f=false");
  clear(&o, v);
  r = parse(&o, false, ARGS("--force=maybe"), &n, &v);
  is_int(r, -1, "a bool takes only a bool");
  clear(&o, v);
  r = parse(&o, false, ARGS("--force", "false"), &n, &v);
  ok(r == 0 && o.force && n == 1, "a bool takes no separate value");
  clear(&o, v);

  r = parse(&o, false, ARGS("--name=a", "--name", "b"), &n, &v);
  ok(r == 0, "--name=a --name b");
  is_str(o.name, "b", "the last string wins");
  clear(&o, v);
  r = parse(&o, false, ARGS("--name", "--force"), &n, &v);
  ok(r == 0 && !o.force, "a value may start with -");
  is_str(o.name, "--force", "--name takes the next argument as is");
  clear(&o, v);
  r = parse(&o, false, ARGS("--name="), &n, &v);
  ok(r == 0 && o.name && !*o.name, "--name= is the empty string");
  clear(&o, v);

  r = parse(&o, false, ARGS("-e", "A=1", "x", "--env=B=2", "-eC=3"), &n, &v);
  ok(r == 0 && n == 1, "repeatable -e");
  ok(o.env && hutch_strv_len(o.env) == 3, "three entries");
  if (o.env && hutch_strv_len(o.env) == 3) {
    is_str(o.env[0], "A=1", "in order (1)");
    is_str(o.env[1], "B=2", "in order (2)");
    is_str(o.env[2], "C=3", "in order (3)");
  }
  clear(&o, v);

  r = parse(&o, false, ARGS("--name"), &n, &v);
  is_int(r, -1, "missing value: --name");
  clear(&o, v);
  r = parse(&o, false, ARGS("x", "-n"), &n, &v);
  is_int(r, -1, "missing value: -n");
  clear(&o, v);
  r = parse(&o, false, ARGS("-n", "abc"), &n, &v);
  is_int(r, -1, "an int takes only an int");
  clear(&o, v);

  r = parse(&o, false, ARGS("a", "b", "c", "d"), &n, &v);
  is_int(r, -2, "too many arguments");
  clear(&o, v);

  r = parse(&o, false, ARGS("x", "--help", "--bogus"), &n, &v);
  is_int(r, 1, "--help anywhere: help, nothing else");
  clear(&o, v);
  r = parse(&o, false, ARGS("-fh"), &n, &v);
  is_int(r, 1, "-h is help when the command has no -h");
  clear(&o, v);
  r = parse(&o, true, ARGS("img", "--help"), &n, &v);
  ok(r == 0 && n == 2, "not interspersed: --help after the image is the command's");
  clear(&o, v);
  r = parse(&o, false, ARGS("-"), &n, &v);
  ok(r == 0 && n == 1, "- is an argument");
  clear(&o, v);
  is_int(hutch_flags_status(1), 0, "help exits 0");
  is_int(hutch_flags_status(-1), 125, "flag errors exit 125");
  is_int(hutch_flags_status(-2), 1, "argument count errors exit 1");
  return done_testing();
}
