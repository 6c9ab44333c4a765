// A classic-BPF interpreter with the kernel's seccomp semantics, for the unit tests: jumps go to
// pc + 1 + jt/jf (or pc + 1 + k for ja), comparisons are unsigned 32-bit, a load reads a native (LE) u32 of
// struct seccomp_data, and a program must end in a return. It also enforces what the kernel's checker
// (seccomp_check_filter) would refuse: unknown opcodes, misaligned or out-of-bounds loads, jumps past the end.
import { OP, type Insn } from "../../src/seccomp/cbpf.ts";
import { DATA } from "../../src/seccomp/names.ts";

export interface SeccompData { nr: number; arch: number; args?: (number | bigint)[] }

export function runFilter(program: readonly Insn[], d: SeccompData): number {
  const mem = new DataView(new ArrayBuffer(64));
  mem.setUint32(0, d.nr >>> 0, true);
  mem.setUint32(4, d.arch, true);
  (d.args ?? []).forEach((v, i) => mem.setBigUint64(DATA.argLow(i), BigInt(v), true));
  let a = 0;
  for (let pc = 0; pc < program.length; pc++) {
    const p = program[pc]!;
    const jump = (cond: boolean) => {
      pc += cond ? p.jt : p.jf;
      if (pc + 1 >= program.length) throw new Error(`jump past the end at ${pc}`);
    };
    switch (p.code) {
      case OP.LD_W_ABS:
        if (p.k % 4 !== 0 || p.k > 60) throw new Error(`bad load at ${pc}`);
        a = mem.getUint32(p.k, true);
        break;
      case OP.AND_K: a = (a & p.k) >>> 0; break;
      case OP.JA:
        pc += p.k;
        if (pc + 1 >= program.length) throw new Error(`ja past the end at ${pc}`);
        break;
      case OP.JEQ_K: jump(a === p.k); break;
      case OP.JGT_K: jump(a > p.k); break;
      case OP.JGE_K: jump(a >= p.k); break;
      case OP.JSET_K: jump((a & p.k) !== 0); break;
      case OP.RET_K: return p.k >>> 0;
      default: throw new Error(`unexpected opcode ${p.code} at ${pc}`);
    }
  }
  throw new Error("fell off the end of the program");
}
