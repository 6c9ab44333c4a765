// The cgroup v2 device program is checked here on its bytes and on its meaning. The meaning is checked by
// running it in a small interpreter of the instructions it uses, with the kernel's semantics
// (include/uapi/linux/bpf.h: JNE jumps to pc + 1 + off; LDX_MEM_W zero-extends; EXIT returns r0), on a
// grid of requests, against the v1 devices cgroup rule semantics it must reproduce.
import { describe, expect, test } from "bun:test";
import { buildDeviceProgram, DEVCG, encode, OP, type Insn } from "../../src/cgroups/device-bpf.ts";
import { DEFAULT_DEVICE_RULES, v1DeviceLine, type DeviceRule } from "../../src/cgroups/devices.ts";

interface Request { type: number; access: number; major: number; minor: number }

function interpret(program: readonly Insn[], ctx: Request): number {
  // struct bpf_cgroup_dev_ctx { u32 access_type /* (access << 16) | type */; u32 major; u32 minor; }
  const mem = [((ctx.access << 16) | ctx.type) >>> 0, ctx.major >>> 0, ctx.minor >>> 0];
  const r: (bigint | "ctx" | undefined)[] = new Array(11).fill(undefined);
  r[1] = "ctx";
  const val = (i: number) => {
    const v = r[i];
    if (typeof v !== "bigint") throw new Error(`r${i} read before it holds a scalar`);
    return v;
  };
  const imm = (p: Insn) => BigInt.asUintN(64, BigInt(p.imm)); // imm is sign-extended to 64 bits
  let steps = 0;
  for (let pc = 0; pc < program.length; pc++) {
    if (++steps > 10_000) throw new Error("loop");
    const p = program[pc]!;
    switch (p.code) {
      case OP.LDX_MEM_W:
        if (r[p.src] !== "ctx" || p.off < 0 || p.off > 8 || p.off % 4 !== 0) throw new Error(`bad ctx load at ${pc}`);
        r[p.dst] = BigInt(mem[p.off / 4]!);
        break;
      case OP.AND64_K: r[p.dst] = val(p.dst) & imm(p); break;
      case OP.RSH64_K: r[p.dst] = val(p.dst) >> BigInt(p.imm); break;
      case OP.MOV64_K: r[p.dst] = imm(p); break;
      case OP.MOV64_X: r[p.dst] = val(p.src); break;
      case OP.JNE_K: if (val(p.dst) !== imm(p)) pc += p.off; break;
      case OP.JNE_X: if (val(p.dst) !== val(p.src)) pc += p.off; break;
      case OP.EXIT: return Number(val(0));
      default: throw new Error(`opcode 0x${p.code.toString(16)} at ${pc}`);
    }
    if (p.off < 0) throw new Error("backward jump");
    if (pc + 1 > program.length) throw new Error("jump past the end");
  }
  throw new Error("fell off the end");
}

/** The v1 devices cgroup rule: allowed when some rule matches type, major, minor and covers the access. */
function reference(rules: readonly DeviceRule[], q: Request): number {
  const type = q.type === DEVCG.DEV_BLOCK ? "b" : "c";
  const wanted = [q.access & DEVCG.ACC_MKNOD ? "m" : "", q.access & DEVCG.ACC_READ ? "r" : "", q.access & DEVCG.ACC_WRITE ? "w" : ""].join("");
  return rules.some((r) =>
    (r.type === "a" || r.type === type) && (r.major === undefined || r.major === q.major) &&
    (r.minor === undefined || r.minor === q.minor) && [...wanted].every((c) => r.access.includes(c))) ? 1 : 0;
}

