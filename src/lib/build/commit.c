/* hutch commit; see commit.h. */
#include "commit.h"

#include "buildcfg.h"
#include "image_write.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *env_lookup(void *ud, const char *name) {
  return hutch_kv_get(ud, name);
}

int hutch_commit_apply_changes(struct hutch_build_config *bc, char *const *changes,
                               struct hutch_error **err) {
  static const enum hutch_df_kind allowed[] = {
      HUTCH_DF_CMD,         HUTCH_DF_ENTRYPOINT, HUTCH_DF_ENV,     HUTCH_DF_EXPOSE,
      HUTCH_DF_HEALTHCHECK, HUTCH_DF_LABEL,      HUTCH_DF_ONBUILD, HUTCH_DF_STOPSIGNAL,
      HUTCH_DF_USER,        HUTCH_DF_VOLUME,     HUTCH_DF_WORKDIR,
  };
  for (size_t i = 0; changes && changes[i]; i++) {
    struct hutch_df_instr in = {0};
    if (hutch_df_parse_line(changes[i], '\\', (int)i + 1, "change", &in, err) < 0)
      return -1;
    bool ok = false;
    for (size_t k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
      ok |= in.kind == allowed[k];
    int r = 0;
    if (!ok)
      r = hutch_error_say(err, EINVAL, "%s is not a valid change command",
                          hutch_df_kind_name(in.kind));
    struct hutch_build_vars v = {'\\', env_lookup, bc->c->env};
    bc->cmd_set = true; /* docker commit keeps Cmd when -c sets ENTRYPOINT */
    if (r == 0)
      r = hutch_build_apply(bc, &in, &v, err);
    hutch_df_instr_clear(&in);
    if (r < 0)
      return hutch_error_wrap(err, "change \"%s\"", changes[i]);
  }
  return 0;
}

/* docker records the container's command as the layer's created_by. */
static char *command_line(const struct hutch_ctr *c) {
  return strdup(c->command ? c->command : "");
}

static int commit_locked(struct hutch_engine *e, struct hutch_ctr *c,
                         const struct hutch_commit_opts *o, struct hutch_image **out,
                         struct hutch_error **err) {
  struct hutch_store *s;
  _cleanup_image_ struct hutch_image *parent = NULL;
  _cleanup_build_config_ struct hutch_build_config *bc = NULL;
  if (hutch_engine_store(e, &s, err) < 0 ||
      hutch_image_lookup(s, c->cfg.image_id, &parent, err) < 0 ||
      hutch_build_config_parse(parent->config_json, parent->config_len, &bc, err) < 0 ||
      hutch_commit_apply_changes(bc, o->changes, err) < 0)
    return -1;
  _cleanup_free_ char *upper = hutch_ctr_path(c, "upper");
  struct hutch_new_layer layer = {0};
  if (!upper)
    return hutch_error_set(err, ENOMEM, "commit");
  if (hutch_build_layer_from_upper(s, upper, &layer, err) < 0)
    return hutch_error_wrap(err, "commit %.12s", c->id);
  char now[64];
  hutch_build_now(now);
  _cleanup_free_ char *by = command_line(c);
  free(bc->c->created);
  bc->c->created = strdup(now);
  if (o->author) {
    free(bc->c->author);
    bc->c->author = strdup(o->author);
  }
  if (!by || hutch_build_config_add_layer(bc, layer.diff_id) < 0 ||
      hutch_build_config_add_history(bc, now, by, o->author, o->message, false) < 0)
    return hutch_error_set(err, ENOMEM, "commit");
  return hutch_build_store_image(s, parent, bc, &layer, o->name, out, err);
}

int hutch_ctr_commit(struct hutch_engine *e, struct hutch_ctr *c, const struct hutch_commit_opts *o,
                     struct hutch_image **out, struct hutch_error **err) {
  bool paused = false;
  if (o->pause && hutch_ctr_running(c) && strcmp(hutch_ctr_status(e, c), "paused") != 0) {
    if (hutch_container_pause(&e->rt, c->id, err) < 0)
      return hutch_error_wrap(err, "commit: pause %.12s", c->id);
    paused = true;
  }
  int r = commit_locked(e, c, o, out, err);
  struct hutch_error *rerr = NULL;
  if (paused && hutch_container_resume(&e->rt, c->id, &rerr) < 0) {
    if (r == 0)
      r = hutch_error_set(err, hutch_error_code(rerr), "commit: resume %.12s: %s", c->id,
                          rerr->msg);
    hutch_error_free(rerr);
  }
  return r;
}
