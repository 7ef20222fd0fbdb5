/* The image config a build or a commit writes, typed: the fields `hutch
 * run` reads (struct hutch_image_config) plus what only images carry
 * (Healthcheck, OnBuild, Shell, history), parsed from a parent image's
 * config blob and written back in docker's shape. And the metadata
 * instructions (ENV LABEL CMD ENTRYPOINT WORKDIR USER EXPOSE VOLUME
 * STOPSIGNAL HEALTHCHECK ONBUILD SHELL MAINTAINER) applied to it, which
 * `hutch build` and `hutch commit -c` share. */
#pragma once

#include "dockerfile.h"
#include "image/manifest.h"
#include "shlex.h"

#include <stdbool.h>
#include <stdint.h>

struct hutch_build_health {
  char **test; /* ["NONE"], ["CMD", …] or ["CMD-SHELL", cmd] */
  int64_t interval, timeout, start_period, start_interval; /* ns, 0: default */
  int64_t retries;
};

struct hutch_build_history {
  char *created, *created_by, *author, *comment;
  bool empty_layer;
};

struct hutch_build_config {
  struct hutch_image_config *c;
  struct hutch_build_health *health; /* NULL: none */
  char **onbuild, **shell;           /* NULL: none */
  struct hutch_build_history *history;
  size_t n_history;
  bool cmd_set; /* CMD given in this stage: a later ENTRYPOINT keeps it */
};

int hutch_build_config_parse(const char *json, size_t len, struct hutch_build_config **out,
                             struct hutch_error **err);
/* FROM scratch: this machine's platform, no layers. */
int hutch_build_config_scratch(struct hutch_build_config **out, struct hutch_error **err);
void hutch_build_config_free(struct hutch_build_config *bc);
void hutch_build_config_freep(struct hutch_build_config **bc);
#define _cleanup_build_config_ __attribute__((cleanup(hutch_build_config_freep)))
/* docker's image config JSON; created: the time to stamp (RFC 3339). */
int hutch_build_config_dump(const struct hutch_build_config *bc, char **out,
                            struct hutch_error **err);
int hutch_build_config_add_history(struct hutch_build_config *bc, const char *created,
                                   const char *created_by, const char *author, const char *comment,
                                   bool empty_layer);
int hutch_build_config_add_layer(struct hutch_build_config *bc, const char *diff_id);

/* "K=V" vectors: the value of k, or NULL; set k (replacing its entry). */
const char *hutch_kv_get(char *const *v, const char *k);
int hutch_kv_set(char ***v, const char *k, const char *val);

/* Go's time.ParseDuration for HEALTHCHECK's flags: "30s", "1m30s",
 * "500ms" → ns; -EINVAL. */
int hutch_parse_go_duration(const char *s, int64_t *ns);

/* What expands variables in an instruction's words. */
struct hutch_build_vars {
  char escape;
  hutch_shlex_lookup_fn lookup;
  void *ud;
};

/* Apply a metadata instruction to bc; -ENOTSUP (with *err) for the
 * instructions that are not metadata (RUN COPY ADD FROM ARG). where: how
 * errors name the instruction ("Dockerfile:3"). */
int hutch_build_apply(struct hutch_build_config *bc, const struct hutch_df_instr *in,
                      const struct hutch_build_vars *vars, struct hutch_error **err);
/* The command of a shell-form instruction: SHELL (default /bin/sh -c) +
 * text; exec form: the array as is. */
char **hutch_build_command(const struct hutch_build_config *bc, const struct hutch_df_instr *in);
