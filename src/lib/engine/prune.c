/* docker system prune (prune.h): each kind of object listed once, the
 * unused ones that pass the filters removed, what they took added up. */
#include "prune.h"

#include "netrecord.h"
#include "netsetup.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/units.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hutch_prune_filter_add(struct hutch_prune_filter *f, const char *kv, int64_t now_ns,
                           struct hutch_error **err) {
  const char *eq = strchr(kv, '=');
  if (!eq)
    return hutch_error_say(err, EINVAL, "bad format of filter (expected name=value)");
  if (hutch_str_has_prefix(kv, "until=")) {
    if (hutch_parse_timestamp(eq + 1, now_ns, &f->until_ns) < 0)
      return hutch_error_say(err, EINVAL, "invalid filter 'until=%s'", eq + 1);
    return 0;
  }
  if (hutch_str_has_prefix(kv, "label!="))
    return hutch_strv_push(&f->no_labels, kv + 7) < 0 ? hutch_error_set(err, ENOMEM, "filter") : 0;
  if (hutch_str_has_prefix(kv, "label="))
    return hutch_strv_push(&f->labels, kv + 6) < 0 ? hutch_error_set(err, ENOMEM, "filter") : 0;
  return hutch_error_say(err, EINVAL, "invalid filter '%.*s'", (int)(eq - kv), kv);
}

void hutch_prune_filter_clear(struct hutch_prune_filter *f) {
  hutch_strv_free(f->labels);
  hutch_strv_free(f->no_labels);
  f->labels = f->no_labels = NULL;
  f->until_ns = -1;
}

bool hutch_prune_filter_any(const struct hutch_prune_filter *f) {
  return f->until_ns >= 0 || f->labels || f->no_labels;
}

static bool has_label(json_t *labels, const char *want) {
  const char *eq = strchr(want, '=');
  _cleanup_free_ char *key = eq ? strndup(want, (size_t)(eq - want)) : strdup(want);
  json_t *v = key ? json_object_get(labels, key) : NULL;
  return v && (!eq || strcmp(json_string_value(v) ?: "", eq + 1) == 0);
}

bool hutch_prune_match(const struct hutch_prune_filter *f, const char *created, json_t *labels) {
  if (f->until_ns >= 0) {
    int64_t t;
    if (!created || !*created || hutch_parse_timestamp(created, 0, &t) < 0 || t >= f->until_ns)
      return false;
  }
  for (char **l = f->labels; l && *l; l++)
    if (!has_label(labels, *l))
      return false;
  for (char **l = f->no_labels; l && *l; l++)
    if (has_label(labels, *l))
      return false;
  return true;
}

void hutch_prune_report_clear(struct hutch_prune_report *r) {
  hutch_strv_free(r->deleted);
  memset(r, 0, sizeof(*r));
}

