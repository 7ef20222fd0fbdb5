/* libFuzzer target for the builder's parsers of outside input: a
 * Dockerfile (parser, then every word through the shell lexer as the
 * builder expands it, and the stage split) and a .dockerignore (then a
 * few paths through it). Each parses or fails with an error; nothing
 * may crash, leak or loop. */
#include "fuzz.h"

#include "build/dockerfile.h"
#include "build/dockerignore.h"
#include "build/shlex.h"
#include "build/stages.h"
#include "util/cleanup.h"

static const char *lookup(void *ud, const char *name) {
  (void)ud;
  return name[0] == 'A' ? "value with spaces" : NULL;
}

static void expand_all(const struct hutch_dockerfile *df) {
  for (size_t i = 0; i < df->n; i++)
    for (char **w = df->v[i].args; w && *w; w++) {
      char *out = NULL;
      struct hutch_error *err = NULL;
      if (hutch_shlex_expand(*w, df->escape, lookup, NULL, &out, &err) < 0)
        hutch_error_free(err);
      free(out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  _cleanup_free_ char *text = fuzz_strndup(data, size);
  if (text == NULL)
    return 0;
  struct hutch_dockerfile *df = NULL;
  struct hutch_error *err = NULL;
  if (hutch_dockerfile_parse(text, "Dockerfile", &df, &err) == 0) {
    expand_all(df);
    struct hutch_stages st = {0};
    size_t t;
    if (hutch_stages_split(df, &st, &err) == 0 && st.n > 0)
      hutch_stages_mark(&st, NULL, &t, &err);
    hutch_stages_clear(&st);
    hutch_dockerfile_free(df);
  }
  hutch_error_free(err);
  err = NULL;
  struct hutch_ignore *ig = NULL;
  if (hutch_ignore_parse(text, &ig, &err) == 0) {
    static const char *const paths[] = {"a", "a/b/c.log", "docs/x.md", ".git/HEAD", ""};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
      hutch_ignore_match(ig, paths[i]);
    hutch_ignore_free(ig);
  }
  hutch_error_free(err);
  return 0;
}
