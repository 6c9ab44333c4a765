// The spec's device cgroup rules (--device, --device-cgroup-rule, --privileged) → the rule form both
// cgroup backends use, and their v1 devices.allow lines.
import { describe, expect, test } from "bun:test";
import { deviceRulesFromSpec, v1DeviceLine } from "../../src/cgroups/devices.ts";
import { buildDeviceProgram, OP } from "../../src/cgroups/device-bpf.ts";

describe("deviceRulesFromSpec", () => {
  test("absent fields are wildcards; a type-less rule is 'a'; access defaults to rwm", () => {
    const rules = deviceRulesFromSpec([
      { allow: true, access: "rwm" },
      { allow: true, type: "c", major: 10, minor: 229, access: "rw" },
      { allow: true, type: "b", major: 7 },
    ]);
    expect(rules).toEqual([
      { type: "a", major: undefined, minor: undefined, access: "rwm" },
      { type: "c", major: 10, minor: 229, access: "rw" },
      { type: "b", major: 7, minor: undefined, access: "rwm" },
    ]);
    expect(rules.map(v1DeviceLine)).toEqual(["a", "c 10:229 rw", "b 7:* rwm"]);
  });
  test("deny rules are not taken (the backends start from deny-all); a bad access is an error", () => {
    expect(deviceRulesFromSpec([{ allow: false, type: "c", major: 1, minor: 3, access: "rwm" }])).toEqual([]);
    expect(deviceRulesFromSpec(undefined)).toEqual([]);
    expect(() => deviceRulesFromSpec([{ allow: true, access: "rwx" }])).toThrow("invalid device access");
  });
  test("privileged's allow-all compiles to a v2 rule without any condition: allow at once", () => {
    const program = buildDeviceProgram(deviceRulesFromSpec([{ allow: true, access: "rwm" }]));
    // prologue (6), then the rule: r0 = 1; exit — no jump before it.
    expect(program.slice(6, 8).map((i) => i.code)).toEqual([OP.MOV64_K, OP.EXIT]);
    expect(program[6]!.imm).toBe(1);
  });
});