function grid(): Request[] {
  const out: Request[] = [];
  for (const type of [DEVCG.DEV_BLOCK, DEVCG.DEV_CHAR])
    for (let access = 1; access <= 7; access++)
      for (const major of [0, 1, 4, 5, 7, 10, 136, 137, 0x7fffffff])
        for (const minor of [0, 1, 2, 3, 4, 5, 7, 8, 9, 11, 200, 0x7fffffff]) out.push({ type, access, major, minor });
  return out;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex").match(/.{16}/g)!;

describe("device program bytes", () => {
  const prog = buildDeviceProgram(DEFAULT_DEVICE_RULES);
  const bytes = hex(encode(prog));
  test("prologue loads the three ctx fields at offsets 0, 4, 8 and splits access_type", () => {
    expect(bytes.slice(0, 6)).toEqual([
      "6112000000000000", // r2 = *(u32 *)(r1 + 0)      access_type
      "57020000ffff0000", // r2 &= 0xffff             type
      "6113000000000000", // r3 = *(u32 *)(r1 + 0)
      "7703000010000000", // r3 >>= 16                  access
      "6114040000000000", // r4 = *(u32 *)(r1 + 4)      major
      "6115080000000000", // r5 = *(u32 *)(r1 + 8)      minor
    ]);
  });
  test("a full-access rule c 1:3 is type, major, minor checks then return 1", () => {
    expect(bytes.slice(6, 11)).toEqual([
      "5502040002000000", // if r2 != 2 (char) goto +4
      "5504030001000000", // if r4 != 1 goto +3
      "5505020003000000", // if r5 != 3 goto +2
      "b700000001000000", // r0 = 1
      "9500000000000000", // exit
    ]);
  });
  test("a wildcard minor (c 136:*) has no minor check; the program ends with return 0", () => {
    expect(bytes.slice(-6)).toEqual([
      "5502030002000000", // if r2 != 2 goto +3
      "5504020088000000", // if r4 != 136 goto +2
      "b700000001000000",
      "9500000000000000",
      "b700000000000000", // r0 = 0
      "9500000000000000", // exit
    ]);
    expect(prog.length).toBe(6 + 8 * 5 + 4 + 2);
  });
  test("a partial access rule masks the requested access and compares it with itself", () => {
    const p = buildDeviceProgram([{ type: "c", major: 1, minor: 11, access: "r" }]);
    expect(hex(encode(p)).slice(6, 13)).toEqual([
      "5502070002000000", // if r2 != 2 goto +7 (past this rule's exit)
      "bf31000000000000", // r1 = r3
      "5701000002000000", // r1 &= READ
      "5d31040000000000", // if r1 != r3 goto +4
      "5504030001000000", // if r4 != 1 goto +3
      "550502000b000000", // if r5 != 11 goto +2
      "b700000001000000",
    ]);
  });
  test("an empty list denies everything", () => {
    expect(hex(encode(buildDeviceProgram([])))).toHaveLength(8);
    expect(interpret(buildDeviceProgram([]), { type: 2, access: 2, major: 1, minor: 3 })).toBe(0);
  });
  test("bad access letters are refused", () => {
    expect(() => buildDeviceProgram([{ type: "c", major: 1, minor: 3, access: "rx" }])).toThrow();
  });
});

describe("device program semantics = v1 devices cgroup semantics", () => {
  const ruleSets: [string, DeviceRule[]][] = [
    ["Docker's defaults", [...DEFAULT_DEVICE_RULES]],
    ["partial access", [{ type: "c", major: 1, minor: 11, access: "r" }, { type: "b", major: 7, minor: undefined, access: "rw" }, { type: "c", major: 10, minor: 200, access: "m" }]],
    ["wildcards", [{ type: "a", major: undefined, minor: undefined, access: "m" }, { type: "c", major: undefined, minor: 5, access: "rw" }, { type: "b", major: 4, minor: undefined, access: "rwm" }]],
    ["allow all", [{ type: "a", major: undefined, minor: undefined, access: "rwm" }]],
  ];
  for (const [name, rules] of ruleSets) {
    test(`${name}: ${rules.map(v1DeviceLine).join(", ")}`, () => {
      const prog = buildDeviceProgram(rules);
      const wrong = grid().filter((q) => interpret(prog, q) !== reference(rules, q));
      expect(wrong).toEqual([]);
    });
  }
  test("spot checks on the defaults", () => {
    const prog = buildDeviceProgram(DEFAULT_DEVICE_RULES);
    const rw = DEVCG.ACC_READ | DEVCG.ACC_WRITE;
    expect(interpret(prog, { type: DEVCG.DEV_CHAR, access: rw, major: 1, minor: 3 })).toBe(1); // /dev/null
    expect(interpret(prog, { type: DEVCG.DEV_CHAR, access: DEVCG.ACC_MKNOD, major: 5, minor: 2 })).toBe(1); // mknod ptmx
    expect(interpret(prog, { type: DEVCG.DEV_CHAR, access: rw, major: 136, minor: 42 })).toBe(1); // /dev/pts/42
    expect(interpret(prog, { type: DEVCG.DEV_CHAR, access: DEVCG.ACC_READ, major: 1, minor: 1 })).toBe(0); // /dev/mem
    expect(interpret(prog, { type: DEVCG.DEV_BLOCK, access: DEVCG.ACC_READ, major: 1, minor: 3 })).toBe(0); // b 1:3
    expect(interpret(prog, { type: DEVCG.DEV_BLOCK, access: DEVCG.ACC_READ, major: 8, minor: 0 })).toBe(0); // /dev/sda
  });
});

describe("v1 rule lines", () => {
  test("defaults as devices.allow lines", () => {
    expect(DEFAULT_DEVICE_RULES.map(v1DeviceLine)).toEqual([
      "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm",
    ]);
    expect(v1DeviceLine({ type: "a", access: "rwm" })).toBe("a");
    expect(v1DeviceLine({ type: "b", major: 8, access: "r" })).toBe("b 8:* r");
  });
});
