/* The cgroup v2 device controller is an eBPF program (BPF_PROG_TYPE_
 * CGROUP_DEVICE) attached to the cgroup. libseccomp cannot assemble eBPF
 * and libbpf is not a dependency, so this file holds a tiny instruction
 * builder over <linux/bpf.h>'s opcode constants, the program generator,
 * and the load/attach/replace steps through bpf(2).
 *
 * The program checks the rules last to first and returns on the first
 * match, which gives OCI's "later entries override earlier ones"; with no
 * match it denies. An allow rule matches when the requested access is a
 * subset of its access; a deny rule when they overlap at all (so "deny w"
 * refuses an O_RDWR open). */
#include "linux/cgroup_internal.h"

#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define INSN(c, d, s, o, i)                                                                        \
  ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(dst, src, off) INSN(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU32_K(op, dst, imm) INSN(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV32_X(dst, src) INSN(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_K(dst, imm) INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JMP_K(op, dst, imm, off) INSN(BPF_JMP | (op) | BPF_K, dst, 0, off, imm)
#define JMP_X(op, dst, src, off) INSN(BPF_JMP | (op) | BPF_X, dst, src, off, 0)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

struct prog {
  struct bpf_insn *insns;
  size_t n, cap;
  bool oom;
};

static void emit(struct prog *p, struct bpf_insn in) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 64;
    struct bpf_insn *ni = realloc(p->insns, cap * sizeof(*ni));
    if (ni == NULL) {
      p->oom = true;
      return;
    }
    p->insns = ni;
    p->cap = cap;
  }
  p->insns[p->n++] = in;
}

static int access_bits(const char *a) {
  int bits = 0;
  for (const char *c = a && *a ? a : "rwm"; *c; c++)
    bits |= *c == 'r'   ? BPF_DEVCG_ACC_READ
            : *c == 'w' ? BPF_DEVCG_ACC_WRITE
            : *c == 'm' ? BPF_DEVCG_ACC_MKNOD
                        : 0;
  return bits;
}

/* One rule as a block of instructions that either returns or falls
 * through to the next block. Registers: r2 type, r3 access, r4 major,
 * r5 minor (loaded by the prologue), r1 scratch. */
/* Returns true when the rule matches every access: nothing after it can
 * run, and the verifier refuses unreachable instructions. */
static bool emit_rule(struct prog *p, const struct spec_device_cgroup *r) {
  const int all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
  int type = r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : r->type == 'c' ? BPF_DEVCG_DEV_CHAR : 0;
  int acc = access_bits(r->access);
  bool check_acc = acc != all;
  /* block length decides the jump offsets: count first */
  int len = 2 + (type ? 1 : 0) + (check_acc ? 3 : 0) + (type && r->major >= 0 ? 1 : 0) +
            (type && r->minor >= 0 ? 1 : 0);
  int pos = 0;
#define NEXT (len - (++pos))
  if (type)
    emit(p, JMP_K(BPF_JNE, 2, type, NEXT));
  if (check_acc) {
    emit(p, MOV32_X(1, 3));
    pos++;
    emit(p, ALU32_K(BPF_AND, 1, acc));
    pos++;
    if (r->allow)
      emit(p, JMP_X(BPF_JNE, 1, 3, NEXT)); /* requested ⊄ allowed */
    else
      emit(p, JMP_K(BPF_JEQ, 1, 0, NEXT)); /* no overlap */
  }
  if (type && r->major >= 0)
    emit(p, JMP_K(BPF_JNE, 4, (int32_t)r->major, NEXT));
  if (type && r->minor >= 0)
    emit(p, JMP_K(BPF_JNE, 5, (int32_t)r->minor, NEXT));
#undef NEXT
  emit(p, MOV64_K(0, r->allow ? 1 : 0));
  emit(p, EXIT());
  return len == 2;
}

static int build(const struct spec_device_cgroup *rules, size_t n, struct prog *p) {
  /* struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
   * access_type = (access << 16) | type */
  emit(p, LDX_W(2, 1, 0));
  emit(p, ALU32_K(BPF_AND, 2, 0xffff));
  emit(p, LDX_W(3, 1, 0));
  emit(p, ALU32_K(BPF_RSH, 3, 16));
  emit(p, LDX_W(4, 1, 4));
  emit(p, LDX_W(5, 1, 8));
  bool catch_all = false;
  for (size_t i = n; i-- > 0 && !catch_all;)
    catch_all = emit_rule(p, &rules[i]);
  if (!catch_all) {
    emit(p, MOV64_K(0, 0));
    emit(p, EXIT());
  }
  return p->oom ? -ENOMEM : 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr) {
  long r = syscall(__NR_bpf, cmd, attr, sizeof(*attr));
  return r < 0 ? -errno : (int)r;
}

int hutch_cgroup_v2_devices_apply(const char *dir, const struct spec_device_cgroup *rules, size_t n,
                                  struct hutch_error **err) {
  struct prog p = {0};
  int r = build(rules, n, &p);
  _cleanup_free_ struct bpf_insn *insns = p.insns;
  if (r < 0)
    return hutch_error_set(err, r, "device program");
  static char log[4096];
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)insns;
  attr.insn_cnt = (uint32_t)p.n;
  attr.license = (uint64_t)(uintptr_t) "GPL";
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = sizeof(log);
  attr.log_level = 1;
  log[0] = 0;
  _cleanup_close_ int prog = sys_bpf(BPF_PROG_LOAD, &attr);
  if (prog < 0)
    return hutch_error_set(err, prog, "bpf load device program (%zu rules, %zu insns)%s%s", n, p.n,
                           log[0] ? ": " : "", log);
  hutch_debug("cgroup: bpf device program, %zu rules, %zu insns", n, p.n);

  _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return hutch_error_set(err, errno, "open %s", dir);
  /* Remember what was attached before, attach ours, then detach the old
   * ones: the cgroup is never left without a device policy. */
  uint32_t old[64];
  memset(&attr, 0, sizeof(attr));
  attr.query.target_fd = (uint32_t)dfd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t)(uintptr_t)old;
  attr.query.prog_cnt = ARRAY_SIZE(old);
  r = sys_bpf(BPF_PROG_QUERY, &attr);
  uint32_t n_old = r == 0 ? attr.query.prog_cnt : 0;
  if (n_old > ARRAY_SIZE(old))
    n_old = ARRAY_SIZE(old);

  memset(&attr, 0, sizeof(attr));
  attr.target_fd = (uint32_t)dfd;
  attr.attach_bpf_fd = (uint32_t)prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  hutch_debug("cgroup: bpf attach BPF_CGROUP_DEVICE to %s", dir);
  if ((r = sys_bpf(BPF_PROG_ATTACH, &attr)) < 0)
    return hutch_error_set(err, r, "bpf attach device program to %s", dir);

  for (uint32_t i = 0; i < n_old; i++) {
    memset(&attr, 0, sizeof(attr));
    attr.prog_id = old[i];
    _cleanup_close_ int ofd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
    if (ofd < 0)
      continue;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)dfd;
    attr.attach_bpf_fd = (uint32_t)ofd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    hutch_debug("cgroup: bpf detach old device program %u from %s", old[i], dir);
    if ((r = sys_bpf(BPF_PROG_DETACH, &attr)) < 0)
      return hutch_error_set(err, r, "bpf detach old device program %u from %s", old[i], dir);
  }
  return 0;
}
