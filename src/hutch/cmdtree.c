/* The CLI's command tree; see cmdtree.h. */
#include "cmdtree.h"

#include "commands.h"

#include <stdio.h>
#include <string.h>

/* Words of usage naming one kind, tested in order (NAME|ID first: it
 * would match nothing else, and "NAME[:TAG|@DIGEST]" is pull's new name). */
static const struct {
  const char *word;
  enum hutch_arg_kind kind;
} arg_words[] = {
    {"NAME|ID", HUTCH_ARG_OBJECT},  {"CONTAINER", HUTCH_ARG_CONTAINER},
    {"IMAGE", HUTCH_ARG_IMAGE},     {"REPOSITORY", HUTCH_ARG_IMAGE},
    {"NETWORK", HUTCH_ARG_NETWORK}, {"VOLUME", HUTCH_ARG_VOLUME},
};

static enum hutch_arg_kind word_kind(const char *w, size_t len) {
  for (size_t i = 0; i < sizeof(arg_words) / sizeof(arg_words[0]); i++) {
    size_t n = strlen(arg_words[i].word);
    for (size_t k = 0; k + n <= len; k++)
      if (strncmp(w + k, arg_words[i].word, n) == 0)
        return arg_words[i].kind;
  }
  return HUTCH_ARG_OTHER;
}

enum hutch_arg_kind hutch_arg_kind(const char *usage, int index) {
  const char *p = usage ? usage : "";
  int i = 0;
  enum hutch_arg_kind last = HUTCH_ARG_NONE;
  bool repeats = false;
  while (*p) {
    p += strspn(p, " \t\n");
    size_t len = strcspn(p, " \t\n");
    if (len == 0)
      break;
    if (!(len == 9 && strncmp(p, "[OPTIONS]", 9) == 0)) {
      last = word_kind(p, len);
      repeats = len >= 3 && memmem(p, len, "...", 3) != NULL;
      if (i++ == index)
        return last;
    }
    p += len;
  }
  return repeats ? last : HUTCH_ARG_NONE;
}

const struct hutch_subcmd *hutch_subcmd_find(const struct hutch_subcmd *subs, const char *name) {
  for (const struct hutch_subcmd *s = subs; s && s->name; s++)
    if (strcmp(s->name, name) == 0)
      return s;
  return NULL;
}

static int walk_subs(const char *parent, const struct hutch_subcmd *subs, hutch_cmdtree_fn *fn,
                     void *ud) {
  for (const struct hutch_subcmd *s = subs; s && s->name; s++) {
    if (!s->summary) /* an alias */
      continue;
    struct hutch_cmd_desc d;
    if (hutch_cmd_describe(s->fn, s->name, &d) < 0)
      return -1;
    char path[128];
    snprintf(path, sizeof(path), "%s%s%s", parent, *parent ? " " : "", s->name);
    int r = fn(path, s->summary, &d.cmd, ud);
    if (r == 0 && d.cmd.subs)
      r = walk_subs(path, d.cmd.subs, fn, ud);
    hutch_cmd_desc_clear(&d);
    if (r != 0)
      return r;
  }
  return 0;
}

int hutch_cmdtree_walk(hutch_cmdtree_fn *fn, void *ud) {
  int r = fn("", hutch_main_cmd.summary, &hutch_main_cmd, ud);
  return r != 0 ? r : walk_subs("", hutch_main_cmd.subs, fn, ud);
}
