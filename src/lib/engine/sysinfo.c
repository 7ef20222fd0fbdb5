/* hutch version and hutch info: facts about this host and this engine,
 * read once into structs (sysinfo.h), then rendered as docker's JSON. */
#include "sysinfo.h"

#include "engine.h"
#include "linux/cgroup.h"
#include "util/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

const char *hutch_go_arch(const char *machine) {
  static const struct {
    const char *uname, *go;
  } map[] = {{"x86_64", "amd64"}, {"aarch64", "arm64"},  {"i686", "386"},
             {"i386", "386"},     {"armv7l", "arm"},     {"ppc64le", "ppc64le"},
             {"s390x", "s390x"},  {"riscv64", "riscv64"}};
  for (size_t i = 0; i < ARRAY_SIZE(map); i++)
    if (strcmp(machine, map[i].uname) == 0)
      return map[i].go;
  return machine;
}

/* Truncating copy (the fields are sized for what the kernel gives). */
static void copy(char *dst, size_t n, const char *src) {
  size_t l = src ? strlen(src) : 0;
  if (l >= n)
    l = n - 1;
  if (l)
    memcpy(dst, src, l);
  dst[l] = '\0';
}

void hutch_version_collect(struct hutch_version_info *v) {
  memset(v, 0, sizeof(*v));
  struct utsname u;
  uname(&u);
  copy(v->version, sizeof(v->version), HUTCH_VERSION);
  copy(v->api_version, sizeof(v->api_version), HUTCH_API_VERSION);
  copy(v->min_api_version, sizeof(v->min_api_version), HUTCH_API_MIN_VERSION);
  copy(v->os, sizeof(v->os), "linux");
  copy(v->arch, sizeof(v->arch), hutch_go_arch(u.machine));
  copy(v->kernel, sizeof(v->kernel), u.release);
  copy(v->build_time, sizeof(v->build_time), __DATE__ " " __TIME__);
  _cleanup_free_ char *rt = hutch_engine_helper_path("HUTCH_RUNTIME", "hutch-runtime");
  copy(v->runtime_path, sizeof(v->runtime_path), rt);
}

json_t *hutch_version_json(const struct hutch_version_info *v) {
  json_t *components =
      json_pack("[{ss ss s{ss ss}}]", "Name", "Engine", "Version", v->version, "Details",
                "ApiVersion", v->api_version, "MinAPIVersion", v->min_api_version);
  if (components && v->runtime_path[0])
    json_array_append_new(components, json_pack("{ss ss s{ss}}", "Name", "hutch-runtime", "Version",
                                                v->version, "Details", "Path", v->runtime_path));
  return json_pack("{s{ss ss ss ss ss ss ss} s{s{ss} so* ss ss ss ss ss ss ss}}", "Client",
                   "Platform", "hutch", "Version", v->version, "ApiVersion", v->api_version,
                   "DefaultAPIVersion", v->api_version, "Os", v->os, "Arch", v->arch, "BuildTime",
                   v->build_time, "Server", "Platform", "Name", "hutch (no daemon)", "Components",
                   components, "Version", v->version, "ApiVersion", v->api_version, "MinAPIVersion",
                   v->min_api_version, "Os", v->os, "Arch", v->arch, "KernelVersion", v->kernel,
                   "BuildTime", v->build_time);
}

/* PRETTY_NAME of /etc/os-release (quotes removed). */
static void os_name(char *buf, size_t n) {
  copy(buf, n, "Linux");
  _cleanup_fclose_ FILE *f = fopen("/etc/os-release", "re");
  if (!f)
    return;
  char line[512];
  while (fgets(line, sizeof(line), f))
    if (strncmp(line, "PRETTY_NAME=", 12) == 0) {
      char *v = line + 12;
      v[strcspn(v, "\n")] = '\0';
      size_t l = strlen(v);
      if (l >= 2 && (v[0] == '"' || v[0] == '\'') && v[l - 1] == v[0]) {
        v[l - 1] = '\0';
        v++;
      }
      copy(buf, n, v);
      return;
    }
}

static const char *fs_name(long type) {
  switch ((unsigned long)type) {
  case 0xEF53:
    return "extfs";
  case 0x58465342:
    return "xfs";
  case 0x9123683E:
    return "btrfs";
  case 0x01021994:
    return "tmpfs";
  case 0x794c7630:
    return "overlayfs";
  case 0x2fc12fc1:
    return "zfs";
  }
  return "<unknown>";
}

