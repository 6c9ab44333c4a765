import { describe, expect, test } from "bun:test";
import { UserError } from "../../src/errors.ts";
import type { CreateOptions } from "../../src/container/options.ts";
import { buildSpec, mergeEnv, processArgs, type ContainerPaths, type ImageProcessConfig } from "../../src/oci/from-image.ts";
import { DEFAULT_CAPABILITIES, DEFAULT_PATH } from "../../src/oci/defaults.ts";
import { ANNOTATION, type Mount } from "../../src/oci/spec.ts";

function opts(over: Partial<CreateOptions> = {}): CreateOptions {
  return {
    image: "img", command: [], env: [], interactive: false, tty: false, volumes: [], tmpfs: [], readOnly: false,
    autoRemove: false, ...over,
  };
}

const paths: ContainerPaths = {
  rootfs: "/s/c/rootfs", upperdir: "/s/c/upper", workdir: "/s/c/work",
  layers: ["/s/l/bottom", "/s/l/middle", "/s/l/top"],
  hostsFile: "/s/c/hosts", hostnameFile: "/s/c/hostname", resolvConf: "/s/c/resolv.conf",
};

describe("processArgs (Docker's Entrypoint/Cmd rules)", () => {
  const image: ImageProcessConfig = { Entrypoint: ["/entry", "--flag"], Cmd: ["default", "cmd"] };

  test("image Entrypoint + Cmd", () => {
    expect(processArgs(image, opts())).toEqual(["/entry", "--flag", "default", "cmd"]);
  });
  test("a command replaces Cmd, keeps Entrypoint", () => {
    expect(processArgs(image, opts({ command: ["x", "-y"] }))).toEqual(["/entry", "--flag", "x", "-y"]);
  });
  test("--entrypoint replaces Entrypoint and drops the image's Cmd", () => {
    expect(processArgs(image, opts({ entrypoint: "/bin/sh" }))).toEqual(["/bin/sh"]);
  });
  test("--entrypoint with a command", () => {
    expect(processArgs(image, opts({ entrypoint: "/bin/sh", command: ["-c", "id"] }))).toEqual(["/bin/sh", "-c", "id"]);
  });
  test('--entrypoint "" clears the Entrypoint: the command alone runs', () => {
    expect(processArgs(image, opts({ entrypoint: "", command: ["ls", "-l"] }))).toEqual(["ls", "-l"]);
  });
  test('--entrypoint "" and no command: nothing to run', () => {
    expect(() => processArgs(image, opts({ entrypoint: "" }))).toThrow(UserError);
  });
  test("Cmd only, null Entrypoint", () => {
    expect(processArgs({ Entrypoint: null, Cmd: ["sh"] }, opts())).toEqual(["sh"]);
  });
  test("no Entrypoint, no Cmd, no command → UserError with exit 125", () => {
    let err: unknown;
    try { processArgs({ Cmd: null }, opts()); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(125);
  });
  test("does not alias the image's arrays", () => {
    const img: ImageProcessConfig = { Entrypoint: ["e"], Cmd: ["c"] };
    processArgs(img, opts()).push("mutated");
    expect(img).toEqual({ Entrypoint: ["e"], Cmd: ["c"] });
  });
});

describe("mergeEnv", () => {
  test("later lists win by name, keeping the first position", () => {
    expect(mergeEnv(["A=1", "B=2", "C=3"], ["B=20", "D=4"])).toEqual(["A=1", "B=20", "C=3", "D=4"]);
  });
  test("a value containing '=' is not split on the second '='", () => {
    expect(mergeEnv(["X=a=b"], ["X=c=d", "Y=="])).toEqual(["X=c=d", "Y=="]);
  });
  test("names are case-sensitive and prefixes are distinct", () => {
    expect(mergeEnv(["PATH=/a", "path=/b", "PATHX=/c"], ["PATH=/z"])).toEqual(["PATH=/z", "path=/b", "PATHX=/c"]);
  });
  test("empty value overrides", () => {
    expect(mergeEnv(["A=1"], ["A="])).toEqual(["A="]);
  });
  test("no lists", () => {
    expect(mergeEnv()).toEqual([]);
  });
});

describe("buildSpec", () => {
  const envOf = (image: ImageProcessConfig, o: Partial<CreateOptions> = {}) => buildSpec(image, opts(o), "h0st", paths).process.env;

  test("PATH defaults when neither image nor user sets it, and comes first", () => {
    const env = envOf({ Cmd: ["sh"], Env: ["A=1"] });
    expect(env[0]).toBe(`PATH=${DEFAULT_PATH}`);
    expect(env.filter((e) => e.startsWith("PATH="))).toHaveLength(1);
  });
  test("the image's PATH is kept, and the user's wins over it", () => {
    expect(envOf({ Cmd: ["sh"], Env: ["PATH=/img"] })).toContain("PATH=/img");
    const env = envOf({ Cmd: ["sh"], Env: ["PATH=/img"] }, { env: ["PATH=/mine"] });
    expect(env.filter((e) => e.startsWith("PATH="))).toEqual(["PATH=/mine"]);
  });
  test("HOSTNAME is the container's, unless the user set it", () => {
    expect(envOf({ Cmd: ["sh"] })).toContain("HOSTNAME=h0st");
    const env = envOf({ Cmd: ["sh"] }, { env: ["HOSTNAME=other"] });
    expect(env.filter((e) => e.startsWith("HOSTNAME="))).toEqual(["HOSTNAME=other"]);
  });
  test("TERM=xterm only with a tty, and never over the user's TERM", () => {
    expect(envOf({ Cmd: ["sh"] }).some((e) => e.startsWith("TERM="))).toBe(false);
    expect(envOf({ Cmd: ["sh"] }, { tty: true })).toContain("TERM=xterm");
    const env = envOf({ Cmd: ["sh"] }, { tty: true, env: ["TERM=dumb"] });
    expect(env.filter((e) => e.startsWith("TERM="))).toEqual(["TERM=dumb"]);
  });
  test("terminal follows tty; hostname and args", () => {
    const spec = buildSpec({ Cmd: ["sh"] }, opts({ tty: true }), "h0st", paths);
    expect(spec.process.terminal).toBe(true);
    expect(spec.hostname).toBe("h0st");
    expect(spec.process.args).toEqual(["sh"]);
    expect(spec.process.user).toEqual({ uid: 0, gid: 0 });
  });
  test("Docker's default seccomp profile, resolved for the spec's capabilities; none with seccomp=unconfined", () => {
    const seccomp = buildSpec({ Cmd: ["sh"] }, opts(), "h", paths).linux.seccomp!;
    expect(seccomp.defaultAction).toBe("SCMP_ACT_ERRNO");
    expect(seccomp.defaultErrnoRet).toBe(1);
    const names = seccomp.syscalls!.flatMap((s) => s.names);
    expect(names).toContain("read");
    expect(names).toContain("chroot"); // CAP_SYS_CHROOT is a default capability
    expect(names).not.toContain("mount"); // CAP_SYS_ADMIN is not
    expect(seccomp.syscalls!.find((s) => s.names[0] === "clone3")).toEqual({ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 });
    expect(buildSpec({ Cmd: ["sh"] }, opts({ seccompUnconfined: true }), "h", paths).linux.seccomp).toBeUndefined();
  });
  test("a custom profile, no_new_privs and the --security-opt values as given", () => {
    const spec = buildSpec({ Cmd: ["sh"] }, opts({
      seccompProfile: { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }] },
      noNewPrivileges: true, securityOpt: ["seccomp=/p.json", "no-new-privileges"],
    }), "h", paths);
    expect(spec.linux.seccomp).toEqual({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }] });
    expect(spec.process.noNewPrivileges).toBe(true);
    expect(JSON.parse(spec.annotations![ANNOTATION.securityOpt]!)).toEqual(["seccomp=/p.json", "no-new-privileges"]);
    expect(buildSpec({ Cmd: ["sh"] }, opts(), "h", paths).process.noNewPrivileges).toBe(false);
  });
  test("cwd: user's workdir, else image's, else /; relative is refused", () => {
    expect(buildSpec({ Cmd: ["sh"] }, opts(), "h", paths).process.cwd).toBe("/");
    expect(buildSpec({ Cmd: ["sh"], WorkingDir: "/app" }, opts(), "h", paths).process.cwd).toBe("/app");
    expect(buildSpec({ Cmd: ["sh"], WorkingDir: "/app" }, opts({ workdir: "/w" }), "h", paths).process.cwd).toBe("/w");
    expect(() => buildSpec({ Cmd: ["sh"] }, opts({ workdir: "rel" }), "h", paths)).toThrow(UserError);
  });

  const find = (mounts: Mount[], dest: string) => mounts.filter((m) => m.destination === dest);

  test("the attached user mounts (volume/attach.ts) go into the spec as given", () => {
    const a: Mount = { destination: "/a", type: "bind", source: "/host/a", options: ["rbind", "rprivate", "ro"] };
    const b: Mount = { destination: "/b", type: "bind", source: "/host/b", options: ["rbind", "rprivate", "rw"] };
    const spec = buildSpec({ Cmd: ["sh"] }, opts(), "h", { ...paths, userMounts: [a, b] });
    expect(find(spec.mounts, "/a")).toEqual([a]);
    expect(find(spec.mounts, "/b")).toEqual([b]);
  });
  test("user mounts and --tmpfs are ordered parents first, whatever the flag order", () => {
    const deep: Mount = { destination: "/data/sub", type: "bind", source: "/h", options: ["rbind"] };
    const spec = buildSpec({ Cmd: ["sh"] }, opts({ tmpfs: [{ destination: "/data/sub/t", options: [] }] }), "h", {
      ...paths, userMounts: [deep, { destination: "/data", type: "bind", source: "/h2", options: ["rbind"] }],
    });
    const order = spec.mounts.map((m) => m.destination).filter((d) => d.startsWith("/data"));
    expect(order).toEqual(["/data", "/data/sub", "/data/sub/t"]);
  });
  test("tmpfs mounts carry their options", () => {
    const spec = buildSpec({ Cmd: ["sh"] }, opts({ tmpfs: [{ destination: "/run", options: ["nosuid", "size=1m"] }] }), "h", paths);
    expect(find(spec.mounts, "/run")).toEqual([{ destination: "/run", type: "tmpfs", source: "tmpfs", options: ["nosuid", "size=1m"] }]);
  });
  test("user mounts come after the defaults, so they are mounted over them", () => {
    const spec = buildSpec({ Cmd: ["sh"] }, opts(), "h", { ...paths, userMounts: [{ destination: "/v", type: "bind", source: "/h", options: ["rbind"] }] });
    const i = spec.mounts.findIndex((m) => m.destination === "/v");
    const proc = spec.mounts.findIndex((m) => m.destination === "/proc");
    expect(proc).toBeGreaterThanOrEqual(0);
    expect(i).toBeGreaterThan(proc);
  });
  test("/etc/hostname, /etc/hosts and /etc/resolv.conf are bound from the container's files, ro with --read-only", () => {
    for (const readOnly of [false, true]) {
      const spec = buildSpec({ Cmd: ["sh"] }, opts({ readOnly }), "h", paths);
      const mode = readOnly ? "ro" : "rw";
      expect(find(spec.mounts, "/etc/hostname")).toEqual([{ destination: "/etc/hostname", type: "bind", source: paths.hostnameFile, options: ["rbind", "rprivate", mode] }]);
      expect(find(spec.mounts, "/etc/hosts")[0]?.source).toBe(paths.hostsFile);
      expect(find(spec.mounts, "/etc/resolv.conf")[0]?.source).toBe(paths.resolvConf);
      expect(find(spec.mounts, "/etc/resolv.conf")[0]?.options).toContain(mode);
      expect(spec.root).toEqual({ path: paths.rootfs, readonly: readOnly });
    }
  });
  test("annotations: lowerdirs top layer first, upper/work dirs, user", () => {
    const spec = buildSpec({ Cmd: ["sh"], User: "img-user" }, opts(), "h", paths);
    const a = spec.annotations!;
    expect(JSON.parse(a[ANNOTATION.lowerdirs]!)).toEqual(["/s/l/top", "/s/l/middle", "/s/l/bottom"]);
    expect(paths.layers).toEqual(["/s/l/bottom", "/s/l/middle", "/s/l/top"]); // not reversed in place
    expect(a[ANNOTATION.upperdir]).toBe(paths.upperdir);
    expect(a[ANNOTATION.workdir]).toBe(paths.workdir);
    expect(a[ANNOTATION.user]).toBe("img-user");
    expect(buildSpec({ Cmd: ["sh"], User: "img-user" }, opts({ user: "1000:50" }), "h", paths).annotations![ANNOTATION.user]).toBe("1000:50");
    expect(buildSpec({ Cmd: ["sh"] }, opts(), "h", paths).annotations![ANNOTATION.user]).toBe("");
  });
  test("Docker's default capabilities in every set but inheritable/ambient; all namespaces", () => {
    const spec = buildSpec({ Cmd: ["sh"] }, opts(), "h", paths);
    const caps = spec.process.capabilities!;
    expect([...caps.bounding].sort()).toEqual([...DEFAULT_CAPABILITIES].sort());
    expect(caps.effective).toEqual(caps.bounding);
    expect(caps.permitted).toEqual(caps.bounding);
    expect(caps.inheritable).toEqual([]);
    expect(caps.ambient).toEqual([]);
    expect(spec.linux.namespaces.map((n) => n.type).sort()).toEqual(["cgroup", "ipc", "mount", "network", "pid", "uts"]);
  });
  test("the image's Env is not mutated", () => {
    const image: ImageProcessConfig = { Cmd: ["sh"], Env: ["A=1"] };
    buildSpec(image, opts({ tty: true }), "h", paths);
    expect(image.Env).toEqual(["A=1"]);
  });
});
