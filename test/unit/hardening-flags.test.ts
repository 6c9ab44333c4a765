// Parsing and validation of the hardening flags (Docker's syntax and messages); every refusal is a
// UserError with exit 125, raised before anything is written.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../src/errors.ts";
import { parseDeviceFlag, resolveHostDevices } from "../../src/container/device-flags.ts";
import { parseDeviceCgroupRule } from "../../src/oci/device-cgroup-rule.ts";
import { parseSysctl, checkSysctlNamespaces } from "../../src/container/sysctl-flags.ts";
import { parseIpcMode, parsePidMode, parseUtsMode } from "../../src/container/namespace-flags.ts";
import { parseHardeningFlags } from "../../src/container/hardening-options.ts";

function userError(fn: () => unknown): UserError {
  try { fn(); } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).exitCode).toBe(125);
    expect((e as UserError).message).not.toContain("\n");
    return e as UserError;
  }
  throw new Error("expected a UserError, nothing was thrown");
}

describe("--device HOST[:CTR][:rwm]", () => {
  test("Docker's forms", () => {
    expect(parseDeviceFlag("/dev/null")).toEqual({ PathOnHost: "/dev/null", PathInContainer: "/dev/null", CgroupPermissions: "rwm" });
    expect(parseDeviceFlag("/dev/null:/dev/mynull")).toEqual({ PathOnHost: "/dev/null", PathInContainer: "/dev/mynull", CgroupPermissions: "rwm" });
    expect(parseDeviceFlag("/dev/null:r")).toEqual({ PathOnHost: "/dev/null", PathInContainer: "/dev/null", CgroupPermissions: "r" });
    expect(parseDeviceFlag("/dev/null:/dev/x:rw")).toEqual({ PathOnHost: "/dev/null", PathInContainer: "/dev/x", CgroupPermissions: "rw" });
  });
  test("refusals", () => {
    expect(userError(() => parseDeviceFlag("a:b:c:d")).message).toMatch(/invalid device specification/);
    expect(userError(() => parseDeviceFlag("/dev/null:/dev/x:rwx")).message).toMatch(/bad mode specified: rwx/);
    expect(userError(() => parseDeviceFlag("/dev/null:rel")).message).toMatch(/rel is not an absolute path/);
    expect(userError(() => parseDeviceFlag("/dev/null:/etc/x")).message).toMatch(/under \/dev/);
    expect(userError(() => parseDeviceFlag("/dev/null:/dev/../etc/x")).message).toMatch(/\.\./);
  });
  test("a host device resolves to its type, numbers and a cgroup rule", () => {
    const [d] = resolveHostDevices(parseDeviceFlag("/dev/null:/dev/mynull:rw"));
    expect(d).toMatchObject({ path: "/dev/mynull", type: "c", major: 1, minor: 3 });
    expect(d!.fileMode).toBe(0o666);
  });
  test("a missing device, or a file that is no device, is refused", () => {
    expect(userError(() => resolveHostDevices(parseDeviceFlag("/dev/nosuch"))).message)
      .toBe('error gathering device information while adding custom device "/dev/nosuch": no such file or directory');
    expect(userError(() => resolveHostDevices(parseDeviceFlag("/etc/hostname:/dev/h"))).message).toMatch(/not a device node/);
  });
  test("a directory adds the devices under it, each below the container path", () => {
    const dir = mkdtempSync(join(tmpdir(), "minibox-devdir-"));
    try {
      expect(resolveHostDevices(parseDeviceFlag(`${dir}:/dev/empty`))).toEqual([]);
    } finally { rmSync(dir, { recursive: true }); }
    const pts = resolveHostDevices(parseDeviceFlag("/dev/pts:/dev/hostpts"));
    expect(pts.some((d) => d.path === "/dev/hostpts/ptmx" && d.major === 5 && d.minor === 2)).toBe(true);
  });
});

describe("--device-cgroup-rule", () => {
  test("valid rules become allow rules", () => {
    expect(parseDeviceCgroupRule("c 1:3 rwm")).toEqual({ allow: true, type: "c", major: 1, minor: 3, access: "rwm" });
    expect(parseDeviceCgroupRule("b *:* r")).toEqual({ allow: true, type: "b", access: "r" });
    expect(parseDeviceCgroupRule("a 7:* mw")).toEqual({ allow: true, type: "a", major: 7, access: "mw" });
  });
  test.each(["", "c 1:3", "x 1:3 rwm", "c 1-3 rwm", "c 1:3 rwx", "c 1:3 rwmr", "c a:3 r", "c 1:3  rwm"])("refuses %p", (rule) => {
    expect(userError(() => parseDeviceCgroupRule(rule)).message).toBe(`invalid argument "${rule}" for "--device-cgroup-rule" flag: invalid device cgroup format '${rule}'`);
  });
});

