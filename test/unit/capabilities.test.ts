import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { CAPABILITY_NUMBERS, capabilitiesToDrop, capabilityMask, UnknownCapabilityError } from "../../src/init/capabilities.ts";
import { DEFAULT_CAPABILITIES } from "../../src/oci/defaults.ts";

describe("capabilityMask", () => {
  test("Docker's default set is 0xa80425fb (CapBnd of a Docker container's /proc/self/status)", () => {
    expect(capabilityMask(DEFAULT_CAPABILITIES)).toBe(0xa80425fbn);
  });
  test("single bits at both ends", () => {
    expect(capabilityMask(["CAP_CHOWN"])).toBe(1n);
    expect(capabilityMask(["CAP_SETFCAP"])).toBe(1n << 31n);
    expect(capabilityMask(["CAP_MAC_OVERRIDE"])).toBe(1n << 32n);
    expect(capabilityMask(["CAP_CHECKPOINT_RESTORE"])).toBe(1n << 40n);
    expect(capabilityMask([])).toBe(0n);
  });
  test("names without CAP_ and in any case; duplicates are harmless", () => {
    expect(capabilityMask(["net_raw", "Cap_Net_Raw", "NET_RAW"])).toBe(1n << 13n);
  });
  test("an unknown name is an error naming it", () => {
    expect(() => capabilityMask(["CAP_CHOWN", "CAP_FLY"])).toThrow(UnknownCapabilityError);
    expect(() => capabilityMask(["CAP_FLY"])).toThrow("CAP_FLY");
    expect(() => capabilityMask([""])).toThrow(UnknownCapabilityError);
  });
  test("numbers match the kernel's <linux/capability.h> when it is installed", () => {
    const header = "/usr/include/linux/capability.h";
    if (!existsSync(header)) return;
    const defs = [...readFileSync(header, "utf8").matchAll(/^#define\s+(CAP_[A-Z_]+)\s+(\d+)\s*$/gm)]
      .filter((m) => m[1] !== "CAP_LAST_CAP" && !m[1]!.includes("VERSION") && !m[1]!.endsWith("_U32"));
    expect(defs.length).toBeGreaterThanOrEqual(CAPABILITY_NUMBERS.size);
    for (const m of defs) expect([m[1], CAPABILITY_NUMBERS.get(m[1]!)]).toEqual([m[1], Number(m[2])]);
  });
  test("names are numbered 0..n-1 without gaps", () => {
    expect([...CAPABILITY_NUMBERS.values()].sort((a, b) => a - b)).toEqual([...Array(CAPABILITY_NUMBERS.size).keys()]);
  });
});

describe("capabilitiesToDrop", () => {
  test("everything 0..lastCap not kept", () => {
    const keep = capabilityMask(DEFAULT_CAPABILITIES);
    const drop = capabilitiesToDrop(keep, 40);
    expect(drop).toEqual([2, 9, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 23, 24, 25, 26, 28, 30, 32, 33, 34, 35, 36, 37, 38, 39, 40]);
    let back = keep;
    for (const c of drop) back |= 1n << BigInt(c);
    expect(back).toBe((1n << 41n) - 1n);
  });
  test("respects lastCap: nothing above it", () => {
    expect(capabilitiesToDrop(0n, 2)).toEqual([0, 1, 2]);
    expect(capabilitiesToDrop(0b101n, 2)).toEqual([1]);
    expect(capabilitiesToDrop((1n << 41n) - 1n, 40)).toEqual([]);
  });
  test("kept bits above 31 are honoured (no 32-bit truncation)", () => {
    expect(capabilitiesToDrop(capabilityMask(["CAP_BPF"]), 40)).not.toContain(39);
    expect(capabilitiesToDrop(capabilityMask(["CAP_CHOWN"]), 40)).toContain(39);
  });
});
