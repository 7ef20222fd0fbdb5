/* The builder's pure parts: the Dockerfile parser, docker's shell lexer
 * (ARG/ENV substitution) and .dockerignore patterns. */
#include "tap.h"

#include "build/dockerfile.h"
#include "build/dockerignore.h"
#include "build/shlex.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

static const char *env_lookup(void *ud, const char *name) {
  for (const char *const *p = ud; *p; p += 2)
    if (strcmp(p[0], name) == 0)
      return p[1];
  return NULL;
}

static const char *const ENV[] = {"A", "apple", "E", "", "SP", "a b", "1", "one", NULL};

static char *expand(const char *w, char esc) {
  char *out = NULL;
  struct hutch_error *err = NULL;
  if (hutch_shlex_expand(w, esc, env_lookup, (void *)ENV, &out, &err) < 0) {
    char *t = hutch_error_text(err);
    hutch_error_free(err);
    size_t n = strlen(t) + 8;
    char *r = malloc(n);
    snprintf(r, n, "ERR: %s", t);
    free(t);
    return r;
  }
  return out;
}

#define EXPANDS(in, want)                                                                          \
  do {                                                                                             \
    char *_o = expand(in, '\\');                                                                   \
    is_str(_o, want, "expand %s", in);                                                             \
    free(_o);                                                                                      \
  } while (0)

static void test_expand(void) {
  EXPANDS("$A", "apple");
  EXPANDS("${A}", "apple");
  EXPANDS("x${A}y", "xappley");
  EXPANDS("$A-$A", "apple-apple");
  EXPANDS("$NOPE", "");
  EXPANDS("${NOPE:-dflt}", "dflt");
  EXPANDS("${E:-dflt}", "dflt");
  EXPANDS("${E-dflt}", "");
  EXPANDS("${NOPE-dflt}", "dflt");
  EXPANDS("${A:-dflt}", "apple");
  EXPANDS("${A:+alt}", "alt");
  EXPANDS("${E:+alt}", "");
  EXPANDS("${E+alt}", "alt");
  EXPANDS("${NOPE:+alt}", "");
  EXPANDS("${NOPE:-$A}", "apple");
  EXPANDS("\\$A", "$A");
  EXPANDS("'$A'", "$A");
  EXPANDS("\"$A\"", "apple");
  EXPANDS("\"\\$A\"", "$A");
  EXPANDS("\"a\\b\"", "a\\b");
  EXPANDS("\"q\\\"q\"", "q\"q");
  EXPANDS("a\\ b", "a b");
  EXPANDS("$", "$");
  EXPANDS("$/x", "$/x");
  EXPANDS("$1x", "onex");
  EXPANDS("\"$SP\"", "a b");
  EXPANDS("${A:?}", "apple");
  EXPANDS("${NOPE:?must be set}", "ERR: ${NOPE:?must be set}: NOPE: must be set");
  EXPANDS("${A", "ERR: ${A: syntax error: missing '}'");
  EXPANDS("${}", "ERR: ${}: syntax error: bad substitution");
  EXPANDS("${A:=x}", "ERR: ${A:=x}: unsupported modifier (=) in substitution");
  EXPANDS("'open", "ERR: 'open: unexpected end of statement while looking for matching "
                   "single-quote");
  EXPANDS("\"open", "ERR: \"open: unexpected end of statement while looking for matching "
                    "double-quote");
  char *o = expand("`$A", '`');
  is_str(o, "$A", "backtick escape");
  free(o);
}

static void test_words(void) {
  char **w = NULL;
  ok(hutch_shlex_words("a=1  b=\"x y\" c='p q' d=e\\ f", '\\', &w) == 0, "words");
  is_int(hutch_strv_len(w), 4, "four words");
  is_str(w[1], "b=\"x y\"", "quotes kept");
  is_str(w[2], "c='p q'", "single quotes kept");
  is_str(w[3], "d=e\\ f", "escaped space kept");
  hutch_strv_free(w);
  ok(hutch_shlex_words("   ", '\\', &w) == 0 && w[0] == NULL, "no words");
  hutch_strv_free(w);
  ok(hutch_shlex_words("x=\"\"", '\\', &w) == 0 && strcmp(w[0], "x=\"\"") == 0, "empty quotes");
  hutch_strv_free(w);
}

static struct hutch_dockerfile *parse(const char *text, char **errtext) {
  struct hutch_dockerfile *df = NULL;
  struct hutch_error *err = NULL;
  *errtext = NULL;
  if (hutch_dockerfile_parse(text, "Dockerfile", &df, &err) < 0) {
    *errtext = hutch_error_text(err);
    hutch_error_free(err);
  }
  return df;
}