describe("--sysctl", () => {
  test("the namespaced ones", () => {
    expect(parseSysctl("net.ipv4.ip_forward=1")).toEqual(["net.ipv4.ip_forward", "1"]);
    expect(parseSysctl("kernel.shmmax=1000")).toEqual(["kernel.shmmax", "1000"]);
    expect(parseSysctl("kernel.sem=250 32000 32 128")).toEqual(["kernel.sem", "250 32000 32 128"]);
    expect(parseSysctl("fs.mqueue.msg_max=20")).toEqual(["fs.mqueue.msg_max", "20"]);
    expect(parseSysctl("kernel.domainname=example.org")).toEqual(["kernel.domainname", "example.org"]);
    expect(parseSysctl("net.core.somaxconn=a=b")).toEqual(["net.core.somaxconn", "a=b"]);
  });
  test.each(["kernel.core_pattern=x", "vm.swappiness=1", "net.ipv4.ip_forward", "kernel.shmmax.x=1", "net..x=1", "net.a/../b=1", "fs.mqueue.=1"])("refuses %p", (v) => {
    expect(userError(() => parseSysctl(v)).message).toBe(`invalid argument "${v}" for "--sysctl" flag: sysctl '${v}' is not whitelisted`);
  });
  test("kernel.hostname conflicts with the hostname field", () => {
    expect(userError(() => parseSysctl("kernel.hostname=x")).message).toMatch(/conflicts with the OCI "hostname" field/);
  });
  test("namespace rules: net.* needs a private netns, ipc ones a private ipc ns, domainname a private uts ns", () => {
    const all = { network: true, ipc: true, uts: true };
    expect(() => checkSysctlNamespaces({ "net.ipv4.ip_forward": "1", "kernel.shmmax": "1", "kernel.domainname": "x" }, all)).not.toThrow();
    expect(userError(() => checkSysctlNamespaces({ "kernel.shmmax": "1" }, { ...all, ipc: false })).message)
      .toBe(`sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace`);
    expect(userError(() => checkSysctlNamespaces({ "net.ipv4.ip_forward": "1" }, { ...all, network: false })).message)
      .toBe(`sysctl "net.ipv4.ip_forward" is not allowed in the hosts network namespace`);
    expect(userError(() => checkSysctlNamespaces({ "kernel.domainname": "x" }, { ...all, uts: false })).message)
      .toBe(`sysctl "kernel.domainname" is not in a separate kernel namespace`);
  });
});

describe("--pid / --ipc / --uts", () => {
  test("valid modes", () => {
    for (const v of ["", "host", "container:web", "container:0123abc"]) expect(parsePidMode(v)).toBe(v);
    for (const v of ["", "private", "shareable", "host", "none", "container:web"]) expect(parseIpcMode(v)).toBe(v);
    for (const v of ["", "host"]) expect(parseUtsMode(v)).toBe(v);
  });
  test("Docker's messages for the rest", () => {
    expect(userError(() => parsePidMode("private")).message).toBe("--pid: invalid PID mode");
    expect(userError(() => parsePidMode("container:")).message).toBe("--pid: invalid PID mode");
    expect(userError(() => parseIpcMode("hostx")).message).toBe("--ipc: invalid IPC mode");
    expect(userError(() => parseUtsMode("container:x")).message).toBe("--uts: invalid UTS mode");
  });
});

describe("parseHardeningFlags", () => {
  const parse = (v: Record<string, unknown>, hostname?: string) => parseHardeningFlags(v, hostname);
  test("defaults are Docker's", () => {
    expect(parse({})).toEqual({
      capAdd: [], capDrop: [], privileged: false, devices: [], hostDevices: [], deviceCgroupRules: [], sysctls: {},
      groupAdd: [], shmSize: 67108864, pidMode: "", ipcMode: "private", utsMode: "",
    });
  });
  test("--shm-size takes Docker's units; 0 is the default; bad sizes are refused", () => {
    expect(parse({ "shm-size": "1m" }).shmSize).toBe(1048576);
    expect(parse({ "shm-size": "2g" }).shmSize).toBe(2 * 2 ** 30);
    expect(parse({ "shm-size": "0" }).shmSize).toBe(67108864);
    expect(userError(() => parse({ "shm-size": "lots" })).message).toMatch(/--shm-size/);
  });
  test("--group-add: names or numbers", () => {
    expect(parse({ "group-add": ["audio", "1234"] }).groupAdd).toEqual(["audio", "1234"]);
    expect(userError(() => parse({ "group-add": ["a:b"] })).message).toMatch(/--group-add/);
  });
  test("--uts host conflicts with --hostname", () => {
    expect(userError(() => parse({ uts: "host" }, "box")).message).toBe("conflicting options: hostname and the UTS mode");
  });
  test("sysctls are checked against the namespaces the flags leave private", () => {
    expect(userError(() => parse({ ipc: "host", sysctl: ["kernel.shmmax=1"] })).message).toMatch(/hosts ipc namespace/);
    expect(parse({ ipc: "shareable", sysctl: ["kernel.shmmax=1"] }).sysctls).toEqual({ "kernel.shmmax": "1" });
    expect(userError(() => parse({ uts: "host", sysctl: ["kernel.domainname=x"] })).message).toMatch(/not in a separate kernel namespace/);
  });
  test("unknown capabilities are refused at parse time", () => {
    expect(userError(() => parse({ "cap-add": ["NET_FLY"] })).message).toBe('invalid CapAdd: unknown capability: "CAP_NET_FLY"');
    expect(parse({ "cap-drop": ["all"], "cap-add": ["chown"] })).toMatchObject({ capAdd: ["CAP_CHOWN"], capDrop: ["ALL"] });
  });
});
