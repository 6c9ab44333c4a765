// The hardening flags' effect on the OCI spec (buildSpec with opts.hardening), as Docker builds its spec.
import { describe, expect, test } from "bun:test";
import type { CreateOptions } from "../../src/container/options.ts";
import { parseHardeningFlags, type HardeningOptions } from "../../src/container/hardening-options.ts";
import { buildSpec, type ContainerPaths } from "../../src/oci/from-image.ts";
import { DEFAULT_CAPABILITIES, MASKED_PATHS } from "../../src/oci/defaults.ts";
import { hardeningAnnotations, readHostConfig, readDonors } from "../../src/oci/hardening.ts";
import type { Spec } from "../../src/oci/spec.ts";

const paths: ContainerPaths = {
  rootfs: "/s/c/rootfs", upperdir: "/s/c/upper", workdir: "/s/c/work", layers: ["/s/l/a"],
  hostsFile: "/s/c/hosts", hostnameFile: "/s/c/hostname", resolvConf: "/s/c/resolv.conf",
};

function spec(flags: Record<string, unknown>, extra: Partial<HardeningOptions> = {}): Spec {
  const opts: CreateOptions = {
    image: "img", command: ["sh"], env: [], interactive: false, tty: false, volumes: [], tmpfs: [], readOnly: false,
    autoRemove: false, hardening: { ...parseHardeningFlags(flags), ...extra },
  };
  return buildSpec({}, opts, "box", paths);
}
const shm = (s: Spec) => s.mounts.find((m) => m.destination === "/dev/shm");
const nsTypes = (s: Spec) => s.linux.namespaces.map((n) => n.type).sort();

describe("hardening flags in the spec", () => {
  test("no flags: Docker's defaults, a 64m /dev/shm, seccomp on, masks on, no extra devices", () => {
    const s = spec({});
    expect(s.process.capabilities!.bounding).toEqual([...DEFAULT_CAPABILITIES]);
    expect(s.process.capabilities!.inheritable).toEqual([]);
    expect(shm(s)!.options).toContain("size=67108864");
    expect(s.linux.seccomp).toBeDefined();
    expect(s.linux.maskedPaths).toEqual(MASKED_PATHS);
    expect(s.linux.devices ?? []).toEqual([]);
    expect(s.linux.resources?.devices ?? []).toEqual([]);
    expect(s.hostname).toBe("box");
    expect(nsTypes(s)).toEqual(["cgroup", "ipc", "mount", "network", "pid", "uts"]);
  });
  test("cap-drop ALL + cap-add: in bounding, effective and permitted", () => {
    const caps = spec({ "cap-drop": ["ALL"], "cap-add": ["net_admin"] }).process.capabilities!;
    for (const set of [caps.bounding, caps.effective, caps.permitted]) expect(set).toEqual(["CAP_NET_ADMIN"]);
  });
  test("privileged: every capability, no seccomp, no masked or read-only paths, /sys rw, all devices allowed", () => {
    const s = spec({ privileged: true });
    expect(s.process.capabilities!.bounding).toContain("CAP_SYS_ADMIN");
    expect(s.linux.seccomp).toBeUndefined();
    expect(s.linux.maskedPaths).toEqual([]);
    expect(s.linux.readonlyPaths).toEqual([]);
    const sys = s.mounts.find((m) => m.destination === "/sys")!;
    expect(sys.options).not.toContain("ro");
    expect(s.linux.resources!.devices).toEqual([{ allow: true, access: "rwm" }]);
    expect(s.linux.devices!.some((d) => d.path === "/dev/null")).toBe(true);
    expect(s.linux.devices!.some((d) => d.path.startsWith("/dev/pts/") || d.path === "/dev/ptmx")).toBe(false);
  });
  test("--device: a node and its cgroup rule with the host's numbers", () => {
    const s = spec({ device: ["/dev/null:/dev/mynull:rw"] });
    expect(s.linux.devices).toEqual([{ path: "/dev/mynull", type: "c", major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 }]);
    // "m" is added so that the init can create the node under the device cgroup already in force.
    expect(s.linux.resources!.devices).toEqual([{ allow: true, type: "c", major: 1, minor: 3, access: "rwm" }]);
  });
  test("--device-cgroup-rule, --sysctl, --shm-size", () => {
    const s = spec({ "device-cgroup-rule": ["c 42:* rmw"], sysctl: ["net.ipv4.ip_forward=1"], "shm-size": "1m" });
    expect(s.linux.resources!.devices).toEqual([{ allow: true, type: "c", major: 42, access: "rmw" }]);
    expect(s.linux.sysctl).toEqual({ "net.ipv4.ip_forward": "1" });
    expect(shm(s)!.options).toContain("size=1048576");
    expect(shm(s)!.options).not.toContain("size=67108864");
  });
  test("host namespaces are left out; --uts host sets no hostname; --ipc host binds the host's /dev/shm", () => {
    const s = spec({ pid: "host", ipc: "host", uts: "host" });
    expect(nsTypes(s)).toEqual(["cgroup", "mount", "network"]);
    expect(s.hostname).toBeUndefined();
    expect(shm(s)).toMatchObject({ type: "bind", source: "/dev/shm" });
  });
  test("--ipc none: a private namespace without /dev/shm", () => {
    const s = spec({ ipc: "none" });
    expect(nsTypes(s)).toContain("ipc");
    expect(shm(s)).toBeUndefined();
  });
  test("container:X joins the donor's namespace by path, and names it for launch", () => {
    const s = spec({ pid: "container:web", ipc: "container:web" }, { joins: { pid: { id: "abc", pid: 42 }, ipc: { id: "abc", pid: 42 } } });
    expect(s.linux.namespaces.find((n) => n.type === "pid")).toEqual({ type: "pid", path: "/proc/42/ns/pid" });
    expect(s.linux.namespaces.find((n) => n.type === "ipc")).toEqual({ type: "ipc", path: "/proc/42/ns/ipc" });
    expect(readDonors(s)).toEqual({ pid: "abc", ipc: "abc" });
  });
  test("the HostConfig keys for inspect, with Docker's defaults", () => {
    expect(readHostConfig(spec({}))).toEqual({
      CapAdd: null, CapDrop: null, Privileged: false, Devices: [], DeviceCgroupRules: null, GroupAdd: null,
      ShmSize: 67108864, PidMode: "", IpcMode: "private", UTSMode: "",
    });
    const h = readHostConfig(spec({ "cap-add": ["chown"], sysctl: ["kernel.shmmax=5"], "group-add": ["audio"], device: ["/dev/null"] }));
    expect(h).toMatchObject({ CapAdd: ["CAP_CHOWN"], Sysctls: { "kernel.shmmax": "5" }, GroupAdd: ["audio"] });
    expect(h.Devices).toEqual([{ PathOnHost: "/dev/null", PathInContainer: "/dev/null", CgroupPermissions: "rwm" }]);
    expect(Object.keys(hardeningAnnotations(parseHardeningFlags({})))).toHaveLength(1);
  });
});
