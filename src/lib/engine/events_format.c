/* An event's journal line, docker's filters on it and docker's two ways
 * of printing it (the text line and the API's JSON message). Pure
 * functions: the journal itself is events.c. */
#include "events.h"

#include "util/cleanup.h"
#include "util/strutil.h"
#include "util/units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hutch_event_attr_add(struct hutch_event *ev, const char *key, const char *value) {
  if (!key || !value || ev->n_attrs >= HUTCH_EVENT_ATTRS_MAX)
    return;
  for (size_t i = 0; i < ev->n_attrs; i++)
    if (strcmp(ev->attrs[i].key, key) == 0) {
      ev->attrs[i].value = value;
      return;
    }
  ev->attrs[ev->n_attrs++] = (struct hutch_event_attr){key, value};
}

const char *hutch_event_attr(const struct hutch_event *ev, const char *key) {
  for (size_t i = 0; i < ev->n_attrs; i++)
    if (strcmp(ev->attrs[i].key, key) == 0)
      return ev->attrs[i].value;
  return NULL;
}

int hutch_event_parse(const char *line, struct hutch_event *ev) {
  memset(ev, 0, sizeof(*ev));
  json_t *doc = json_loads(line, 0, NULL);
  json_t *t = json_object_get(doc, "time"), *attrs = json_object_get(doc, "attrs");
  const char *type = json_string_value(json_object_get(doc, "type"));
  const char *action = json_string_value(json_object_get(doc, "action"));
  const char *id = json_string_value(json_object_get(doc, "id"));
  if (!json_is_integer(t) || !type || !action || !id || (attrs && !json_is_object(attrs))) {
    json_decref(doc);
    return -EINVAL;
  }
  ev->doc = doc;
  ev->time_ns = json_integer_value(t);
  ev->type = type;
  ev->action = action;
  ev->id = id;
  const char *k;
  json_t *v;
  json_object_foreach(attrs, k, v) hutch_event_attr_add(ev, k, json_string_value(v));
  return 0;
}

void hutch_event_clear(struct hutch_event *ev) {
  json_decref(ev->doc);
  memset(ev, 0, sizeof(*ev));
}

/* ---- filters ---- */

int hutch_event_filter_add(struct hutch_event_filter *f, const char *kv, struct hutch_error **err) {
  const char *eq = strchr(kv, '=');
  if (!eq)
    return hutch_error_say(err, EINVAL, "bad format of filter (expected name=value)");
  static const char *const keys[] = {"container", "image",   "event", "type",
                                     "label",     "network", "volume"};
  char ***lists[] = {&f->container, &f->image,   &f->event, &f->type,
                     &f->label,     &f->network, &f->volume};
  size_t klen = (size_t)(eq - kv);
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    if (strlen(keys[i]) == klen && strncmp(kv, keys[i], klen) == 0) {
      if (hutch_strv_push(lists[i], eq + 1) < 0)
        return hutch_error_set(err, ENOMEM, "filter");
      return 0;
    }
  return hutch_error_say(err, EINVAL, "invalid filter '%.*s'", (int)klen, kv);
}

void hutch_event_filter_clear(struct hutch_event_filter *f) {
  char **lists[] = {f->container, f->image, f->event, f->type, f->label, f->network, f->volume};
  for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
    hutch_strv_free(lists[i]);
  memset(f, 0, sizeof(*f));
}

static bool any_equal(char *const *v, const char *s) {
  for (; s && v && *v; v++)
    if (strcmp(*v, s) == 0)
      return true;
  return false;
}

/* An id filter value matches the id or a prefix of it, as docker's. */
static bool any_id_prefix(char *const *v, const char *id) {
  for (; v && *v; v++)
    if (**v && hutch_str_has_prefix(id, *v))
      return true;
  return false;
}

/* "alpine" names the same image as "alpine:latest". */
static bool image_equal(const char *want, const char *have) {
  if (!have)
    return false;
  if (strcmp(want, have) == 0)
    return true;
  size_t wl = strlen(want), hl = strlen(have);
  return (hl == wl + 7 && strncmp(have, want, wl) == 0 && strcmp(have + wl, ":latest") == 0) ||
         (wl == hl + 7 && strncmp(want, have, hl) == 0 && strcmp(want + hl, ":latest") == 0);
}

