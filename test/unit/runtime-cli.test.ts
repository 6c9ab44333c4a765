// runtime area: the pure parts of runc's command line: flag syntax, ids, cgroupsPath, resources, and the
// fields a bundle may not carry.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, flag, boolFlag, listFlag } from "../../src/runtime-cli/args.ts";
import { checkId } from "../../src/runtime-cli/store.ts";
import { cgroupName, loadBundleSpec, resourceLimits, type BundleSpec } from "../../src/runtime-cli/bundle-spec.ts";
import { RuntimeError } from "../../src/runtime-cli/errors.ts";
import { execFifoFdOf, execFifoFlag, holdFdOf, holdFlag } from "../../src/runtime/park-protocol.ts";

const dir = mkdtempSync(join(tmpdir(), "minibox-runtime-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bundleWith(edit: (c: Record<string, any>) => void): string {
  const b = mkdtempSync(join(dir, "b-"));
  const c: Record<string, any> = { ociVersion: "1.0.2", process: { args: ["sh"], cwd: "/", env: [], user: { uid: 0, gid: 0 } }, root: { path: "rootfs" }, linux: { namespaces: [{ type: "pid" }] } };
  edit(c);
  writeFileSync(join(b, "config.json"), JSON.stringify(c));
  return b;
}

describe("runc flag syntax", () => {
  test("--x v, --x=v, -x, repeated lists, booleans, positional after flags", () => {
    const p = parseArgs(["--bundle", "/b", "-pid-file=/p", "-d", "id", "--env", "A=1", "-e", "B=2"], [
      { names: ["bundle", "b"], kind: "string" }, { names: ["pid-file"], kind: "string" }, { names: ["detach", "d"], kind: "bool" }, { names: ["env", "e"], kind: "list" },
    ]);
    expect(flag(p, "bundle")).toBe("/b");
    expect(flag(p, "pid-file")).toBe("/p");
    expect(boolFlag(p, "detach")).toBe(true);
    expect(listFlag(p, "env")).toEqual(["A=1", "B=2"]);
    expect(p.positional).toEqual(["id"]);
  });

  test("an unknown flag and a missing value are errors, as Go's flag package words them", () => {
    expect(() => parseArgs(["--nope"], [])).toThrow("flag provided but not defined: -nope");
    expect(() => parseArgs(["--bundle"], [{ names: ["bundle"], kind: "string" }])).toThrow("flag needs an argument: -bundle");
  });

  test("stopping at the first positional keeps the command's own flags for it", () => {
    const p = parseArgs(["--root", "/r", "exec", "-t", "id"], [{ names: ["root"], kind: "string" }], true);
    expect(p.positional).toEqual(["exec", "-t", "id"]);
  });
});

describe("container ids", () => {
  test.each(["a/b", "..", ".", "", "a b", "../x"])("%p is refused", (id) => {
    expect(() => checkId(id)).toThrow("invalid container ID format");
  });
  test.each(["abc", "a.b-c_d+e", "0123"])("%p is fine", (id) => {
    expect(checkId(id)).toBe(id);
  });
});

describe("cgroupsPath", () => {
  test("a path, systemd's slice:prefix:name, and the default", () => {
    expect(cgroupName("/default/c1", "c1", false)).toEqual({ parent: "default", name: "c1" });
    expect(cgroupName("kubepods/pod1/c1", "c1", false)).toEqual({ parent: "kubepods/pod1", name: "c1" });
    expect(cgroupName("system.slice:cri:c1", "c1", true)).toEqual({ parent: "system.slice", name: "cri-c1.scope" });
    expect(cgroupName(undefined, "c1", false)).toEqual({ parent: "minibox-runtime", name: "c1" });
    expect(() => cgroupName("a:b", "c1", true)).toThrow("slice:prefix:name");
  });
});

describe("bundle config.json", () => {
  test("root.path is made absolute; missing capability sets become empty", () => {
    const b = bundleWith((c) => { c.process.capabilities = { bounding: ["CAP_KILL"] }; });
    const spec = loadBundleSpec(b);
    expect(spec.root.path).toBe(join(b, "rootfs"));
    expect(spec.process.capabilities).toEqual({ bounding: ["CAP_KILL"], effective: [], permitted: [], inheritable: [], ambient: [] });
  });

  test("resources become the cgroups library's limits", () => {
    const b = bundleWith((c) => { c.linux.resources = { memory: { limit: 64 << 20 }, cpu: { shares: 512, quota: 50000, period: 100000 }, pids: { limit: 20 } }; });
    expect(resourceLimits(loadBundleSpec(b) as BundleSpec)).toEqual({ memory: 64 << 20, cpuShares: 512, cpuQuota: 50000, cpuPeriod: 100000, pidsLimit: 20 });
  });

  test.each([
    ["linux.uidMappings", (c: Record<string, any>) => { c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]; }],
    ["linux.namespaces[user]", (c: Record<string, any>) => { c.linux.namespaces.push({ type: "user" }); }],
    ["linux.intelRdt", (c: Record<string, any>) => { c.linux.intelRdt = { closID: "x" }; }],
    ["linux.seccomp.listenerPath", (c: Record<string, any>) => { c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/x" }; }],
    ["hooks.prestart[0].path", (c: Record<string, any>) => { c.hooks = { prestart: [{ path: "true" }] }; }],
    ["hooks.createRuntime[1].timeout", (c: Record<string, any>) => { c.hooks = { createRuntime: [{ path: "/bin/true" }, { path: "/bin/true", timeout: 0 }] }; }],
    ["hooks.poststop[0].env", (c: Record<string, any>) => { c.hooks = { poststop: [{ path: "/bin/true", env: ["NOEQUALS"] }] }; }],
    ["hooks.onFire", (c: Record<string, any>) => { c.hooks = { onFire: [] }; }],
    ["process.apparmorProfile", (c: Record<string, any>) => { c.process.apparmorProfile = "docker-default"; }],
    ["linux.resources.hugepageLimits", (c: Record<string, any>) => { c.linux.resources = { hugepageLimits: [{ pageSize: "2MB", limit: 1 }] }; }],
    ["linux.resources.blockIO.throttleReadBpsDevice", (c: Record<string, any>) => { c.linux.resources = { blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1 }] } }; }],
  ] as const)("%s is refused by name", (field, edit) => {
    const b = bundleWith(edit);
    expect(() => loadBundleSpec(b)).toThrow(RuntimeError);
    expect(() => loadBundleSpec(b)).toThrow(field);
  });

  test("no config.json: runc's message", () => {
    expect(() => loadBundleSpec(mkdtempSync(join(dir, "empty-")))).toThrow("JSON specification file config.json not found");
  });
});

describe("init fd flags", () => {
  test("round trip, and nothing below fd 3", () => {
    expect(execFifoFdOf([execFifoFlag(7)])).toBe(7);
    expect(holdFdOf(["x", holdFlag(9)])).toBe(9);
    expect(holdFdOf([])).toBeUndefined();
    expect(() => holdFdOf(["--hold-fd=1"])).toThrow();
  });
});