static void test_parse(void) {
  char *e = NULL;
  struct hutch_dockerfile *df = parse("# syntax=docker/dockerfile:1\n"
                                      "# escape=\\\n"
                                      "ARG BASE=busybox\n"
                                      "FROM --platform=linux/amd64 ${BASE} AS build\n"
                                      "# a comment\n"
                                      "RUN echo a \\\n"
                                      "  # comment inside\n"
                                      "\n"
                                      "  && echo b\n"
                                      "run [\"/bin/echo\", \"hi\"]\n"
                                      "ENV A=1 B=\"two words\"\n"
                                      "ENV OLD some value\n"
                                      "COPY --from=build --chown=1:2 --chmod=640 a b /dst/\n"
                                      "ADD [\"x y\", \"/z\"]\n"
                                      "CMD echo $HOME\n"
                                      "HEALTHCHECK --interval=5s CMD [\"true\"]\n"
                                      "ONBUILD RUN echo trig\n"
                                      "EXPOSE 80 443/udp\n"
                                      "WORKDIR /my dir\n",
                                      &e);
  ok(df != NULL, "parse a full Dockerfile (%s)", e ? e : "ok");
  if (!df)
    return;
  is_str(df->syntax, "docker/dockerfile:1", "syntax directive");
  is_int(df->n, 13, "13 instructions");
  is_str(df->v[12].args[0], "/my dir", "WORKDIR keeps spaces");
  is_int(df->v[0].kind, HUTCH_DF_ARG, "ARG");
  is_str(df->v[0].args[0], "BASE=busybox", "ARG word");
  is_int(df->v[1].kind, HUTCH_DF_FROM, "FROM");
  is_int(df->v[1].line, 4, "FROM on line 4");
  is_str(hutch_df_flag(&df->v[1], "platform"), "linux/amd64", "--platform");
  is_str(df->v[1].args[0], "${BASE}", "image unexpanded");
  is_str(df->v[1].args[2], "build", "AS name");
  is_int(df->v[2].kind, HUTCH_DF_RUN, "RUN");
  ok(!df->v[2].json, "shell form");
  is_str(df->v[2].args[0], "echo a   && echo b", "continuation joined, comment skipped");
  is_int(df->v[2].line, 6, "RUN starts on line 6");
  ok(df->v[3].json, "lower-case run, exec form");
  is_str(df->v[3].args[1], "hi", "exec arg");
  is_str(df->v[4].args[2], "B", "ENV second key");
  is_str(df->v[4].args[3], "\"two words\"", "ENV value raw");
  is_str(df->v[5].args[0], "OLD", "ENV old form key");
  is_str(df->v[5].args[1], "some value", "ENV old form value");
  is_int(df->v[6].kind, HUTCH_DF_COPY, "COPY");
  is_str(hutch_df_flag(&df->v[6], "from"), "build", "--from");
  is_str(hutch_df_flag(&df->v[6], "chown"), "1:2", "--chown");
  is_str(hutch_df_flag(&df->v[6], "chmod"), "640", "--chmod");
  is_int(hutch_strv_len(df->v[6].args), 3, "COPY sources and dest");
  ok(df->v[7].json && strcmp(df->v[7].args[0], "x y") == 0, "ADD json form");
  is_str(df->v[8].args[0], "echo $HOME", "CMD shell form");
  is_str(hutch_df_flag(&df->v[9], "interval"), "5s", "HEALTHCHECK flag");
  ok(df->v[9].json && strcmp(df->v[9].args[0], "true") == 0, "HEALTHCHECK CMD exec");
  is_str(df->v[10].args[0], "RUN echo trig", "ONBUILD trigger");
  is_int(hutch_strv_len(df->v[11].args), 2, "EXPOSE words");
  is_str(df->v[12 - 1].original, "EXPOSE 80 443/udp", "original text");
  hutch_dockerfile_free(df);
}

static void test_parse_more(void) {
  char *e = NULL;
  struct hutch_dockerfile *df =
      parse("# escape=`\nFROM x\nRUN echo a `\n b\nWORKDIR c:\\\\w\n", &e);
  ok(df && df->escape == '`', "escape directive");
  if (df) {
    is_str(df->v[1].args[0], "echo a  b", "backtick continuation");
    is_str(df->v[2].args[0], "c:\\\\w", "backslash is plain");
  }
  hutch_dockerfile_free(df);
  /* a directive after a comment is a comment */
  df = parse("# hello\n# escape=`\nFROM x\nRUN a \\\n b\n", &e);
  ok(df && df->escape == '\\' && strcmp(df->v[1].args[0], "a  b") == 0, "late directive ignored");
  hutch_dockerfile_free(df);
  df = parse("FROM x\r\nRUN a\r\n", &e);
  ok(df && strcmp(df->v[1].args[0], "a") == 0, "CRLF lines");
  hutch_dockerfile_free(df);
  df = parse("FROM x\nRUN [\"a\", 1]\n", &e);
  ok(df && !df->v[1].json, "bad JSON is shell form");
  hutch_dockerfile_free(df);
  df = parse("FROM x\nENV\n", &e);
  ok(!df, "ENV without args fails");
  free(e);
}

