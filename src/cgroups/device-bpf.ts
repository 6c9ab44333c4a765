// cgroup v2 has no devices files: device access is decided by an eBPF program of type
// BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup. This builds that program from the allow-list.
//
// The kernel calls it with R1 = struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }
// (offsets 0, 4, 8). access_type holds the device type (BPF_DEVCG_DEV_BLOCK 1, _CHAR 2) in its low 16
// bits and the requested access (BPF_DEVCG_ACC_MKNOD 1, _READ 2, _WRITE 4) in its high 16 bits. The
// program returns 1 to allow, 0 to deny. Layout of the generated code:
//   r2 = type, r3 = access, r4 = major, r5 = minor
//   per rule: each condition that is not a wildcard jumps to the next rule on mismatch; else return 1
//   return 0
// Instruction encoding (include/uapi/linux/bpf.h, struct bpf_insn, little-endian hosts):
//   u8 code | u8 dst_reg:4 (low nibble), src_reg:4 (high nibble) | s16 off | s32 imm.
import type { DeviceRule } from "./devices.ts";

// Opcode parts (include/uapi/linux/bpf_common.h and bpf.h).
const BPF_LDX = 0x01, BPF_ALU64 = 0x07, BPF_JMP = 0x05;
const BPF_W = 0x00, BPF_MEM = 0x60;
const BPF_K = 0x00, BPF_X = 0x08;
const BPF_AND = 0x50, BPF_RSH = 0x70, BPF_MOV = 0xb0;
const BPF_JNE = 0x50, BPF_EXIT = 0x90;

export const OP = {
  LDX_MEM_W: BPF_LDX | BPF_MEM | BPF_W, // 0x61: dst = *(u32 *)(src + off)
  AND64_K: BPF_ALU64 | BPF_AND | BPF_K, // 0x57: dst &= imm
  RSH64_K: BPF_ALU64 | BPF_RSH | BPF_K, // 0x77: dst >>= imm
  MOV64_K: BPF_ALU64 | BPF_MOV | BPF_K, // 0xb7: dst = imm
  MOV64_X: BPF_ALU64 | BPF_MOV | BPF_X, // 0xbf: dst = src
  JNE_K: BPF_JMP | BPF_JNE | BPF_K, // 0x55: if dst != imm goto pc + 1 + off
  JNE_X: BPF_JMP | BPF_JNE | BPF_X, // 0x5d: if dst != src goto pc + 1 + off
  EXIT: BPF_JMP | BPF_EXIT, // 0x95: return r0
} as const;

export const DEVCG = { DEV_BLOCK: 1, DEV_CHAR: 2, ACC_MKNOD: 1, ACC_READ: 2, ACC_WRITE: 4 } as const;

export interface Insn { code: number; dst: number; src: number; off: number; imm: number }

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

/** The program as instructions (readable in tests); `encode` turns them into the bytes the kernel loads. */
export function buildDeviceProgram(rules: readonly DeviceRule[]): Insn[] {
  const prologue: Insn[] = [
    insn(OP.LDX_MEM_W, 2, 1, 0, 0), // r2 = ctx->access_type
    insn(OP.AND64_K, 2, 0, 0, 0xffff), // r2 = type
    insn(OP.LDX_MEM_W, 3, 1, 0, 0), // r3 = ctx->access_type
    insn(OP.RSH64_K, 3, 0, 0, 16), // r3 = access
    insn(OP.LDX_MEM_W, 4, 1, 4, 0), // r4 = ctx->major
    insn(OP.LDX_MEM_W, 5, 1, 8, 0), // r5 = ctx->minor
  ];
  const out = [...prologue];
  for (const rule of rules) {
    // Conditions first with a placeholder offset, then patched to jump just past this rule's "return 1".
    const conds: Insn[] = [];
    if (rule.type !== "a") conds.push(insn(OP.JNE_K, 2, 0, 0, rule.type === "b" ? DEVCG.DEV_BLOCK : DEVCG.DEV_CHAR));
    const mask = accessMask(rule.access);
    if (mask !== (DEVCG.ACC_MKNOD | DEVCG.ACC_READ | DEVCG.ACC_WRITE)) {
      // Allowed only if every requested bit is in the rule's mask: (access & mask) == access.
      conds.push(insn(OP.MOV64_X, 1, 3, 0, 0)); // r1 = access (the ctx pointer is no longer needed)
      conds.push(insn(OP.AND64_K, 1, 0, 0, mask)); // r1 &= mask
      conds.push(insn(OP.JNE_X, 1, 3, 0, 0)); // if r1 != access: next rule
    }
    if (rule.major !== undefined) conds.push(insn(OP.JNE_K, 4, 0, 0, rule.major));
    if (rule.minor !== undefined) conds.push(insn(OP.JNE_K, 5, 0, 0, rule.minor));
    const body = [...conds, insn(OP.MOV64_K, 0, 0, 0, 1), insn(OP.EXIT, 0, 0, 0, 0)];
    body.forEach((ins, i) => {
      if (ins.code === OP.JNE_K || ins.code === OP.JNE_X) ins.off = body.length - (i + 1); // to the first insn after body
    });
    out.push(...body);
  }
  out.push(insn(OP.MOV64_K, 0, 0, 0, 0), insn(OP.EXIT, 0, 0, 0, 0)); // nothing matched: deny
  return out;
}

function accessMask(access: string): number {
  let mask = 0;
  for (const c of access) {
    if (c === "m") mask |= DEVCG.ACC_MKNOD;
    else if (c === "r") mask |= DEVCG.ACC_READ;
    else if (c === "w") mask |= DEVCG.ACC_WRITE;
    else throw new Error(`invalid device access "${access}"`);
  }
  return mask;
}

/** struct bpf_insn[] bytes, little-endian (the hosts minibox supports: x86_64 and aarch64). */
export function encode(program: readonly Insn[]): Uint8Array {
  const buf = new Uint8Array(program.length * 8);
  const view = new DataView(buf.buffer);
  program.forEach((p, i) => {
    view.setUint8(i * 8, p.code);
    view.setUint8(i * 8 + 1, ((p.src & 0xf) << 4) | (p.dst & 0xf));
    view.setInt16(i * 8 + 2, p.off, true);
    view.setInt32(i * 8 + 4, p.imm, true);
  });
  return buf;
}
