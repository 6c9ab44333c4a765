// OCI `linux.seccomp` → a classic-BPF seccomp program, with libseccomp's and runc's semantics:
//   - the native architecture is always filtered, plus the listed ones minibox has tables for (on x86_64:
//     i386 and x32; 32-bit ARM on arm64 has none and is killed); any other architecture → KILL_PROCESS;
//   - a syscall's unconditional rule wins; else its conditional rules are tried in profile order (all
//     conditions of a rule must hold; a rule naming one argument twice is split into one rule per
//     condition, as runc does); no rule matches → the default action;
//   - names unknown on an architecture are skipped (as runc does for names libseccomp cannot resolve);
//   - unless the default action lets syscalls through, a syscall numbered above every syscall the profile
//     names gets ENOSYS (runc's "enosys stub"): a program may then fall back from a syscall newer than
//     the profile instead of believing it forbidden.
// Layout per architecture: A = nr, then a binary search over ranges of syscall numbers that share an
// outcome, so a syscall costs ~log2(ranges) jumps; a leaf is a `ret`, or the argument checks of one syscall.
// Arguments are u64; each comparison is two 32-bit comparisons, high word first (only the low word on
// 32-bit ABIs, whose arguments are 32 bits wide).
import { Assembler, MAX_INSNS, OP, type Insn } from "./cbpf.ts";
import { actionValue, AUDIT_ARCH, DATA, ENOSYS, isPermissive, RET, X32_SYSCALL_BIT } from "./names.ts";
import { syscallTable, type Abi as TableName } from "./tables.ts";
import type { Seccomp, SeccompArg } from "../oci/spec.ts";
import { UserError } from "../errors.ts";

interface Abi { scmp: string; table: TableName; audit: number; wide: boolean; base: number; end: number }

const ABIS: Record<string, Abi> = {
  SCMP_ARCH_X86_64: { scmp: "SCMP_ARCH_X86_64", table: "x86_64", audit: AUDIT_ARCH.X86_64, wide: true, base: 0, end: X32_SYSCALL_BIT },
  SCMP_ARCH_X32: { scmp: "SCMP_ARCH_X32", table: "x32", audit: AUDIT_ARCH.X86_64, wide: false, base: X32_SYSCALL_BIT, end: 2 ** 32 },
  SCMP_ARCH_X86: { scmp: "SCMP_ARCH_X86", table: "i386", audit: AUDIT_ARCH.I386, wide: false, base: 0, end: 2 ** 32 },
  SCMP_ARCH_AARCH64: { scmp: "SCMP_ARCH_AARCH64", table: "aarch64", audit: AUDIT_ARCH.AARCH64, wide: true, base: 0, end: 2 ** 32 },
};

/** The ABIs a kernel of this (Node-named) architecture can run, native first. */
const REACHABLE: Record<string, string[]> = {
  x64: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  arm64: ["SCMP_ARCH_AARCH64"],
};

/** A profile that cannot become a filter: the user's to fix (exit 125, one line). */
export class SeccompCompileError extends UserError {
  constructor(message: string) {
    super(`seccomp: ${message}`);
    this.name = "SeccompCompileError";
  }
}

interface Rule { value: number; conds: SeccompArg[] }
type Outcome = { ret: number } | { rules: Rule[]; otherwise: number };
interface Segment { start: number; outcome: Outcome }

