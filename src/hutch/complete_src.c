/* The objects hutch __complete offers: names read from the state database
 * (containers, volumes, networks) and the image index, the listings ps,
 * volume ls, network ls and images read, so a TAB costs what they cost. */
#include "complete.h"
#include "image_cli.h"
#include "image/filter.h"

#include "engine/engine.h"
#include "engine/netrecord.h"
#include "util/cleanup.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

/* Which containers a command offers (docker's completion does the same). */
static bool wants(const char *cmd, const char *status) {
  static const char *const running[] = {"stop", "kill", "exec", "pause", "top", "port", "stats"};
  bool up = strcmp(status, "running") == 0 || strcmp(status, "restarting") == 0;
  for (size_t i = 0; i < ARRAY_SIZE(running); i++)
    if (strcmp(cmd, running[i]) == 0)
      return up;
  if (strcmp(cmd, "start") == 0)
    return !up && strcmp(status, "paused") != 0;
  if (strcmp(cmd, "unpause") == 0)
    return strcmp(status, "paused") == 0;
  return true;
}

static void containers(struct hutch_engine *e, const char *cmd, const char *prefix,
                       const char *cur) {
  struct hutch_ctr **v = NULL;
  size_t n = 0;
  struct hutch_error *err = NULL;
  if (hutch_ctr_list_all(e, false, &v, &n, &err) < 0) {
    hutch_error_free(err);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    const char *st = hutch_ctr_status(e, v[i]);
    char cp_name[300]; /* cp takes NAME:PATH */
    snprintf(cp_name, sizeof(cp_name), "%s:", v[i]->name);
    if (wants(cmd, st))
      hutch_complete_emit(prefix, strcmp(cmd, "cp") == 0 ? cp_name : v[i]->name, v[i]->image_name,
                          cur);
  }
  hutch_ctr_list_free(v, n);
}

static void images(struct hutch_engine *e, const char *prefix, const char *cur) {
  struct hutch_store *s;
  struct hutch_error *err = NULL;
  struct hutch_image **v = NULL;
  size_t n = 0;
  if (hutch_engine_store(e, &s, &err) < 0 || hutch_image_list(s, &v, &n, &err) < 0) {
    hutch_error_free(err);
    return;
  }
  for (size_t i = 0; i < n; i++)
    for (char **name = v[i]->names; name && *name; name++) {
      _cleanup_free_ char *repo = NULL, *tag = NULL, *full = NULL;
      hutch_image_split_name(*name, &repo, &tag);
      if (repo && tag && strcmp(tag, "<none>") != 0 && asprintf(&full, "%s:%s", repo, tag) > 0)
        hutch_complete_emit(prefix, full, NULL, cur);
    }
  hutch_image_list_free(v, n);
}

static void networks(struct hutch_engine *e, const char *prefix, const char *cur) {
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  struct hutch_network **v = NULL;
  size_t n = 0;
  struct hutch_error *err = NULL;
  if (hutch_network_list(&nc.ctx, &v, &n, &err) < 0) {
    hutch_error_free(err);
    return;
  }
  /* the default network is there before its first use makes its record */
  bool bridge = false;
  for (size_t i = 0; i < n; i++)
    bridge = bridge || strcmp(v[i]->name, "bridge") == 0;
  if (!bridge)
    hutch_complete_emit(prefix, "bridge", NULL, cur);
  for (size_t i = 0; i < n; i++)
    hutch_complete_emit(prefix, v[i]->name, NULL, cur);
  hutch_network_list_free(v, n);
}

static void volumes(struct hutch_engine *e, const char *prefix, const char *cur) {
  _cleanup_strv_ char **names = NULL;
  struct hutch_error *err = NULL;
  if (hutch_volume_list(e, &names, &err) < 0) {
    hutch_error_free(err);
    return;
  }
  for (char **v = names; v && *v; v++)
    hutch_complete_emit(prefix, *v, NULL, cur);
}

void hutch_complete_objects(enum hutch_arg_kind kind, const char *cmd, const char *prefix,
                            const char *cur) {
  if (kind < HUTCH_ARG_CONTAINER)
    return;
  _cleanup_engine_ struct hutch_engine *e = NULL;
  struct hutch_error *err = NULL;
  if (hutch_engine_open(&e, &err) < 0) {
    hutch_error_free(err);
    return;
  }
  if (kind == HUTCH_ARG_CONTAINER || kind == HUTCH_ARG_OBJECT)
    containers(e, cmd, prefix, cur);
  if (kind == HUTCH_ARG_IMAGE || kind == HUTCH_ARG_OBJECT)
    images(e, prefix, cur);
  if (kind == HUTCH_ARG_NETWORK)
    networks(e, prefix, cur);
  if (kind == HUTCH_ARG_VOLUME)
    volumes(e, prefix, cur);
}
