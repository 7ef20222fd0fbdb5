/* What hutch_ctr_create() (create.c) has made by the time it builds the
 * container's record (create_record.c). Private to those two. */
#pragma once

#include <jansson.h>

#include "engine.h"
#include "netrecord.h"

struct hutch_create {
  struct hutch_engine *e;
  const char *image_ref;
  struct hutch_image *img;
  struct hutch_run_opts *o;
  const char *restart_policy; /* HostConfig.RestartPolicy, parsed from o->restart */
  int restart_max;
  struct hutch_ctr *c;         /* locked, its row reserved */
  char *merged, *upper, *work; /* the overlay rootfs */
  char *passwd, *group;        /* the image's /etc files, for the spec */
  char *init_path;             /* --init: the container's copy of hutch-init */
  char *seccomp;               /* the text of --security-opt seccomp=FILE */
  json_t *mounts;              /* the record's Mounts */
  json_t *anon;                /* the anonymous volumes made (Hutch.AnonVolumes) */
  struct hutch_engine_net_plan net;
  json_t *spec; /* config.json */
};

/* x->c->rec, docker-shaped: Path, Args, Config, HostConfig, Mounts
 * (x->mounts and x->anon go into it), GraphDriver, the files, Hutch. */
int hutch_create_record(struct hutch_create *x, struct hutch_error **err);

/* The options checked against the host and the other containers
 * (create_check.c), before anything is made; sets restart_policy/max and
 * the resolved parts of x->o (pid_join, ipc_join). */
int hutch_create_check(struct hutch_create *x, struct hutch_error **err);
