/* hutch __man DIR: one man page (roff, section 1) per command and
 * subcommand, hutch.1, hutch-run.1, hutch-container-ls.1 …, written from
 * the tables the commands hand their parser (cmdtree.h), so a page says
 * what the parser accepts. The build runs it (docs/meson.build) and `make
 * install` puts the pages under share/man/man1. */
#include "cmdtree.h"
#include "commands.h"

#include "util/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Text for roff: a backslash is \e, a dash \- (roff would make it a
 * hyphen), and a line that would start with a request is guarded. */
static void roff_textn(FILE *f, const char *s, size_t n) {
  bool bol = true;
  for (const char *end = s + n; s < end && *s; s++) {
    if (bol && (*s == '.' || *s == '\''))
      fputs("\\&", f);
    bol = *s == '\n';
    if (*s == '\\')
      fputs("\\e", f);
    else if (*s == '-')
      fputs("\\-", f);
    else
      fputc(*s, f);
  }
}

static void roff_text(FILE *f, const char *s) {
  roff_textn(f, s, strlen(s));
}

/* Each piece of s between separators sep, with between after each but the
 * last ("\n" lines of a usage, "\n\n" paragraphs of a description). */
static void roff_split(FILE *f, const char *s, const char *sep, const char *between) {
  for (;;) {
    const char *next = strstr(s, sep);
    roff_textn(f, s, next ? (size_t)(next - s) : strlen(s));
    if (!next)
      break;
    fputs(between, f);
    s = next + strlen(sep);
    s += strspn(s, " \t");
  }
}

/* "container ls" -> "hutch-container-ls" */
static void page_name(const char *path, char *buf, size_t n) {
  snprintf(buf, n, "hutch%s%s", *path ? "-" : "", path);
  for (char *p = buf; *p; p++)
    if (*p == ' ')
      *p = '-';
}

static void write_head(FILE *f, const char *path, const char *listed, const struct hutch_cmd *cmd) {
  char name[160], upper[160];
  page_name(path, name, sizeof(name));
  size_t i = 0;
  for (; name[i] && i + 1 < sizeof(upper); i++)
    upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
  upper[i] = '\0';
  fprintf(f, ".TH \"");
  roff_text(f, upper);
  fprintf(f, "\" 1 \"\" \"hutch %s\" \"hutch Manual\"\n.SH NAME\n", HUTCH_VERSION);
  roff_text(f, name);
  fputs(" \\- ", f);
  /* NAME is one line (whatis, apropos): the parent's table has it */
  const char *s = cmd->summary ? cmd->summary : "";
  listed = listed ? listed : s;
  roff_textn(f, listed, strcspn(listed, "\n"));
  fputs("\n.SH SYNOPSIS\n", f);
  /* a usage of several lines is several forms of the command */
  const char *u = cmd->usage ? cmd->usage : "";
  fprintf(f, "\\fBhutch%s", *path ? " " : "");
  roff_text(f, path);
  fputs("\\fR ", f);
  roff_split(f, u, "\n", "\n.br\n");
  fputs("\n.SH DESCRIPTION\n", f);
  roff_text(f, s);
  fputc('\n', f);
  if (cmd->description) {
    fputs(".PP\n", f);
    roff_split(f, cmd->description, "\n\n", "\n.PP\n");
    fputc('\n', f);
  }
}

static void write_options(FILE *f, const struct hutch_cmd *cmd) {
  bool any = false;
  for (const struct hutch_flag *fl = cmd->flags; fl && fl->name; fl++) {
    if (fl->hidden)
      continue;
    if (!any)
      fputs(".SH OPTIONS\n", f);
    any = true;
    fputs(".TP\n", f);
    if (fl->shorthand)
      fprintf(f, "\\fB\\-%c\\fR, ", fl->shorthand);
    fputs("\\fB\\-\\-", f);
    roff_text(f, fl->name);
    fputs("\\fR", f);
    const char *type = fl->type                        ? fl->type
                       : fl->kind == HUTCH_FLAG_STRING ? "string"
                       : fl->kind == HUTCH_FLAG_INT    ? "int"
                       : fl->kind == HUTCH_FLAG_LIST   ? "list"
                                                       : "";
    if (*type) {
      fputs(" \\fI", f);
      roff_text(f, type);
      fputs("\\fR", f);
    }
    fputc('\n', f);
    roff_text(f, fl->help && *fl->help ? fl->help : "(no description)");
    if (fl->kind == HUTCH_FLAG_LIST)
      fputs(" (may be given more than once)", f);
    fputc('\n', f);
  }
}

