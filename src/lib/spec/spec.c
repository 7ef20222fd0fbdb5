/* The spec model's small helpers: names of namespaces and hooks, their
 * clone flags, annotation lookup, and freeing everything a parse built.
 * Parsing lives in spec_parse.c, the default config in spec_default.c. */
#include "spec.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080 /* older libc headers lack it */
#endif

static const struct {
  const char *name;
  int flag;
} ns_table[SPEC_NS__MAX] = {
    [SPEC_NS_MOUNT] = {"mount", CLONE_NEWNS},       [SPEC_NS_PID] = {"pid", CLONE_NEWPID},
    [SPEC_NS_NETWORK] = {"network", CLONE_NEWNET},  [SPEC_NS_IPC] = {"ipc", CLONE_NEWIPC},
    [SPEC_NS_UTS] = {"uts", CLONE_NEWUTS},          [SPEC_NS_USER] = {"user", CLONE_NEWUSER},
    [SPEC_NS_CGROUP] = {"cgroup", CLONE_NEWCGROUP}, [SPEC_NS_TIME] = {"time", CLONE_NEWTIME},
};

const char *hutch_spec_ns_name(enum spec_ns_type t) {
  if ((unsigned)t >= SPEC_NS__MAX)
    return NULL;
  return ns_table[t].name;
}

int hutch_spec_ns_clone_flag(enum spec_ns_type t) {
  if ((unsigned)t >= SPEC_NS__MAX)
    return 0;
  return ns_table[t].flag;
}

/* The JSON keys of linux.hooks, in enum order. */
static const char *const hook_names[SPEC_HOOK__MAX] = {
    [SPEC_HOOK_PRESTART] = "prestart",
    [SPEC_HOOK_CREATE_RUNTIME] = "createRuntime",
    [SPEC_HOOK_CREATE_CONTAINER] = "createContainer",
    [SPEC_HOOK_START_CONTAINER] = "startContainer",
    [SPEC_HOOK_POSTSTART] = "poststart",
    [SPEC_HOOK_POSTSTOP] = "poststop",
};

const char *hutch_spec_hook_name(enum spec_hook_kind k) {
  if ((unsigned)k >= SPEC_HOOK__MAX)
    return NULL;
  return hook_names[k];
}

const char *hutch_spec_annotation(const struct spec *s, const char *key) {
  if (s == NULL || key == NULL)
    return NULL;
  for (size_t i = 0; i < s->n_annotations; i++)
    if (strcmp(s->annotations[i].key, key) == 0)
      return s->annotations[i].value;
  return NULL;
}

static void kv_free(struct spec_kv *kv, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(kv[i].key);
    free(kv[i].value);
  }
  free(kv);
}

void hutch_spec_process_clear(struct spec_process *p) {
  free(p->user.additional_gids);
  free(p->user.username);
  hutch_strv_free(p->args);
  free(p->command_line);
  hutch_strv_free(p->env);
  free(p->cwd);
  hutch_strv_free(p->caps.bounding);
  hutch_strv_free(p->caps.effective);
  hutch_strv_free(p->caps.inheritable);
  hutch_strv_free(p->caps.permitted);
  hutch_strv_free(p->caps.ambient);
  for (size_t i = 0; i < p->n_rlimits; i++)
    free(p->rlimits[i].type);
  free(p->rlimits);
  free(p->apparmor_profile);
  free(p->selinux_label);
  memset(p, 0, sizeof(*p));
}

static void mount_clear(struct spec_mount *m) {
  free(m->destination);
  free(m->type);
  free(m->source);
  hutch_strv_free(m->options);
  free(m->data);
  free(m->uid_mappings);
  free(m->gid_mappings);
}

static void hooks_clear(struct spec_hooks *h) {
  for (int k = 0; k < SPEC_HOOK__MAX; k++) {
    for (size_t i = 0; i < h->n[k]; i++) {
      free(h->list[k][i].path);
      hutch_strv_free(h->list[k][i].args);
      hutch_strv_free(h->list[k][i].env);
    }
    free(h->list[k]);
  }
}

void hutch_spec_resources_clear(struct spec_resources *r) {
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->n_devices; i++)
    free(r->devices[i].access);
  free(r->devices);
  free(r->cpu.cpus);
  free(r->cpu.mems);
  free(r->blkio.weight_device);
  free(r->blkio.throttle_read_bps);
  free(r->blkio.throttle_write_bps);
  free(r->blkio.throttle_read_iops);
  free(r->blkio.throttle_write_iops);
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    free(r->hugepage_limits[i].page_size);
  free(r->hugepage_limits);
  for (size_t i = 0; i < r->n_net_priorities; i++)
    free(r->net_priorities[i].name);
  free(r->net_priorities);
  kv_free(r->unified, r->n_unified);
  memset(r, 0, sizeof(*r));
}

static void seccomp_clear(struct spec_seccomp *sc) {
  free(sc->default_action);
  hutch_strv_free(sc->architectures);
  hutch_strv_free(sc->flags);
  free(sc->listener_path);
  free(sc->listener_metadata);
  for (size_t i = 0; i < sc->n_syscalls; i++) {
    hutch_strv_free(sc->syscalls[i].names);
    free(sc->syscalls[i].action_name);
    free(sc->syscalls[i].args);
  }
  free(sc->syscalls);
}

static void linux_clear(struct spec_linux *l) {
  for (int i = 0; i < SPEC_NS__MAX; i++)
    free(l->namespaces[i].path);
  free(l->uid_mappings);
  free(l->gid_mappings);
  kv_free(l->sysctl, l->n_sysctl);
  hutch_spec_resources_clear(&l->resources);
  free(l->cgroups_path);
  for (size_t i = 0; i < l->n_devices; i++)
    free(l->devices[i].path);
  free(l->devices);
  seccomp_clear(&l->seccomp);
  free(l->rootfs_propagation);
  hutch_strv_free(l->masked_paths);
  hutch_strv_free(l->readonly_paths);
  free(l->mount_label);
}

void hutch_spec_free(struct spec *s) {
  if (s == NULL)
    return;
  free(s->oci_version);
  free(s->root_path);
  hutch_spec_process_clear(&s->process);
  free(s->hostname);
  free(s->domainname);
  for (size_t i = 0; i < s->n_mounts; i++)
    mount_clear(&s->mounts[i]);
  free(s->mounts);
  hooks_clear(&s->hooks);
  kv_free(s->annotations, s->n_annotations);
  linux_clear(&s->linux_);
  free(s);
}

void hutch_spec_freep(struct spec **s) {
  if (s && *s) {
    hutch_spec_free(*s);
    *s = NULL;
  }
}
