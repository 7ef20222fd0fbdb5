/* hutch pull [--platform os/arch[/variant]] [--tls-verify=false] [-q] REF
 *
 * Progress as docker shows it: one line per layer, redrawn in place with
 * bars on a terminal, plain status lines otherwise. */
#include "commands.h"
#include "flags.h"
#include "image_cli.h"

#include "image/reference.h"
#include "util/cleanup.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct layer_line {
  char id[13];
  char status[160];
};

struct progress {
  bool tty;
  size_t n;
  struct layer_line *lines;
  size_t drawn; /* lines currently on screen */
  struct timespec last;
};

static void redraw(struct progress *p, bool force) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long ms = (now.tv_sec - p->last.tv_sec) * 1000 + (now.tv_nsec - p->last.tv_nsec) / 1000000;
  if (!force && ms < 100)
    return;
  p->last = now;
  if (p->drawn)
    printf("\033[%zuA", p->drawn);
  for (size_t i = 0; i < p->n; i++)
    printf("\033[2K%s: %s\n", p->lines[i].id, p->lines[i].status);
  p->drawn = p->n;
  fflush(stdout);
}

static void bar(char *out, size_t n, uint64_t done, uint64_t total) {
  char d[16], t[16];
  image_cli_human_size((int64_t)done, d, sizeof(d));
  image_cli_human_size((int64_t)total, t, sizeof(t));
  int width = 50;
  int fill = total ? (int)((double)done / (double)total * width) : 0;
  if (fill > width)
    fill = width;
  char b[64];
  memset(b, ' ', (size_t)width);
  memset(b, '=', (size_t)fill);
  if (fill < width)
    b[fill] = '>';
  b[width] = '\0';
  snprintf(out, n, "Downloading [%s]  %s/%s", b, d, t);
}

static void on_progress(void *ud, const struct hutch_pull_event *ev) {
  struct progress *p = ud;
  if (ev->kind == HUTCH_PULL_RESOLVED) {
    p->n = ev->n_layers;
    p->lines = calloc(p->n + 1, sizeof(*p->lines));
    return;
  }
  if (p->lines == NULL || ev->layer >= p->n)
    return;
  struct layer_line *l = &p->lines[ev->layer];
  image_cli_short_id(ev->digest, l->id);
  const char *st = NULL;
  switch (ev->kind) {
  case HUTCH_PULL_LAYER_EXISTS:
    st = "Already exists";
    break;
  case HUTCH_PULL_LAYER_WAITING:
    st = "Pulling fs layer";
    break;
  case HUTCH_PULL_LAYER_PROGRESS:
    if (!p->tty)
      return;
    bar(l->status, sizeof(l->status), ev->done, ev->total);
    redraw(p, false);
    return;
  case HUTCH_PULL_LAYER_DOWNLOADED:
    st = "Download complete";
    break;
  case HUTCH_PULL_LAYER_EXTRACTING:
    st = "Extracting";
    break;
  case HUTCH_PULL_LAYER_DONE:
    if (strcmp(l->status, "Already exists") == 0)
      return;
    st = "Pull complete";
    break;
  default:
    return;
  }
  snprintf(l->status, sizeof(l->status), "%s", st);
  if (p->tty)
    redraw(p, true);
  else
    printf("%s: %s\n", l->id, st), fflush(stdout);
}

int cmd_pull(int argc, char **argv) {
  struct hutch_pull_opts po = {0};
  bool quiet = false, tls_verify = true;
  const struct hutch_flag flags[] = {
      {"platform", 0, HUTCH_FLAG_STRING, &po.platform,
       "os/arch[/variant] to pull from a multi-platform image"},
      {"quiet", 'q', HUTCH_FLAG_BOOL, &quiet, "Suppress verbose output"},
      {"tls-verify", 0, HUTCH_FLAG_BOOL, &tls_verify,
       "Require HTTPS and verify certificates (--tls-verify=false: plain HTTP, no checks)"},
      {0},
  };
  const struct hutch_cmd cmd = {"[OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry",
                                flags, 1, 1};
  int n, r = hutch_flags_parse(&cmd, argc, argv, &n);
  if (r != 0)
    return hutch_flags_status(r);
  po.registry.insecure = !tls_verify;
  const char *refstr = argv[1];
  struct hutch_error *err = NULL;
  _cleanup_reference_ struct hutch_reference *ref = NULL;
  if (hutch_reference_parse(refstr, &ref, &err) < 0)
    return image_cli_fail(err);
  _cleanup_store_ struct hutch_store *s = NULL;
  if (image_cli_open_store(&s, &err) < 0)
    return image_cli_fail(err);
  struct progress p = {.tty = isatty(STDOUT_FILENO)};
  if (!quiet) {
    po.progress = on_progress;
    po.ud = &p;
    if (!strchr(refstr, ':') && !strchr(refstr, '@'))
      printf("Using default tag: latest\n");
    printf("%s: Pulling from %s\n", ref->tag ? ref->tag : ref->digest, ref->path);
    fflush(stdout);
  }
  _cleanup_image_ struct hutch_image *img = NULL;
  r = hutch_image_pull(s, refstr, &po, &img, &err);
  free(p.lines);
  if (r < 0)
    return image_cli_fail(err);
  _cleanup_free_ char *full = hutch_reference_string(ref);
  image_cli_event(s, "pull", full, full);
  if (!quiet) {
    printf("Digest: %s\n", img->manifest_digest);
    printf("Status: Downloaded image for %s\n", full);
  }
  printf("%s\n", full);
  return 0;
}