#define PARSE_FAILS(text, want)                                                                    \
  do {                                                                                             \
    char *_e = NULL;                                                                               \
    struct hutch_dockerfile *_d = parse(text, &_e);                                                \
    ok(_d == NULL, "refused: %s", want);                                                           \
    is_str(_e, want, "error text");                                                                \
    free(_e);                                                                                      \
    hutch_dockerfile_free(_d);                                                                     \
  } while (0)

static void test_errors(void) {
  PARSE_FAILS("FROM x\n\nFOO bar\n", "Dockerfile:3: unknown instruction: FOO");
  PARSE_FAILS("FROM a b\n", "Dockerfile:1: FROM requires either one or three arguments");
  PARSE_FAILS("FROM x\nCOPY a\n",
              "Dockerfile:2: COPY requires at least two arguments, but only one was provided");
  PARSE_FAILS("FROM x\nSHELL sh -c\n", "Dockerfile:2: SHELL requires the arguments to be in JSON "
                                       "form");
  PARSE_FAILS("FROM x\nENV A=1 B\n", "Dockerfile:2: Syntax error - can't find = in \"B\". Must "
                                     "be of the form: name=value");
  PARSE_FAILS("FROM x\nENV A\n", "Dockerfile:2: ENV must have two arguments");
  PARSE_FAILS("FROM x\nONBUILD ONBUILD RUN x\n",
              "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  PARSE_FAILS("FROM x\nONBUILD FROM y\n", "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger");
  PARSE_FAILS("RUN x\nFROM y\n", "Dockerfile:1: no build stage in current context: RUN before "
                                 "the first FROM");
  PARSE_FAILS("# escape=x\nFROM y\n", "Dockerfile:1: invalid escape token 'x' does not match ` or "
                                      "\\");
  PARSE_FAILS("\n# just a comment\n", "Dockerfile: the file has no instructions");
  PARSE_FAILS("FROM x\nWORKDIR\n", "Dockerfile:2: WORKDIR requires at least one argument");
}

static void test_heredocs(void) {
  char *e = NULL;
  struct hutch_dockerfile *df =
      parse("FROM x\nRUN <<EOF\necho a\necho \"$B\"\nEOF\nRUN <<-EOT\n\techo t\n\tEOT\n"
            "RUN cat <<A >/a && cat <<'B' >/b\none\nA\n$two\nB\nRUN <<EOF\n#!/bin/busybox "
            "sh\necho x\nEOF\nCOPY <<EOF <<\"F2\" ctx.txt /dst/\nhi $A\nEOF\nf2\nF2\n"
            "RUN echo \"<<NOT\" '<<NOT' x<<NOT \\<<NOT <<<here\nRUN [\"<<EOF\"]\nENV K=<<EOF\n",
            &e);
  ok(df != NULL && df->n == 9, "heredoc Dockerfile parses into 9 instructions: %s", e ? e : "");
  free(e);
  if (!df)
    return;
  const struct hutch_df_instr *v = df->v;
  is_str(v[1].args[0], "echo a\necho \"$B\"\n", "lone RUN heredoc: its content is the command");
  ok(v[1].n_heredocs == 1 && v[1].heredocs[0].expand && !v[1].heredocs[0].chomp, "one, unquoted");
  is_str(v[1].original, "RUN <<EOF", "original is the instruction line");
  is_str(v[1].body, "echo a\necho \"$B\"\nEOF\n", "body: the raw lines, delimiter too");
  is_str(v[2].args[0], "echo t\n", "<<- strips the leading tabs");
  is_str(v[3].args[0], "cat <<A >/a && cat <<'B' >/b\none\nA\n$two\nB",
         "a command line with heredocs goes to the shell whole");
  ok(v[3].n_heredocs == 2 && !v[3].heredocs[1].expand, "two heredocs, the quoted one unexpanded");
  ok(v[4].pipe_file, "a #! script runs as a file");
  is_str(v[4].args[0], "/dev/pipes/EOF", "the file's path is the command");
  ok(v[5].n_heredocs == 2 && hutch_strv_len(v[5].args) == 2, "COPY: heredocs out of the sources");
  is_str(v[5].args[0], "ctx.txt", "COPY keeps its other source");
  is_str(v[5].heredocs[0].content, "hi $A\n", "COPY heredoc content");
  ok(v[5].heredocs[0].expand && !v[5].heredocs[1].expand, "COPY: quoted delimiter not expanded");
  is_str(v[5].heredocs[1].name, "F2", "quotes removed from the name");
  ok(v[6].n_heredocs == 0, "quoted, glued, escaped markers and <<< are not heredocs");
  ok(v[7].json && v[7].n_heredocs == 0, "exec form has no heredocs");
  ok(v[8].n_heredocs == 0, "ENV has no heredocs");
  hutch_dockerfile_free(df);
  struct hutch_df_heredoc h = {.content = "\ta\n\t\tb\nc\t\n", .chomp = true};
  char *t = hutch_df_heredoc_text(&h);
  is_str(t, "a\nb\nc\t\n", "chomp: leading tabs of each line");
  free(t);
  PARSE_FAILS("FROM x\nRUN <<EOF\necho\n",
              "Dockerfile:2: unterminated heredoc: no line EOF ends it");
  PARSE_FAILS("FROM x\nRUN <<'..'\n#!/bin/sh\n..\n",
              "Dockerfile:2: invalid heredoc name for a script: ..");
}

static void test_ignore(void) {
  struct hutch_ignore *ig = NULL;
  struct hutch_error *err = NULL;
  ok(hutch_ignore_parse("# comment\n  *.log  \n/build\n**/tmp\ndocs/**/*.md\n!docs/keep.md\n"
                        "secret?\n[ab].txt\n!important.log\n",
                        &ig, &err) == 0,
     "parse .dockerignore");
  ok(hutch_ignore_match(ig, "x.log"), "*.log");
  ok(!hutch_ignore_match(ig, "sub/x.log"), "* does not cross /");
  ok(!hutch_ignore_match(ig, "important.log"), "! takes it back");
  ok(hutch_ignore_match(ig, "build"), "leading / dropped");
  ok(hutch_ignore_match(ig, "build/out/a.o"), "below an excluded dir");
  ok(hutch_ignore_match(ig, "tmp"), "**/tmp at the top");
  ok(hutch_ignore_match(ig, "a/b/tmp/x"), "**/tmp deep");
  ok(hutch_ignore_match(ig, "docs/a/b/c.md"), "docs/**/*.md");
  ok(hutch_ignore_match(ig, "docs/c.md"), "** matches no dirs");
  ok(!hutch_ignore_match(ig, "docs/keep.md"), "exception");
  ok(!hutch_ignore_match(ig, "docs/c.txt"), "other docs kept");
  ok(hutch_ignore_match(ig, "secret1"), "?");
  ok(!hutch_ignore_match(ig, "secret12"), "? is one char");
  ok(hutch_ignore_match(ig, "a.txt") && !hutch_ignore_match(ig, "c.txt"), "[class]");
  ok(!hutch_ignore_match(ig, "Dockerfile"), "unmatched kept");
  ok(hutch_ignore_may_include_below(ig, "docs"), "docs may have exceptions");
  hutch_ignore_free(ig);
  ok(hutch_ignore_parse("*\n!src\n", &ig, &err) == 0, "parse");
  ok(hutch_ignore_match(ig, "a") && !hutch_ignore_match(ig, "src/x.c"), "* then !src");
  hutch_ignore_free(ig);
  ok(!hutch_ignore_match(NULL, "x"), "no .dockerignore");
}

static void test_clean(void) {
  static const char *const cases[][2] = {
      {"a//b/./c/..", "a/b"}, {"", "."},     {"/../x", "/x"}, {"../../a", "../../a"},
      {"a/../..", ".."},      {"/", "/"},    {"./", "."},     {"/a/b/", "/a/b"},
      {"../a/../b", "../b"},  {"a/..", "."},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *c = hutch_path_clean(cases[i][0]);
    is_str(c, cases[i][1], "clean \"%s\"", cases[i][0]);
    free(c);
  }
  ok(hutch_path_match("*.c", "main.c") && !hutch_path_match("*.c", "a/main.c"), "path match");
  ok(hutch_path_match("a\\*", "a*") && !hutch_path_match("a\\*", "ab"), "escaped star");
}

int main(void) {
  test_expand();
  test_words();
  test_parse();
  test_parse_more();
  test_errors();
  test_heredocs();
  test_ignore();
  test_clean();
  return done_testing();
}
