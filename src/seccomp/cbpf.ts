// A tiny assembler for *classic* BPF, the language of seccomp filters (not eBPF: no registers besides the
// accumulator A, jumps only forward, u8 offsets). struct sock_filter, include/uapi/linux/filter.h:
//   u16 code | u8 jt | u8 jf | u32 k   — 8 bytes, native (little-endian on x86_64/aarch64) order.
// A conditional jump goes to pc + 1 + jt when the test holds, else pc + 1 + jf. Labels let the profile
// be written top-down; assemble() resolves them and fails when a target is behind or more than 255 away.

// Opcode parts (include/uapi/linux/bpf_common.h).
const BPF_LD = 0x00, BPF_JMP = 0x05, BPF_RET = 0x06;
const BPF_W = 0x00, BPF_ABS = 0x20, BPF_K = 0x00;
const BPF_JEQ = 0x10, BPF_JGE = 0x30, BPF_JSET = 0x40;

export const OP = {
  LD_W_ABS: BPF_LD | BPF_W | BPF_ABS, // 0x20: A = *(u32 *)(seccomp_data + k)
  JEQ_K: BPF_JMP | BPF_JEQ | BPF_K, // 0x15: A == k
  JGE_K: BPF_JMP | BPF_JGE | BPF_K, // 0x35: A >= k (unsigned)
  JSET_K: BPF_JMP | BPF_JSET | BPF_K, // 0x45: (A & k) != 0
  RET_K: BPF_RET | BPF_K, // 0x06: return k
} as const;

export interface Insn { code: number; jt: number; jf: number; k: number }

/** A jump target: a label, or undefined for the next instruction. */
type Target = string | undefined;
type Item = { insn: Insn } | { code: number; k: number; jt: Target; jf: Target };

export class Assembler {
  private readonly items: Item[] = [];
  private readonly labels = new Map<string, number>();

  load(offset: number): this {
    return this.push({ insn: { code: OP.LD_W_ABS, jt: 0, jf: 0, k: offset } });
  }

  jump(code: number, k: number, jt: Target, jf?: Target): this {
    return this.push({ code, k: k >>> 0, jt, jf });
  }

  ret(k: number): this {
    return this.push({ insn: { code: OP.RET_K, jt: 0, jf: 0, k: k >>> 0 } });
  }

  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`seccomp: label ${name} defined twice`);
    this.labels.set(name, this.items.length);
    return this;
  }

  assemble(): Insn[] {
    return this.items.map((item, pc) => {
      if ("insn" in item) return item.insn;
      return { code: item.code, k: item.k, jt: this.offset(pc, item.jt), jf: this.offset(pc, item.jf) };
    });
  }

  private offset(pc: number, target: Target): number {
    if (target === undefined) return 0;
    const at = this.labels.get(target);
    if (at === undefined) throw new Error(`seccomp: undefined label ${target}`);
    const off = at - pc - 1;
    if (off < 0 || off > 255) throw new Error(`seccomp: jump from ${pc} to ${target} (${at}) out of range`);
    return off;
  }

  private push(item: Item): this {
    this.items.push(item);
    return this;
  }
}

/** struct sock_filter[] bytes, little-endian (the only byte order minibox runs on). */
export function encode(insns: readonly Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length * 8);
  const view = new DataView(out.buffer);
  insns.forEach((p, i) => {
    view.setUint16(i * 8, p.code, true);
    view.setUint8(i * 8 + 2, p.jt);
    view.setUint8(i * 8 + 3, p.jf);
    view.setUint32(i * 8 + 4, p.k, true);
  });
  return out;
}
