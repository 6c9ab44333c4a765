// runtime area: an OCI bundle as runc users make one: a rootfs directory (busybox and its applets,
// passwd/group) and a config.json shaped like `runc spec`'s default.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync, chmodSync, readdirSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY } from "./harness.ts";
import { BUSYBOX, busyboxApplets } from "../fixtures/images.ts";

export interface RuntimeSandbox {
  base: string;
  root: string;
  bundle(name: string, edit?: (config: Record<string, any>) => void): string;
  /** The runtime with --root; output of the container goes to `outFile` when given (it inherits our stdio). */
  run(args: string[], opts?: { outFile?: string; argv0?: string }): Promise<{ code: number; stdout: string; stderr: string }>;
  cleanup(): void;
}

export function defaultConfig(args: string[]): Record<string, any> {
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: false, user: { uid: 0, gid: 0 }, args, env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"], cwd: "/",
      capabilities: { bounding: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"], effective: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"], permitted: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"], ambient: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"] },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: "rootfs", readonly: true },
    hostname: "runc",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
      { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
      { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
      { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
      { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
      { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: "rwm" }] },
      namespaces: [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }],
      maskedPaths: ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}

let rootfsTemplate: string | undefined;

/** One rootfs per bundle, copied from a template made once per test process. */
function makeRootfs(dest: string, base: string): void {
  if (!rootfsTemplate) {
    rootfsTemplate = join(base, "rootfs-template");
    for (const d of ["bin", "dev", "etc", "proc", "sys", "tmp", "home/app"]) mkdirSync(join(rootfsTemplate, d), { recursive: true });
    copyFileSync(BUSYBOX, join(rootfsTemplate, "bin/busybox"));
    chmodSync(join(rootfsTemplate, "bin/busybox"), 0o755);
    for (const a of busyboxApplets()) symlinkSync("busybox", join(rootfsTemplate, "bin", a));
    writeFileSync(join(rootfsTemplate, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n");
    writeFileSync(join(rootfsTemplate, "etc/group"), "root:x:0:\nstaff:x:50:app\napp:x:1000:\n");
  }
  copyTree(rootfsTemplate, dest);
}

function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const a = join(from, e.name), b = join(to, e.name);
    if (e.isDirectory()) copyTree(a, b);
    else if (e.isSymbolicLink()) symlinkSync(readlinkSync(a), b);
    else copyFileSync(a, b);
    if (e.isFile() && e.name === "busybox") chmodSync(b, 0o755);
  }
}

export function makeRuntimeSandbox(): RuntimeSandbox {
  const base = mkdtempSync(join(tmpdir(), "minibox-runtime-"));
  rootfsTemplate = undefined;
  const root = join(base, "state");
  return {
    base, root,
    bundle(name, edit) {
      const dir = join(base, name);
      makeRootfs(join(dir, "rootfs"), base);
      const config = defaultConfig(["sh", "-c", "echo hello"]);
      edit?.(config);
      writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 2));
      return dir;
    },
    async run(args, opts = {}) {
      const out = opts.outFile ? Bun.file(opts.outFile) : "pipe";
      const proc = Bun.spawn({
        cmd: [opts.argv0 ?? BINARY, "--root", root, ...args],
        // With outFile, the container inherits both outputs: a pipe would stay open as long as it runs.
        stdin: "ignore", stdout: opts.outFile ? out : "pipe", stderr: opts.outFile ? Bun.file(`${opts.outFile}.err`) : "pipe", timeout: 30_000,
      });
      if (opts.outFile) {
        const code = await proc.exited;
        return { code, stdout: "", stderr: readText(`${opts.outFile}.err`) };
      }
      const [stdout, stderr, code] = await Promise.all([
        new Response(proc.stdout as ReadableStream).text(), new Response(proc.stderr as ReadableStream).text(), proc.exited,
      ]);
      return { code, stdout, stderr };
    },
    cleanup() {
      // Containers a failed test left behind: delete --force kills them and removes their cgroups.
      let ids: string[] = [];
      try { ids = readdirSync(root); } catch { /* no container was ever created */ }
      for (const id of ids) Bun.spawnSync([BINARY, "--root", root, "delete", "--force", id]);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

export function readText(path: string): string {
  try { return readFileSync(path, "utf8"); } catch { return ""; }
}
