/* `ps [--format table|json] ID [--] [ps options]`: the processes in the
 * container's cgroup. json is a bare array of host pids (what containerd
 * reads); table runs the host's ps (default "-ef") and keeps the header
 * and the lines whose PID column is one of the container's, as runc does. */
#include "verbs.h"

#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run ps with args and return its stdout (caller frees). */
static char *run_ps(char **args, int nargs) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    fprintf(stderr, "hutch-runtime: ps: pipe: %m\n");
    return NULL;
  }
  _cleanup_free_ char **argv = calloc((size_t)nargs + 3, sizeof(char *));
  if (argv == NULL) {
    close(p[0]);
    close(p[1]);
    return NULL;
  }
  int k = 0;
  argv[k++] = "ps";
  if (nargs == 0)
    argv[k++] = "-ef";
  for (int i = 0; i < nargs; i++)
    argv[k++] = args[i];
  argv[k] = NULL;
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "hutch-runtime: ps: fork: %m\n");
    close(p[0]);
    close(p[1]);
    return NULL;
  }
  if (pid == 0) {
    dup2(p[1], 1);
    execvp("ps", argv);
    fprintf(stderr, "hutch-runtime: ps: exec ps: %m\n");
    _exit(127);
  }
  close(p[1]);
  char *out = NULL;
  size_t len;
  int r = hutch_read_fd(p[0], &out, &len);
  close(p[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "hutch-runtime: ps: ps %s failed\n", nargs ? "with the given options" : "-ef");
    free(out);
    return NULL;
  }
  return out;
}

/* Field number (0-based, by whitespace) of "PID" in the header, or -1. */
static int pid_column(const char *header) {
  int col = 0;
  const char *s = header;
  for (;;) {
    s += strspn(s, " \t");
    if (*s == '\0' || *s == '\n')
      return -1;
    size_t l = strcspn(s, " \t\n");
    if (l == 3 && strncmp(s, "PID", 3) == 0)
      return col;
    s += l;
    col++;
  }
}

static long field_long(const char *line, int col) {
  const char *s = line;
  for (int i = 0;; i++) {
    s += strspn(s, " \t");
    if (*s == '\0')
      return -1;
    if (i == col) {
      char *end;
      long v = strtol(s, &end, 10);
      return (end != s && (*end == ' ' || *end == '\t' || *end == '\0')) ? v : -1;
    }
    s += strcspn(s, " \t");
  }
}

static int print_table(const pid_t *pids, size_t n, char **args, int nargs) {
  _cleanup_free_ char *out = run_ps(args, nargs);
  if (out == NULL)
    return 1;
  char *save = NULL;
  char *line = strtok_r(out, "\n", &save);
  if (line == NULL)
    return 0;
  int col = pid_column(line);
  if (col < 0) {
    fprintf(stderr, "hutch-runtime: ps: no PID column in the output of ps\n");
    return 1;
  }
  printf("%s\n", line);
  while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
    long pid = field_long(line, col);
    for (size_t i = 0; i < n; i++)
      if (pids[i] == pid) {
        printf("%s\n", line);
        break;
      }
  }
  return 0;
}

VERB(ps) {
  static const struct option opts[] = {
      {"format", required_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  bool json = false;
  int c;
  /* "+": the ps options after the id are not ours. */
  while ((c = getopt_long_only(argc, argv, "+f:h", opts, NULL)) != -1) {
    switch (c) {
    case 'f':
      if (strcmp(optarg, "json") == 0)
        json = true;
      else if (strcmp(optarg, "table") != 0) {
        fprintf(stderr, "hutch-runtime: ps --format: unknown format \"%s\" (table or json)\n",
                optarg);
        return 1;
      }
      break;
    case 'h':
      printf("Usage: hutch-runtime ps [--format table|json] ID [--] [ps options]\n");
      return 0;
    default:
      return 1;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "hutch-runtime: ps: missing container id\n");
    return 1;
  }
  const char *id = argv[optind++];
  if (optind < argc && strcmp(argv[optind], "--") == 0)
    optind++;
  int nargs = argc - optind;
  if (json && nargs > 0) {
    fprintf(stderr, "hutch-runtime: ps: ps options do not apply to --format json\n");
    return 1;
  }
  struct hutch_error *e = NULL;
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  if (hutch_container_ps(&g->rt, id, &pids, &n, &e) < 0)
    return verb_fail(e);
  if (!json)
    return print_table(pids, n, argv + optind, nargs);
  printf("[");
  for (size_t i = 0; i < n; i++)
    printf("%s%d", i ? "," : "", (int)pids[i]);
  printf("]\n");
  return 0;
}
