import { describe, expect, test } from "bun:test";
import { normalizeDestination, refuseMountIntoProc } from "../../src/oci/mount-policy.ts";
import { UserError } from "../../src/errors.ts";

describe("mount policy", () => {
  test("destinations are normalised as the kernel walks them lexically", () => {
    expect(normalizeDestination("//proc/./sys/../sys/")).toBe("/proc/sys");
    expect(normalizeDestination("/proc/")).toBe("/proc");
    expect(normalizeDestination("///")).toBe("/");
    expect(normalizeDestination("/a/../../proc")).toBe("/proc");
  });

  test("/proc and below are refused with runc's message; look-alikes are not", () => {
    for (const d of ["/proc", "/proc/", "/proc//sys", "/proc/../proc/sys", "//proc/./sys", "/proc/sys/kernel", "/x/../proc"]) {
      expect(() => refuseMountIntoProc(d)).toThrow(UserError);
      expect(() => refuseMountIntoProc(d)).toThrow(`"${d}" cannot be mounted because it is inside /proc`);
    }
    for (const d of ["/procfs", "/data/proc", "/proc2/sys", "/", "/sys/fs"]) expect(() => refuseMountIntoProc(d)).not.toThrow();
  });
});
