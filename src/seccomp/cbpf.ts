// A tiny assembler for *classic* BPF, the language of seccomp filters (not eBPF: no registers besides the
// accumulator A, jumps only forward). struct sock_filter, include/uapi/linux/filter.h:
//   u16 code | u8 jt | u8 jf | u32 k   — 8 bytes, native (little-endian on x86_64/aarch64) order.
// A conditional jump goes to pc + 1 + jt when the test holds, else pc + 1 + jf; its offsets are u8, so a
// target more than 255 instructions ahead is reached through an inserted `ja` (32-bit offset): assemble()
// lays the program out, widens every jump that does not reach, and repeats until nothing changes (a
// layout only ever grows, so this ends). Labels let a program be written top-down.

// Opcode parts (include/uapi/linux/bpf_common.h).
const BPF_LD = 0x00, BPF_ALU = 0x04, BPF_JMP = 0x05, BPF_RET = 0x06;
const BPF_W = 0x00, BPF_ABS = 0x20, BPF_K = 0x00;
const BPF_AND = 0x50;
const BPF_JA = 0x00, BPF_JEQ = 0x10, BPF_JGT = 0x20, BPF_JGE = 0x30, BPF_JSET = 0x40;

export const OP = {
  LD_W_ABS: BPF_LD | BPF_W | BPF_ABS, // 0x20: A = *(u32 *)(seccomp_data + k)
  AND_K: BPF_ALU | BPF_AND | BPF_K, // 0x54: A &= k
  JA: BPF_JMP | BPF_JA, // 0x05: pc += k
  JEQ_K: BPF_JMP | BPF_JEQ | BPF_K, // 0x15: A == k
  JGT_K: BPF_JMP | BPF_JGT | BPF_K, // 0x25: A > k (unsigned)
  JGE_K: BPF_JMP | BPF_JGE | BPF_K, // 0x35: A >= k (unsigned)
  JSET_K: BPF_JMP | BPF_JSET | BPF_K, // 0x45: (A & k) != 0
  RET_K: BPF_RET | BPF_K, // 0x06: return k
} as const;

/** The kernel refuses longer programs (BPF_MAXINSNS). */
export const MAX_INSNS = 4096;

export interface Insn { code: number; jt: number; jf: number; k: number }

/** A jump target: a label, or undefined for the next instruction. */
export type Target = string | undefined;
type Item =
  | { kind: "plain"; insn: Insn }
  | { kind: "cond"; code: number; k: number; jt: Target; jf: Target; farT: boolean; farF: boolean }
  | { kind: "ja"; target: string };

export class Assembler {
  private readonly items: Item[] = [];
  private readonly labels = new Map<string, number>();

  load(offset: number): this {
    return this.push({ kind: "plain", insn: { code: OP.LD_W_ABS, jt: 0, jf: 0, k: offset } });
  }

  and(k: number): this {
    return this.push({ kind: "plain", insn: { code: OP.AND_K, jt: 0, jf: 0, k: k >>> 0 } });
  }

  jump(code: number, k: number, jt: Target, jf?: Target): this {
    return this.push({ kind: "cond", code, k: k >>> 0, jt, jf, farT: false, farF: false });
  }

  /** Unconditional jump to a label, at any distance. */
  goto(target: string): this {
    return this.push({ kind: "ja", target });
  }

  ret(k: number): this {
    return this.push({ kind: "plain", insn: { code: OP.RET_K, jt: 0, jf: 0, k: k >>> 0 } });
  }

  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`seccomp: label ${name} defined twice`);
    this.labels.set(name, this.items.length);
    return this;
  }

  assemble(): Insn[] {
    for (const target of this.targets()) if (!this.labels.has(target)) throw new Error(`seccomp: undefined label ${target}`);
    for (;;) {
      const at = this.layout();
      let widened = false;
      this.items.forEach((item, i) => {
        if (item.kind !== "cond") return;
        const reach = (target: Target) => target !== undefined && this.position(at, target) - at[i]! - 1 > 255;
        if (!item.farT && reach(item.jt)) widened = item.farT = true;
        if (!item.farF && reach(item.jf)) widened = item.farF = true;
      });
      if (!widened) return this.emit(at);
    }
  }

  /** Position of every item's first instruction; index items.length is the end. */
  private layout(): number[] {
    const at: number[] = [];
    let pc = 0;
    for (const item of this.items) {
      at.push(pc);
      pc += item.kind === "cond" ? 1 + (item.farT ? 1 : 0) + (item.farF ? 1 : 0) : 1;
    }
    at.push(pc);
    return at;
  }

  private position(at: number[], label: string): number {
    return at[this.labels.get(label)!]!;
  }

  private emit(at: number[]): Insn[] {
    const out: Insn[] = [];
    // Offset from the instruction at pc to a label; no label means the item after this one.
    const rel = (pc: number, i: number, target: Target): number => {
      const off = (target === undefined ? at[i + 1]! : this.position(at, target)) - pc - 1;
      if (off < 0) throw new Error(`seccomp: jump from ${pc} back to ${target}`);
      return off;
    };
    this.items.forEach((item, i) => {
      const pc = out.length;
      if (item.kind === "plain") out.push(item.insn);
      else if (item.kind === "ja") out.push({ code: OP.JA, jt: 0, jf: 0, k: rel(pc, i, item.target) });
      else {
        // A far side becomes a `ja` right after the test (jt's first, then jf's).
        out.push({ code: item.code, k: item.k, jt: item.farT ? 0 : rel(pc, i, item.jt), jf: item.farF ? (item.farT ? 1 : 0) : rel(pc, i, item.jf) });
        if (item.farT) out.push({ code: OP.JA, jt: 0, jf: 0, k: rel(out.length, i, item.jt) });
        if (item.farF) out.push({ code: OP.JA, jt: 0, jf: 0, k: rel(out.length, i, item.jf) });
      }
    });
    for (const p of out) if (p.code !== OP.JA && (p.jt > 255 || p.jf > 255)) throw new Error("seccomp: jump out of range");
    return out;
  }

  private *targets(): Generator<string> {
    for (const item of this.items) {
      if (item.kind === "ja") yield item.target;
      if (item.kind === "cond") {
        if (item.jt !== undefined) yield item.jt;
        if (item.jf !== undefined) yield item.jf;
      }
    }
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