static bool match_image(char *const *v, const struct hutch_event *ev) {
  const char *img =
      strcmp(ev->type, "image") == 0 ? hutch_event_attr(ev, "name") : hutch_event_attr(ev, "image");
  for (; v && *v; v++)
    if (image_equal(*v, img) || (strcmp(ev->type, "image") == 0 && image_equal(*v, ev->id)))
      return true;
  return false;
}

/* container, network and volume filters: the actor, by id (prefix) or
 * name, of events of that type only. */
static bool match_actor(char *const *v, const struct hutch_event *ev, const char *type) {
  return strcmp(ev->type, type) == 0 &&
         (any_id_prefix(v, ev->id) || any_equal(v, hutch_event_attr(ev, "name")));
}

static bool match_label(char *const *v, const struct hutch_event *ev) {
  for (; v && *v; v++) {
    const char *eq = strchr(*v, '=');
    size_t kl = eq ? (size_t)(eq - *v) : strlen(*v);
    for (size_t i = 0; i < ev->n_attrs; i++)
      if (strlen(ev->attrs[i].key) == kl && strncmp(ev->attrs[i].key, *v, kl) == 0 &&
          (!eq || strcmp(ev->attrs[i].value, eq + 1) == 0))
        return true;
  }
  return false;
}

/* event=exec_create matches "exec_create: sh -c …" */
static bool match_action(char *const *v, const char *action) {
  const char *colon = strchr(action, ':');
  size_t base = colon ? (size_t)(colon - action) : strlen(action);
  for (; v && *v; v++)
    if (strcmp(*v, action) == 0 || (strlen(*v) == base && strncmp(*v, action, base) == 0))
      return true;
  return false;
}

bool hutch_event_match(const struct hutch_event_filter *f, const struct hutch_event *ev) {
  if (f->type && !any_equal(f->type, ev->type))
    return false;
  if (f->event && !match_action(f->event, ev->action))
    return false;
  if (f->container && !match_actor(f->container, ev, "container"))
    return false;
  if (f->network && !match_actor(f->network, ev, "network"))
    return false;
  if (f->volume && !match_actor(f->volume, ev, "volume"))
    return false;
  if (f->image && !match_image(f->image, ev))
    return false;
  if (f->label && !match_label(f->label, ev))
    return false;
  return true;
}

/* ---- output ---- */

static int by_key(const void *a, const void *b) {
  return strcmp(((const struct hutch_event_attr *)a)->key,
                ((const struct hutch_event_attr *)b)->key);
}

char *hutch_event_format_line(const struct hutch_event *ev) {
  char when[40];
  hutch_format_time_ns(ev->time_ns, when, sizeof(when));
  struct hutch_event_attr sorted[HUTCH_EVENT_ATTRS_MAX];
  memcpy(sorted, ev->attrs, ev->n_attrs * sizeof(sorted[0]));
  qsort(sorted, ev->n_attrs, sizeof(sorted[0]), by_key);
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (!f)
    return NULL;
  fprintf(f, "%s %s %s %s", when, ev->type, ev->action, ev->id);
  for (size_t i = 0; i < ev->n_attrs; i++)
    fprintf(f, "%s%s=%s", i ? ", " : " (", sorted[i].key, sorted[i].value);
  if (ev->n_attrs)
    fputc(')', f);
  if (fclose(f) != 0) {
    free(out);
    return NULL;
  }
  return out;
}

json_t *hutch_event_json(const struct hutch_event *ev) {
  json_t *attrs = json_object();
  for (size_t i = 0; attrs && i < ev->n_attrs; i++)
    json_object_set_new(attrs, ev->attrs[i].key, json_string(ev->attrs[i].value));
  json_t *o =
      json_pack("{ss ss s{ss so} ss sI sI}", "Type", ev->type, "Action", ev->action, "Actor", "ID",
                ev->id, "Attributes", attrs, "scope", "local", "time",
                (json_int_t)(ev->time_ns / 1000000000LL), "timeNano", (json_int_t)ev->time_ns);
  /* the old fields docker still sends for containers and images */
  if (o && (strcmp(ev->type, "container") == 0 || strcmp(ev->type, "image") == 0)) {
    json_object_set_new(o, "status", json_string(ev->action));
    json_object_set_new(o, "id", json_string(ev->id));
    const char *from = hutch_event_attr(ev, "image");
    if (from)
      json_object_set_new(o, "from", json_string(from));
  }
  return o;
}