static int count_containers(struct hutch_engine *e, struct hutch_sysinfo *s,
                            struct hutch_error **err) {
  struct hutch_ctr **all = NULL;
  size_t n = 0;
  if (hutch_ctr_list_all(e, false, &all, &n, err) < 0)
    return -1;
  s->containers = (long)n;
  for (size_t i = 0; i < n; i++) {
    const char *st = hutch_ctr_status(e, all[i]);
    if (strcmp(st, "paused") == 0)
      s->paused++;
    else if (strcmp(st, "running") == 0 || strcmp(st, "restarting") == 0)
      s->running++;
    else
      s->stopped++;
  }
  hutch_ctr_list_free(all, n);
  return 0;
}

int hutch_sysinfo_collect(struct hutch_engine *e, struct hutch_sysinfo *s,
                          struct hutch_error **err) {
  memset(s, 0, sizeof(*s));
  if (count_containers(e, s, err) < 0)
    return -1;
  struct hutch_store *store;
  struct hutch_image **imgs = NULL;
  size_t ni = 0;
  if (hutch_engine_store(e, &store, err) < 0 || hutch_image_list(store, &imgs, &ni, err) < 0)
    return -1;
  hutch_image_list_free(imgs, ni);
  s->images = (long)ni;
  copy(s->root, sizeof(s->root), e->root);
  copy(s->storage_driver, sizeof(s->storage_driver), "overlay2");
  copy(s->logging_driver, sizeof(s->logging_driver), "json-file");
  copy(s->cgroup_driver, sizeof(s->cgroup_driver), "cgroupfs");
  enum hutch_cgroup_mode mode = HUTCH_CGROUP_V1;
  if (hutch_cgroup_detect(&mode, NULL) < 0)
    mode = HUTCH_CGROUP_V1;
  /* docker says "1" for hybrid hosts too: containers get v1 controllers */
  copy(s->cgroup_version, sizeof(s->cgroup_version), mode == HUTCH_CGROUP_V2 ? "2" : "1");
  struct utsname u;
  uname(&u);
  copy(s->kernel, sizeof(s->kernel), u.release);
  copy(s->arch, sizeof(s->arch), u.machine);
  copy(s->name, sizeof(s->name), u.nodename);
  copy(s->os_type, sizeof(s->os_type), "linux");
  os_name(s->os, sizeof(s->os));
  s->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  struct sysinfo si;
  if (sysinfo(&si) == 0)
    s->mem_total = (int64_t)si.totalram * si.mem_unit;
  copy(s->server_version, sizeof(s->server_version), HUTCH_VERSION);
  _cleanup_free_ char *rt = hutch_engine_helper_path("HUTCH_RUNTIME", "hutch-runtime");
  copy(s->runtime_path, sizeof(s->runtime_path), rt);
  struct statfs sf;
  copy(s->backing_fs, sizeof(s->backing_fs), statfs(e->root, &sf) == 0 ? fs_name(sf.f_type) : "");
  return 0;
}

json_t *hutch_sysinfo_json(const struct hutch_sysinfo *s) {
  json_t *runtimes = json_object();
  json_object_set_new(runtimes, "hutch", json_pack("{ss}", "path", "(in process)"));
  if (s->runtime_path[0])
    json_object_set_new(runtimes, "hutch-runtime", json_pack("{ss}", "path", s->runtime_path));
  json_t *o = json_pack(
      "{sI sI sI sI sI ss s[[ss][ss]] ss ss ss so ss ss ss ss ss si sI ss ss ss sb}", "Containers",
      (json_int_t)s->containers, "ContainersRunning", (json_int_t)s->running, "ContainersPaused",
      (json_int_t)s->paused, "ContainersStopped", (json_int_t)s->stopped, "Images",
      (json_int_t)s->images, "Driver", s->storage_driver, "DriverStatus", "Backing Filesystem",
      s->backing_fs, "Supports d_type", "true", "LoggingDriver", s->logging_driver, "CgroupDriver",
      s->cgroup_driver, "CgroupVersion", s->cgroup_version, "Runtimes", runtimes, "DefaultRuntime",
      "hutch", "KernelVersion", s->kernel, "OperatingSystem", s->os, "OSType", s->os_type,
      "Architecture", s->arch, "NCPU", (int)s->ncpu, "MemTotal", (json_int_t)s->mem_total, "Name",
      s->name, "DockerRootDir", s->root, "ServerVersion", s->server_version, "Debug", false);
  if (o)
    json_object_set_new(o, "ClientInfo",
                        json_pack("{ss sb}", "Context", "default", "Debug", false));
  return o;
}