static void write_commands(FILE *f, const char *path, const struct hutch_cmd *cmd) {
  if (!cmd->subs)
    return;
  fputs(".SH COMMANDS\n", f);
  for (const struct hutch_subcmd *s = cmd->subs; s->name; s++) {
    if (!s->summary)
      continue;
    char sub[160], name[200];
    snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? " " : "", s->name);
    page_name(sub, name, sizeof(name));
    fputs(".TP\n\\fB", f);
    roff_text(f, name);
    fputs("\\fR(1)\n", f);
    roff_text(f, s->summary);
    fputc('\n', f);
  }
}

/* SEE ALSO: the command this one is part of. */
static void write_see_also(FILE *f, const char *path) {
  if (!*path)
    return;
  char parent[160], name[160];
  snprintf(parent, sizeof(parent), "%s", path);
  char *sp = strrchr(parent, ' ');
  if (sp)
    *sp = '\0';
  else
    parent[0] = '\0';
  page_name(parent, name, sizeof(name));
  fputs(".SH SEE ALSO\n\\fB", f);
  roff_text(f, name);
  fputs("\\fR(1)\n", f);
}

struct man_ctx {
  int dirfd;
  int failed_errno;
  char failed[160];
};

static int write_page(const char *path, const char *listed, const struct hutch_cmd *cmd, void *ud) {
  struct man_ctx *m = ud;
  char name[150], file[160];
  page_name(path, name, sizeof(name));
  snprintf(file, sizeof(file), "%s.1", name);
  _cleanup_close_ int fd = openat(m->dirfd, file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  _cleanup_fclose_ FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    m->failed_errno = errno;
    snprintf(m->failed, sizeof(m->failed), "%s", file);
    return -1;
  }
  fd = -EBADF; /* f owns it */
  write_head(f, path, listed, cmd);
  write_options(f, cmd);
  write_commands(f, path, cmd);
  write_see_also(f, path);
  if (fflush(f) != 0 || ferror(f)) {
    m->failed_errno = errno ? errno : EIO;
    snprintf(m->failed, sizeof(m->failed), "%s", file);
    return -1;
  }
  return 0;
}

/* Pages of commands that are gone must not stay: remove every hutch*.1. */
static int remove_old_pages(int dirfd) {
  int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (!d) {
    if (fd >= 0)
      close(fd);
    return -1;
  }
  int r = 0;
  for (struct dirent *de; (de = readdir(d));) {
    size_t n = strlen(de->d_name);
    if (strncmp(de->d_name, "hutch", 5) == 0 && n > 2 && strcmp(de->d_name + n - 2, ".1") == 0 &&
        unlinkat(dirfd, de->d_name, 0) < 0)
      r = -1;
  }
  closedir(d);
  return r;
}

int cmd_man(int argc, char **argv) {
  int n, r = hutch_args_parse("DIR", "Write hutch's man pages into DIR", 1, 1, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  if (mkdir(argv[1], 0755) < 0 && errno != EEXIST) {
    fprintf(stderr, "hutch: create %s: %s\n", argv[1], strerror(errno));
    return HUTCH_EXIT_ERROR;
  }
  struct man_ctx m = {.dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (m.dirfd < 0) {
    fprintf(stderr, "hutch: open %s: %s\n", argv[1], strerror(errno));
    return HUTCH_EXIT_ERROR;
  }
  if (remove_old_pages(m.dirfd) < 0) {
    fprintf(stderr, "hutch: remove old pages in %s: %s\n", argv[1], strerror(errno));
    close(m.dirfd);
    return HUTCH_EXIT_ERROR;
  }
  r = hutch_cmdtree_walk(write_page, &m);
  close(m.dirfd);
  if (r == 0)
    return 0;
  if (m.failed[0])
    fprintf(stderr, "hutch: write %s/%s: %s\n", argv[1], m.failed, strerror(m.failed_errno));
  else
    fprintf(stderr, "hutch: man pages: a command cannot be described\n");
  return HUTCH_EXIT_ERROR;
}