export function compileSeccomp(seccomp: Seccomp, nodeArch: string = process.arch): Insn[] {
  const reachable = REACHABLE[nodeArch];
  if (!reachable) throw new SeccompCompileError(`no syscall table for architecture ${nodeArch}`);
  const listed = new Set([reachable[0]!, ...(seccomp.architectures ?? [])]);
  const abis = reachable.filter((a) => listed.has(a)).map((a) => ABIS[a]!);
  const defaultRet = value(seccomp.defaultAction, seccomp.defaultErrnoRet);
  const enosysAbove = !isPermissive(seccomp.defaultAction);

  const a = new Assembler();
  const labels = new Counter();
  a.load(DATA.arch);
  const audits = [...new Set(abis.map((abi) => abi.audit))];
  for (const audit of audits) a.jump(OP.JEQ_K, audit, `arch.${audit}`);
  a.label("badarch").ret(RET.KILL_PROCESS);
  for (const audit of audits) {
    a.label(`arch.${audit}`).load(DATA.nr);
    const shared = abis.filter((abi) => abi.audit === audit);
    const x32 = shared.find((abi) => abi.scmp === "SCMP_ARCH_X32");
    // x86_64 and x32 share an audit arch; x32 sets a bit of the syscall number, and is killed unless listed.
    if (audit === AUDIT_ARCH.X86_64) a.jump(OP.JGE_K, X32_SYSCALL_BIT, x32 ? "abi.x32" : "x32.bad");
    for (const abi of shared.filter((abi) => abi !== x32)) search(a, labels, segments(abi, seccomp, defaultRet, enosysAbove), abi.wide);
    if (x32) {
      a.label("abi.x32");
      search(a, labels, segments(x32, seccomp, defaultRet, enosysAbove), x32.wide);
    } else if (audit === AUDIT_ARCH.X86_64) {
      a.label("x32.bad").ret(RET.KILL_PROCESS);
    }
  }
  const program = a.assemble();
  if (program.length > MAX_INSNS) throw new SeccompCompileError(`the profile compiles to ${program.length} instructions, more than the kernel's ${MAX_INSNS}`);
  return program;
}

function value(action: string, errnoRet: number | undefined): number {
  try {
    return actionValue(action, errnoRet);
  } catch (e) {
    throw new SeccompCompileError((e as Error).message);
  }
}

/** Sorted, gap-free ranges of syscall numbers from abi.base up, each with one outcome. */
function segments(abi: Abi, seccomp: Seccomp, defaultRet: number, enosysAbove: boolean): Segment[] {
  const table = syscallTable(abi.table);
  const rules = new Map<number, { unconditional?: number; conditional: Rule[] }>();
  for (const call of seccomp.syscalls ?? []) {
    const ret = value(call.action, call.errnoRet);
    const args = call.args ?? [];
    for (const arg of args) checkArg(arg);
    // runc: one argument named twice in a rule → each condition is a rule of its own (OR, not AND).
    const indexes = args.map((x) => x.index);
    const split = new Set(indexes).size !== indexes.length;
    const ruleSet: Rule[] = split ? args.map((c) => ({ value: ret, conds: [c] })) : [{ value: ret, conds: args }];
    for (const name of call.names) {
      const nr = table.get(name);
      if (nr === undefined) continue;
      const entry = rules.get(nr) ?? { conditional: [] };
      rules.set(nr, entry);
      if (args.length === 0) entry.unconditional ??= ret;
      else entry.conditional.push(...ruleSet);
    }
  }
  const outcomeOf = (nr: number): Outcome => {
    const entry = rules.get(nr);
    if (!entry) return { ret: defaultRet };
    if (entry.unconditional !== undefined) return { ret: entry.unconditional };
    return { rules: entry.conditional, otherwise: defaultRet };
  };
  const numbers = [...rules.keys()].sort((x, y) => x - y);
  const max = numbers.length ? numbers[numbers.length - 1]! : abi.base - 1;
  const out: Segment[] = [];
  const add = (start: number, outcome: Outcome) => {
    const last = out[out.length - 1];
    if (last && "ret" in last.outcome && "ret" in outcome && last.outcome.ret === outcome.ret) return;
    out.push({ start, outcome });
  };
  let next = abi.base;
  for (const nr of numbers) {
    if (nr > next) add(next, { ret: defaultRet });
    add(nr, outcomeOf(nr));
    next = nr + 1;
  }
  if (next < abi.end) add(next, { ret: enosysAbove && max >= abi.base ? RET.errno(ENOSYS) : defaultRet });
  return out;
}