int hutch_prune_containers(struct hutch_engine *e, const struct hutch_prune_filter *f,
                           struct hutch_prune_report *r, struct hutch_error **err) {
  struct hutch_ctr **all = NULL;
  size_t n = 0;
  if (hutch_ctr_list_all(e, false, &all, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    _cleanup_ctr_ struct hutch_ctr *c = NULL;
    if (hutch_ctr_open(e, all[i]->id, true, &c, NULL) < 0)
      continue;
    const char *st = hutch_ctr_status(e, c);
    if ((strcmp(st, "exited") && strcmp(st, "created") && strcmp(st, "dead")) ||
        !hutch_prune_match(f, c->created, c->cfg.labels))
      continue;
    _cleanup_free_ char *upper = hutch_ctr_path(c, "upper");
    int64_t size = 0;
    if (upper)
      hutch_disk_usage(upper, &size);
    struct hutch_error *rerr = NULL;
    if (hutch_ctr_remove(e, c, false, false, &rerr) < 0) {
      hutch_error_free(rerr); /* changed meanwhile: docker skips it too */
      continue;
    }
    hutch_strv_push(&r->deleted, c->id);
    r->reclaimed += size;
  }
  hutch_ctr_list_free(all, n);
  return 0;
}

/* The networks some container is attached to (by name). */
static char **networks_in_use(struct hutch_engine *e, struct hutch_error **err) {
  struct hutch_ctr **all = NULL;
  size_t n = 0;
  if (hutch_ctr_list_all(e, true, &all, &n, err) < 0)
    return NULL;
  char **used = calloc(1, sizeof(char *));
  for (size_t i = 0; used && i < n; i++) {
    const char *name;
    for (size_t k = 0; (name = hutch_engine_net_name_at(all[i]->cfg.net, k)); k++)
      hutch_strv_push(&used, name);
  }
  hutch_ctr_list_free(all, n);
  if (!used)
    hutch_error_set(err, ENOMEM, "prune networks");
  return used;
}

int hutch_prune_networks(struct hutch_engine *e, const struct hutch_prune_filter *f,
                         struct hutch_prune_report *r, struct hutch_error **err) {
  _cleanup_strv_ char **used = networks_in_use(e, err);
  if (!used)
    return -1;
  struct hutch_engine_netctx nc;
  hutch_engine_net_ctx(e, &nc);
  struct hutch_network **v = NULL;
  size_t n = 0;
  if (hutch_network_list(&nc.ctx, &v, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    bool in_use = strcmp(v[i]->name, HUTCH_NET_DEFAULT_NAME) == 0;
    for (char **u = used; *u && !in_use; u++)
      in_use = strcmp(*u, v[i]->name) == 0;
    /* networks carry no labels: a label= filter keeps them all */
    if (in_use || !hutch_prune_match(f, v[i]->created, NULL))
      continue;
    /* a failure (attached meanwhile) leaves that network, as docker */
    if (hutch_engine_network_remove(e, v[i]->name, NULL) < 0)
      continue;
    hutch_engine_event(e, "network", "destroy", v[i]->id, "name", v[i]->name, "type", "bridge",
                       NULL);
    hutch_strv_push(&r->deleted, v[i]->name);
  }
  hutch_network_list_free(v, n);
  return 0;
}

int hutch_prune_volumes(struct hutch_engine *e, const struct hutch_prune_filter *f, bool all,
                        struct hutch_prune_report *r, struct hutch_error **err) {
  _cleanup_strv_ char **names = NULL;
  if (hutch_volume_list(e, &names, err) < 0)
    return -1;
  for (char **v = names; *v; v++) {
    _cleanup_json_ json_t *j = hutch_volume_inspect(e, *v, NULL);
    json_t *labels = json_object_get(j, "Labels");
    bool anon = json_object_get(labels, "com.docker.volume.anonymous") != NULL;
    if ((!all && !anon) ||
        !hutch_prune_match(f, json_string_value(json_object_get(j, "CreatedAt")), labels))
      continue;
    int64_t size = 0;
    hutch_disk_usage(json_string_value(json_object_get(j, "Mountpoint")) ?: "", &size);
    if (hutch_volume_remove(e, *v, false, NULL) < 0)
      continue; /* in use */
    hutch_strv_push(&r->deleted, *v);
    r->reclaimed += size;
  }
  return 0;
}

/* Image ids some container uses. */
static char **images_in_use(struct hutch_engine *e, struct hutch_error **err) {
  struct hutch_ctr **all = NULL;
  size_t n = 0;
  if (hutch_ctr_list_all(e, true, &all, &n, err) < 0)
    return NULL;
  char **used = calloc(1, sizeof(char *));
  for (size_t i = 0; used && i < n; i++)
    hutch_strv_push(&used, all[i]->cfg.image_id);
  hutch_ctr_list_free(all, n);
  if (!used)
    hutch_error_set(err, ENOMEM, "prune images");
  return used;
}

/* An image config's "key=value" labels as the object filters read. */
static json_t *labels_object(char *const *kv) {
  json_t *o = json_object();
  for (; o && kv && *kv; kv++) {
    const char *eq = strchr(*kv, '=');
    _cleanup_free_ char *k = eq ? strndup(*kv, (size_t)(eq - *kv)) : strdup(*kv);
    if (k)
      json_object_set_new(o, k, json_string(eq ? eq + 1 : ""));
  }
  return o;
}

/* With filters, image by image: the store's prune knows none. */
static int prune_images_filtered(struct hutch_engine *e, struct hutch_store *s,
                                 const struct hutch_prune_filter *f, bool all,
                                 struct hutch_prune_report *r, struct hutch_error **err) {
  _cleanup_strv_ char **used = images_in_use(e, err);
  if (!used)
    return -1;
  struct hutch_image **v = NULL;
  size_t n = 0;
  if (hutch_image_list(s, &v, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    bool named = v[i]->names && v[i]->names[0], in_use = false;
    for (char **u = used; *u && !in_use; u++)
      in_use = strcmp(*u, v[i]->id) == 0;
    if (in_use || (named && !all))
      continue;
    _cleanup_image_ struct hutch_image *img = NULL;
    if (hutch_image_lookup(s, v[i]->id, &img, NULL) < 0)
      continue;
    _cleanup_json_ json_t *labels = labels_object(img->config ? img->config->labels : NULL);
    if (!hutch_prune_match(f, img->created, labels))
      continue;
    _cleanup_strv_ char **log = NULL;
    if (hutch_image_remove(s, v[i]->id, true, &log, NULL) < 0)
      continue;
    for (char **l = log; l && *l; l++) {
      /* docker's prune says "untagged: …", "deleted: …" */
      char line[512];
      snprintf(line, sizeof(line), "%s", *l);
      line[0] = (char)tolower((unsigned char)line[0]);
      hutch_strv_push(&r->deleted, line);
    }
    r->reclaimed += v[i]->size;
  }
  hutch_image_list_free(v, n);
  return 0;
}

int hutch_prune_images(struct hutch_engine *e, const struct hutch_prune_filter *f, bool all,
                       struct hutch_prune_report *r, struct hutch_error **err) {
  struct hutch_store *s;
  if (hutch_engine_store(e, &s, err) < 0)
    return -1;
  if (hutch_prune_filter_any(f))
    return prune_images_filtered(e, s, f, all, r, err);
  _cleanup_strv_ char **deleted = NULL;
  uint64_t freed = 0;
  if (hutch_image_prune(s, all, &deleted, &freed, err) < 0)
    return -1;
  for (char **d = deleted; d && *d; d++) /* "untagged: …", "deleted: …" */
    hutch_strv_push(&r->deleted, *d);
  r->reclaimed += (int64_t)freed;
  return 0;
}
