/* Image configs for build and commit; see buildcfg.h. */
#include "buildcfg.h"

#include "engine/spec_gen.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hutch_build_config_free(struct hutch_build_config *bc) {
  if (!bc)
    return;
  hutch_image_config_free(bc->c);
  if (bc->health) {
    hutch_strv_free(bc->health->test);
    free(bc->health);
  }
  hutch_strv_free(bc->onbuild);
  hutch_strv_free(bc->shell);
  for (size_t i = 0; i < bc->n_history; i++) {
    struct hutch_build_history *h = &bc->history[i];
    free(h->created);
    free(h->created_by);
    free(h->author);
    free(h->comment);
  }
  free(bc->history);
  free(bc);
}

void hutch_build_config_freep(struct hutch_build_config **bc) {
  hutch_build_config_free(*bc);
}

static char *dup_or_null(const char *s) {
  return s ? strdup(s) : NULL;
}

static int parse_health(json_t *h, struct hutch_build_config *bc, struct hutch_error **err) {
  if (!json_is_object(h))
    return 0;
  bc->health = calloc(1, sizeof(*bc->health));
  if (!bc->health)
    return hutch_error_set(err, ENOMEM, "image config");
  struct hutch_build_health *x = bc->health;
  x->interval = json_integer_value(json_object_get(h, "Interval"));
  x->timeout = json_integer_value(json_object_get(h, "Timeout"));
  x->start_period = json_integer_value(json_object_get(h, "StartPeriod"));
  x->start_interval = json_integer_value(json_object_get(h, "StartInterval"));
  x->retries = json_integer_value(json_object_get(h, "Retries"));
  return hutch_json_strv(json_object_get(h, "Test"), "config.Healthcheck.Test", &x->test, err);
}

static int parse_history(json_t *a, struct hutch_build_config *bc, struct hutch_error **err) {
  if (!json_is_array(a))
    return 0;
  size_t i;
  json_t *h;
  json_array_foreach(a, i, h) {
    const char *by = json_string_value(json_object_get(h, "created_by"));
    if (hutch_build_config_add_history(bc, json_string_value(json_object_get(h, "created")), by,
                                       json_string_value(json_object_get(h, "author")),
                                       json_string_value(json_object_get(h, "comment")),
                                       json_is_true(json_object_get(h, "empty_layer"))) < 0)
      return hutch_error_set(err, ENOMEM, "image config history");
  }
  return 0;
}

int hutch_build_config_parse(const char *json, size_t len, struct hutch_build_config **out,
                             struct hutch_error **err) {
  _cleanup_build_config_ struct hutch_build_config *bc = calloc(1, sizeof(*bc));
  if (!bc)
    return hutch_error_set(err, ENOMEM, "image config");
  if (hutch_image_config_parse(json, len, &bc->c, err) < 0)
    return -1;
  _cleanup_json_ json_t *j = json_loadb(json, len, 0, NULL);
  json_t *cfg = json_object_get(j, "config");
  if (parse_health(json_object_get(cfg, "Healthcheck"), bc, err) < 0 ||
      hutch_json_strv(json_object_get(cfg, "OnBuild"), "config.OnBuild", &bc->onbuild, err) < 0 ||
      hutch_json_strv(json_object_get(cfg, "Shell"), "config.Shell", &bc->shell, err) < 0 ||
      parse_history(json_object_get(j, "history"), bc, err) < 0)
    return -1;
  *out = TAKE_PTR(bc);
  return 0;
}

int hutch_build_config_scratch(struct hutch_build_config **out, struct hutch_error **err) {
  struct hutch_platform p = {0};
  hutch_platform_host(&p);
  _cleanup_json_ json_t *j =
      json_pack("{s:s, s:s, s:{s:[s]}, s:{s:s, s:[]}}", "architecture", p.architecture, "os", p.os,
                "config", "Env", HUTCH_DEFAULT_PATH, "rootfs", "type", "layers", "diff_ids");
  if (j && p.variant)
    json_object_set_new(j, "variant", json_string(p.variant));
  hutch_platform_clear(&p);
  _cleanup_free_ char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
  if (!s)
    return hutch_error_set(err, ENOMEM, "image config");
  return hutch_build_config_parse(s, strlen(s), out, err);
}

static json_t *strv_json(char *const *v) {
  json_t *a = json_array();
  for (size_t i = 0; v && v[i]; i++)
    json_array_append_new(a, json_string(v[i]));
  return a;
}

static json_t *keys_json(char *const *v, bool with_values) {
  json_t *o = json_object();
  for (size_t i = 0; v && v[i]; i++) {
    const char *eq = with_values ? strchr(v[i], '=') : NULL;
    if (with_values && !eq)
      continue;
    _cleanup_free_ char *k = with_values ? strndup(v[i], (size_t)(eq - v[i])) : strdup(v[i]);
    if (k)
      json_object_set_new(o, k, with_values ? json_string(eq + 1) : json_object());
  }
  return o;
}

static void set_str(json_t *o, const char *k, const char *v) {
  if (v && *v)
    json_object_set_new(o, k, json_string(v));
}

