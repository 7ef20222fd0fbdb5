/* The CLI's command tree (src/hutch/cmdtree.c): argument kinds read from a
 * usage line, subcommand lookup, and the walk over a tree of commands
 * (a fake root here: hutch_main_cmd is main.c's). */
#include "tap.h"

#include "cmdtree.h"
#include "commands.h"

#include <stdlib.h>

static int fake_leaf(int argc, char **argv) {
  bool all = false;
  const struct hutch_flag flags[] = {{"all", 'a', HUTCH_FLAG_BOOL, &all, "all"}, {0}};
  const struct hutch_cmd cmd = {"[OPTIONS]", "List", flags, 0, 0};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  return r != 0 ? hutch_flags_status(r) : 0;
}

static int fake_mgmt(int argc, char **argv) {
  static const struct hutch_subcmd subs[] = {
      {"ls", fake_leaf, "List"},
      {"list", fake_leaf, NULL},
      {NULL, NULL, NULL},
  };
  return hutch_subcmd_dispatch("Manage", subs, argc, argv);
}

static int fake_broken(int argc, char **argv) {
  (void)argc, (void)argv;
  return 0;
}

static const struct hutch_subcmd fake_commands[] = {
    {"thing", fake_mgmt, "Manage things"},
    {"ps", fake_leaf, "List"},
    {NULL, NULL, NULL},
};
static const struct hutch_flag root_flags[] = {{"debug", 'D', HUTCH_FLAG_BOOL, NULL, "debug"}, {0}};
const struct hutch_cmd hutch_main_cmd = {"[OPTIONS] COMMAND",  "root", root_flags, 0, -1,
                                         .subs = fake_commands};

static int collect(const char *path, const char *listed, const struct hutch_cmd *cmd, void *ud) {
  char *buf = ud;
  size_t len = strlen(buf);
  snprintf(buf + len, 256 - len, "[%s:%s:%s:%s]", path, listed, cmd->summary,
           cmd->flags && cmd->flags[0].name ? cmd->flags[0].name : "");
  return 0;
}

static int stop_at_ps(const char *path, const char *listed, const struct hutch_cmd *cmd, void *ud) {
  (void)cmd, (void)listed;
  ++*(int *)ud;
  return strcmp(path, "ps") == 0 ? 7 : 0;
}

int main(void) {
  const char *rm = "[OPTIONS] CONTAINER [CONTAINER...]";
  is_int(hutch_arg_kind(rm, 0), HUTCH_ARG_CONTAINER, "rm: first");
  is_int(hutch_arg_kind(rm, 5), HUTCH_ARG_CONTAINER, "rm: repeats");
  const char *run = "[OPTIONS] IMAGE [COMMAND] [ARG...]";
  is_int(hutch_arg_kind(run, 0), HUTCH_ARG_IMAGE, "run: the image");
  is_int(hutch_arg_kind(run, 1), HUTCH_ARG_OTHER, "run: the command");
  is_int(hutch_arg_kind(run, 4), HUTCH_ARG_OTHER, "run: its arguments");
  is_int(hutch_arg_kind("[OPTIONS]", 0), HUTCH_ARG_NONE, "no arguments");
  is_int(hutch_arg_kind(NULL, 0), HUTCH_ARG_NONE, "no usage");
  is_int(hutch_arg_kind("[OPTIONS] NETWORK CONTAINER", 0), HUTCH_ARG_NETWORK, "connect: network");
  is_int(hutch_arg_kind("[OPTIONS] NETWORK CONTAINER", 1), HUTCH_ARG_CONTAINER,
         "connect: container");
  is_int(hutch_arg_kind("[OPTIONS] NETWORK CONTAINER", 2), HUTCH_ARG_NONE, "connect: no third");
  is_int(hutch_arg_kind("[OPTIONS] NAME|ID [NAME|ID...]", 3), HUTCH_ARG_OBJECT, "inspect");
  is_int(hutch_arg_kind("SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", 1), HUTCH_ARG_IMAGE, "tag");
  is_int(hutch_arg_kind("[OPTIONS] [REPOSITORY[:TAG]]", 0), HUTCH_ARG_IMAGE, "images");
  is_int(hutch_arg_kind("[VOLUME]", 0), HUTCH_ARG_VOLUME, "volume create");
  is_int(hutch_arg_kind("file|- [REPOSITORY[:TAG]]", 0), HUTCH_ARG_OTHER, "import: a file");
  is_int(hutch_arg_kind("[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n  hutch cp", 0),
         HUTCH_ARG_CONTAINER, "a usage of two lines");

  ok(hutch_subcmd_find(fake_commands, "ps") == &fake_commands[1], "find a command");
  ok(hutch_subcmd_find(fake_commands, "p") == NULL, "no prefix match");

  char buf[256] = "";
  is_int(hutch_cmdtree_walk(collect, buf), 0, "walk");
  is_str(
      buf,
      "[:root:root:debug][thing:Manage things:Manage:][thing ls:List:List:all][ps:List:List:all]",
      "walk: root, commands, subcommands (not aliases), in order");
  int calls = 0;
  is_int(hutch_cmdtree_walk(stop_at_ps, &calls), 7, "walk stops at fn's result");
  is_int(calls, 4, "walk: root, thing, thing ls, ps");

  struct hutch_cmd_desc d;
  is_int(hutch_cmd_describe(fake_broken, "x", &d), -1, "a command that never parses");
  return done_testing();
}
