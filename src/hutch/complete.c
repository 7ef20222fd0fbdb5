/* hutch __complete WORD... CURRENT: the candidates for the word being
 * typed, for the scripts `hutch completion bash|zsh|fish` prints (the
 * shape of cobra's __complete, which docker's scripts call).
 *
 * The words before CURRENT are walked as the parser would walk them
 * (global flags, the command, a management command's subcommand, flags
 * and their values), through the tables the commands hand their parser
 * (cmdtree.h); CURRENT is then a flag, a flag's value, a subcommand or a
 * positional argument whose kind the command's usage names.
 *
 * Output: one candidate a line, "candidate<TAB>description" where there is
 * one, then a last line ":N", N cobra's directive: 0 lets the shell fall
 * back to file names, 4 (NoFileComp) does not, 2 (NoSpace) adds no blank
 * after the candidate (cp's paths go on). */
#include "cmdtree.h"
#include "commands.h"
#include "complete.h"

#include <stdio.h>
#include <string.h>

#define DIRECTIVE_DEFAULT 0
#define DIRECTIVE_NOSPACE 2
#define DIRECTIVE_NOFILE 4

/* Where the words before CURRENT left the command line. */
struct cstate {
  const struct hutch_cmd *cmd;
  const char *name;              /* the (sub)command's name: "ls", "stop" */
  struct hutch_cmd_desc desc;    /* owns *cmd below the root */
  const struct hutch_flag *want; /* the flag whose value comes next */
  int npos;                      /* positional arguments so far */
  bool dashdash;
};

static const struct hutch_flag *find_flag(const struct hutch_cmd *cmd, const char *name, size_t len,
                                          char shorthand) {
  for (const struct hutch_flag *f = cmd->flags; f && f->name; f++)
    if (shorthand ? f->shorthand == shorthand
                  : strlen(f->name) == len && strncmp(f->name, name, len) == 0)
      return f;
  return NULL;
}

/* A flag word: the flag whose value is the next word, or NULL. */
static const struct hutch_flag *flag_word(const struct hutch_cmd *cmd, const char *w) {
  if (w[1] == '-') {
    if (strchr(w, '='))
      return NULL;
    const struct hutch_flag *f = find_flag(cmd, w + 2, strlen(w + 2), 0);
    return f && f->kind != HUTCH_FLAG_BOOL ? f : NULL;
  }
  for (const char *p = w + 1; *p; p++) {
    const struct hutch_flag *f = find_flag(cmd, NULL, 0, *p);
    if (f && f->kind != HUTCH_FLAG_BOOL)
      return p[1] ? NULL : f; /* -n5 carries its value */
  }
  return NULL;
}

static bool flags_done(const struct cstate *s) {
  return s->dashdash || (s->cmd->no_interspersed && s->npos > 0);
}

/* Step into the subcommand w; false when there is none of that name. */
static bool enter(struct cstate *s, const char *w) {
  const struct hutch_subcmd *sub = hutch_subcmd_find(s->cmd->subs, w);
  if (!sub)
    return false;
  struct hutch_cmd_desc d;
  if (hutch_cmd_describe(sub->fn, sub->name, &d) < 0)
    return false;
  hutch_cmd_desc_clear(&s->desc);
  s->desc = d;
  s->cmd = &s->desc.cmd;
  s->name = sub->name;
  s->npos = 0;
  return true;
}

static void walk_word(struct cstate *s, const char *w) {
  if (s->want) {
    s->want = NULL;
  } else if (!flags_done(s) && strcmp(w, "--") == 0) {
    s->dashdash = true;
  } else if (!flags_done(s) && w[0] == '-' && w[1]) {
    s->want = flag_word(s->cmd, w);
  } else if (!(s->cmd->subs && s->npos == 0 && enter(s, w))) {
    s->npos++;
  }
}

void hutch_complete_emit(const char *prefix, const char *cand, const char *desc, const char *cur) {
  char full[512];
  snprintf(full, sizeof(full), "%s%s", prefix, cand);
  if (strncmp(full, cur, strlen(cur)) != 0)
    return;
  if (desc && *desc)
    printf("%s\t%s\n", full, desc);
  else
    printf("%s\n", full);
}