static json_t *container_config(const struct hutch_build_config *bc) {
  const struct hutch_image_config *c = bc->c;
  json_t *o = json_object();
  set_str(o, "User", c->user);
  if (c->exposed_ports && c->exposed_ports[0])
    json_object_set_new(o, "ExposedPorts", keys_json(c->exposed_ports, false));
  json_object_set_new(o, "Env", strv_json(c->env));
  if (c->cmd)
    json_object_set_new(o, "Cmd", strv_json(c->cmd));
  if (bc->health) {
    json_t *h = json_pack("{s:o}", "Test", strv_json(bc->health->test));
    static const char *const names[] = {"Interval", "Timeout", "StartPeriod", "StartInterval"};
    const int64_t vals[] = {bc->health->interval, bc->health->timeout, bc->health->start_period,
                            bc->health->start_interval};
    for (size_t i = 0; i < 4; i++)
      if (vals[i])
        json_object_set_new(h, names[i], json_integer(vals[i]));
    if (bc->health->retries)
      json_object_set_new(h, "Retries", json_integer(bc->health->retries));
    json_object_set_new(o, "Healthcheck", h);
  }
  if (c->volumes && c->volumes[0])
    json_object_set_new(o, "Volumes", keys_json(c->volumes, false));
  set_str(o, "WorkingDir", c->working_dir);
  if (c->entrypoint)
    json_object_set_new(o, "Entrypoint", strv_json(c->entrypoint));
  if (bc->onbuild && bc->onbuild[0])
    json_object_set_new(o, "OnBuild", strv_json(bc->onbuild));
  if (c->labels && c->labels[0])
    json_object_set_new(o, "Labels", keys_json(c->labels, true));
  set_str(o, "StopSignal", c->stop_signal);
  if (bc->shell)
    json_object_set_new(o, "Shell", strv_json(bc->shell));
  return o;
}

int hutch_build_config_dump(const struct hutch_build_config *bc, char **out,
                            struct hutch_error **err) {
  const struct hutch_image_config *c = bc->c;
  json_t *hist = json_array();
  for (size_t i = 0; i < bc->n_history; i++) {
    const struct hutch_build_history *h = &bc->history[i];
    json_t *e = json_object();
    set_str(e, "created", h->created);
    set_str(e, "created_by", h->created_by);
    set_str(e, "author", h->author);
    set_str(e, "comment", h->comment);
    if (h->empty_layer)
      json_object_set_new(e, "empty_layer", json_true());
    json_array_append_new(hist, e);
  }
  _cleanup_json_ json_t *j =
      json_pack("{s:s, s:s, s:o, s:{s:s, s:o}, s:o}", "architecture", c->architecture ?: "amd64",
                "os", c->os ?: "linux", "config", container_config(bc), "rootfs", "type", "layers",
                "diff_ids", strv_json(c->diff_ids), "history", hist);
  if (!j)
    return hutch_error_set(err, ENOMEM, "image config");
  set_str(j, "variant", c->variant);
  set_str(j, "created", c->created);
  set_str(j, "author", c->author);
  *out = json_dumps(j, JSON_COMPACT);
  return *out ? 0 : hutch_error_set(err, ENOMEM, "image config");
}

int hutch_build_config_add_history(struct hutch_build_config *bc, const char *created,
                                   const char *created_by, const char *author, const char *comment,
                                   bool empty_layer) {
  struct hutch_build_history *nv = realloc(bc->history, (bc->n_history + 1) * sizeof(*bc->history));
  if (!nv)
    return -ENOMEM;
  bc->history = nv;
  nv[bc->n_history++] =
      (struct hutch_build_history){dup_or_null(created), dup_or_null(created_by),
                                   dup_or_null(author), dup_or_null(comment), empty_layer};
  return 0;
}

int hutch_build_config_add_layer(struct hutch_build_config *bc, const char *diff_id) {
  if (!bc->c->diff_ids && !(bc->c->diff_ids = calloc(1, sizeof(char *))))
    return -ENOMEM;
  if (hutch_strv_push(&bc->c->diff_ids, diff_id) < 0)
    return -ENOMEM;
  bc->c->n_diff_ids++;
  return 0;
}

const char *hutch_kv_get(char *const *v, const char *k) {
  size_t n = strlen(k);
  for (size_t i = 0; v && v[i]; i++)
    if (strncmp(v[i], k, n) == 0 && v[i][n] == '=')
      return v[i] + n + 1;
  return NULL;
}

int hutch_kv_set(char ***v, const char *k, const char *val) {
  _cleanup_free_ char *kv = NULL;
  if (asprintf(&kv, "%s=%s", k, val) < 0)
    return -ENOMEM;
  size_t n = strlen(k);
  for (size_t i = 0; *v && (*v)[i]; i++)
    if (strncmp((*v)[i], k, n) == 0 && (*v)[i][n] == '=') {
      free((*v)[i]);
      (*v)[i] = TAKE_PTR(kv);
      return 0;
    }
  if (!*v && !(*v = calloc(1, sizeof(char *))))
    return -ENOMEM;
  return hutch_strv_push(v, kv);
}

int hutch_parse_go_duration(const char *s, int64_t *ns) {
  static const struct {
    const char *unit;
    int64_t ns;
  } units[] = {{"ns", 1},         {"us", 1000},         {"µs", 1000},          {"ms", 1000000},
               {"s", 1000000000}, {"m", 60000000000LL}, {"h", 3600000000000LL}};
  int64_t total = 0;
  if (strcmp(s, "0") == 0)
    return *ns = 0, 0;
  if (!*s)
    return -EINVAL;
  while (*s) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
      return -EINVAL;
    size_t best = 0, bi = 0;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
      size_t l = strlen(units[i].unit);
      if (strncmp(end, units[i].unit, l) == 0 && l > best)
        best = l, bi = i;
    }
    if (!best)
      return -EINVAL;
    total += (int64_t)(v * (double)units[bi].ns);
    s = end + best;
  }
  *ns = total;
  return 0;
}
