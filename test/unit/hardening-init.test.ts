// The init's side of --sysctl and --group-add, without touching any sysctl: names that could leave
// /proc/sys are refused before a file is opened; group names resolve in the container's group entries.
import { describe, expect, test } from "bun:test";
import { applySysctls, SysctlError } from "../../src/init/sysctl.ts";
import { resolveGroupAdd, groupAddOf } from "../../src/init/group-add.ts";
import { parseGroup, UserLookupError } from "../../src/init/user.ts";
import { hardeningAnnotations } from "../../src/oci/hardening.ts";
import { parseHardeningFlags } from "../../src/container/hardening-options.ts";
import type { Spec } from "../../src/oci/spec.ts";

describe("applySysctls", () => {
  test("nothing to write: nothing opened", () => {
    expect(() => applySysctls(undefined)).not.toThrow();
    expect(() => applySysctls({})).not.toThrow();
  });
  test.each(["kernel/../../etc/passwd", "net..x", ".net", "net.", "net.ipv4/ip_forward", ""])("refuses the name %p before opening it", (name) => {
    expect(() => applySysctls({ [name]: "1" })).toThrow(SysctlError);
  });
});

describe("--group-add in the container", () => {
  const groups = parseGroup("root:x:0:\nstaff:x:50:app\naudio:x:29:\n");
  test("names from the container's /etc/group, numbers as they are", () => {
    expect(resolveGroupAdd(["audio", "1234", "staff"], groups)).toEqual([29, 1234, 50]);
  });
  test("a missing name, or an id out of range, is Docker's error", () => {
    expect(() => resolveGroupAdd(["video"], groups)).toThrow(UserLookupError);
    expect(() => resolveGroupAdd(["video"], groups)).toThrow("Unable to find group video: no matching entries in group file");
    expect(() => resolveGroupAdd(["4294967296"], groups)).toThrow(UserLookupError);
  });
  test("the list comes from the spec's annotation; none without the flag", () => {
    const spec = (annotations: Record<string, string>) => ({ annotations }) as unknown as Spec;
    expect(groupAddOf(spec(hardeningAnnotations(parseHardeningFlags({ "group-add": ["audio", "7"] }))))).toEqual(["audio", "7"]);
    expect(groupAddOf(spec(hardeningAnnotations(parseHardeningFlags({}))))).toEqual([]);
    expect(groupAddOf(spec({}))).toEqual([]);
  });
});