static void complete_flags(const struct hutch_cmd *cmd, const char *cur) {
  for (const struct hutch_flag *f = cmd->flags; f && f->name; f++) {
    if (f->hidden)
      continue;
    char name[128];
    snprintf(name, sizeof(name), "--%s", f->name);
    hutch_complete_emit("", name, f->help, cur);
    if (f->shorthand) {
      snprintf(name, sizeof(name), "-%c", f->shorthand);
      hutch_complete_emit("", name, f->help, cur);
    }
  }
  hutch_complete_emit("", "--help", "Print usage", cur);
}

static void complete_subs(const struct hutch_subcmd *subs, const char *cur) {
  for (const struct hutch_subcmd *s = subs; s->name; s++)
    if (s->summary)
      hutch_complete_emit("", s->name, s->summary, cur);
}

/* A flag's value: a few flags name objects or take one of a few words. */
static int complete_value(const struct cstate *s, const struct hutch_flag *f, const char *prefix,
                          const char *cur) {
  static const struct {
    const char *flag;
    const char *words; /* space-separated; NULL: objects of kind */
    enum hutch_arg_kind kind;
  } values[] = {
      {"network", "host none", HUTCH_ARG_NETWORK},
      {"net", "host none", HUTCH_ARG_NETWORK},
      {"volumes-from", NULL, HUTCH_ARG_CONTAINER},
      {"restart", "no always on-failure unless-stopped", HUTCH_ARG_NONE},
      {"pull", "always missing never", HUTCH_ARG_NONE},
      {"signal", "SIGTERM SIGKILL SIGHUP SIGINT SIGQUIT SIGUSR1 SIGUSR2", HUTCH_ARG_NONE},
      {"stop-signal", "SIGTERM SIGKILL SIGHUP SIGINT SIGQUIT SIGUSR1 SIGUSR2", HUTCH_ARG_NONE},
  };
  for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    if (strcmp(values[i].flag, f->name) != 0)
      continue;
    char words[128];
    snprintf(words, sizeof(words), "%s", values[i].words ? values[i].words : "");
    for (char *save = NULL, *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
      hutch_complete_emit(prefix, w, NULL, cur);
    hutch_complete_objects(values[i].kind, s->name, prefix, cur);
    return DIRECTIVE_NOFILE;
  }
  return DIRECTIVE_DEFAULT;
}

static int complete_current(struct cstate *s, const char *cur) {
  if (s->want)
    return complete_value(s, s->want, "", cur);
  if (!flags_done(s) && cur[0] == '-') {
    const char *eq = strchr(cur, '=');
    if (cur[1] == '-' && eq) {
      const struct hutch_flag *f = find_flag(s->cmd, cur + 2, (size_t)(eq - cur - 2), 0);
      char prefix[128];
      snprintf(prefix, sizeof(prefix), "%.*s", (int)(eq - cur + 1), cur);
      return f ? complete_value(s, f, prefix, cur) : DIRECTIVE_NOFILE;
    }
    complete_flags(s->cmd, cur);
    return DIRECTIVE_NOFILE;
  }
  if (s->cmd->subs && s->npos == 0) {
    complete_subs(s->cmd->subs, cur);
    return DIRECTIVE_NOFILE;
  }
  if (strcmp(s->name, "cp") == 0 && s->npos < 2) {
    hutch_complete_cp(cur);
    return DIRECTIVE_NOSPACE | DIRECTIVE_NOFILE;
  }
  enum hutch_arg_kind k = hutch_arg_kind(s->cmd->usage, s->npos);
  if (k == HUTCH_ARG_OTHER)
    return DIRECTIVE_DEFAULT;
  hutch_complete_objects(k, s->name, "", cur);
  return DIRECTIVE_NOFILE;
}

int cmd_complete(int argc, char **argv) {
  struct cstate s = {.cmd = &hutch_main_cmd, .name = "hutch"};
  for (int i = 1; i < argc - 1; i++)
    walk_word(&s, argv[i]);
  int directive = complete_current(&s, argc > 1 ? argv[argc - 1] : "");
  printf(":%d\n", directive);
  hutch_cmd_desc_clear(&s.desc);
  return 0;
}