function checkArg(arg: SeccompArg): void {
  if (!Number.isInteger(arg.index) || arg.index < 0 || arg.index > 5) throw new SeccompCompileError(`argument index ${arg.index} is not 0-5`);
  for (const v of [arg.value, arg.valueTwo ?? 0]) {
    if (!Number.isSafeInteger(v) || v < 0) throw new SeccompCompileError(`argument value ${v} is not an integer from 0 to 2^53`);
  }
}

/** Binary search over the segments; A holds the syscall number on entry. */
function search(a: Assembler, labels: Counter, segs: Segment[], wide: boolean): void {
  if (segs.length === 1) return leaf(a, labels, segs[0]!.outcome, wide);
  const mid = segs.length >> 1;
  const right = labels.next("ge");
  a.jump(OP.JGE_K, segs[mid]!.start, right);
  search(a, labels, segs.slice(0, mid), wide);
  a.label(right);
  search(a, labels, segs.slice(mid), wide);
}

function leaf(a: Assembler, labels: Counter, outcome: Outcome, wide: boolean): void {
  if ("ret" in outcome) {
    a.ret(outcome.ret);
    return;
  }
  for (const rule of outcome.rules) {
    const next = labels.next("rule");
    for (const cond of rule.conds) condition(a, labels, cond, next, wide);
    a.ret(rule.value);
    a.label(next);
  }
  // No rule matched: the syscall gets the default action. A was overwritten by the argument loads, so the
  // default's return value is repeated here rather than reached through the search.
  a.ret(outcome.otherwise);
}

/** Falls through when `arg <op> value` holds, jumps to `fail` otherwise. */
function condition(a: Assembler, labels: Counter, c: SeccompArg, fail: string, wide: boolean): void {
  const hi = Math.floor(c.value / 2 ** 32) >>> 0, lo = c.value >>> 0;
  const two = c.valueTwo ?? 0;
  const hi2 = Math.floor(two / 2 ** 32) >>> 0, lo2 = two >>> 0;
  const ok = labels.next("ok");
  const loadHi = () => a.load(DATA.argHigh(c.index));
  const loadLo = () => a.load(DATA.argLow(c.index));
  switch (c.op) {
    case "SCMP_CMP_EQ":
      if (wide) loadHi().jump(OP.JEQ_K, hi, undefined, fail);
      loadLo().jump(OP.JEQ_K, lo, undefined, fail);
      break;
    case "SCMP_CMP_NE":
      if (wide) loadHi().jump(OP.JEQ_K, hi, undefined, ok);
      loadLo().jump(OP.JEQ_K, lo, fail, ok);
      break;
    case "SCMP_CMP_GT":
    case "SCMP_CMP_GE": {
      if (wide) loadHi().jump(OP.JGT_K, hi, ok).jump(OP.JEQ_K, hi, undefined, fail);
      loadLo().jump(c.op === "SCMP_CMP_GT" ? OP.JGT_K : OP.JGE_K, lo, ok, fail);
      break;
    }
    case "SCMP_CMP_LT":
    case "SCMP_CMP_LE": {
      // a < v is !(a >= v); a <= v is !(a > v).
      if (wide) loadHi().jump(OP.JGT_K, hi, fail).jump(OP.JEQ_K, hi, undefined, ok);
      loadLo().jump(c.op === "SCMP_CMP_LT" ? OP.JGE_K : OP.JGT_K, lo, fail, ok);
      break;
    }
    case "SCMP_CMP_MASKED_EQ":
      if (wide) loadHi().and(hi).jump(OP.JEQ_K, hi2, undefined, fail);
      loadLo().and(lo).jump(OP.JEQ_K, lo2, undefined, fail);
      break;
    default:
      throw new SeccompCompileError(`unknown argument operator "${c.op}"`);
  }
  a.label(ok);
}

class Counter {
  private n = 0;
  next(prefix: string): string {
    return `${prefix}.${this.n++}`;
  }
}
