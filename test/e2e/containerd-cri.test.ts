// runtime area: containerd's CRI plugin (what kubelet talks to) with the runtime handler docs/kubernetes.md
// tells users to add: io.containerd.runc.v2 with options.BinaryName = minibox. crictl is not packaged by
// Debian, so the test speaks CRI (runtime.v1 over gRPC) itself (cri-client.ts): a host-network pod
// sandbox on the "minibox" handler, a container in it, its log and exit code, then stop and remove.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { BINARY, processesMentioning, requireBinary } from "./harness.ts";
import { writeDockerArchive } from "../fixtures/images.ts";
import { CriClient, msg, num, str, type Field } from "./cri-client.ts";

const missing = ["containerd", "ctr"].filter((tool) => Bun.which(tool) === null);
if (missing.length) console.warn(`containerd-cri.test.ts skipped: ${missing.join(", ")} not installed (scripts/setup.sh installs Debian's containerd)`);

const PAUSE = "minibox.test/pause:1";
const IMAGE = "minibox.test/busybox:1";
const CGROUP_PARENT = `minibox-cri-test-${process.pid}`;
const RUNTIME_ROOT = "/run/containerd/runc/k8s.io"; // the CRI plugin's namespace is always k8s.io
let base = "";
let socket = "";
let daemon: Subprocess | undefined;
let cri: CriClient | undefined;
const sandboxes: string[] = [];

function hasCapability(bit: number): boolean {
  const line = readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith("CapEff:"))!;
  return ((BigInt(`0x${line.split(/\s+/)[1]}`) >> BigInt(bit)) & 1n) === 1n;
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

function ctr(args: string[]): { code: number; stderr: string } {
  const p = Bun.spawnSync(["ctr", "--address", socket, "--namespace", "k8s.io", ...args], { stdout: "ignore", stderr: "pipe", timeout: 60_000 });
  return { code: p.exitCode ?? -1, stderr: p.stderr.toString() };
}

describe.skipIf(missing.length > 0)("containerd's CRI plugin with a minibox runtime handler", () => {
  beforeAll(async () => {
    requireBinary();
    base = mkdtempSync(join(tmpdir(), "minibox-cri-"));
    socket = join(base, "containerd.sock");
    for (const d of ["cni-bin", "cni-conf", "logs"]) mkdirSync(join(base, d));
    const plugin = 'plugins."io.containerd.grpc.v1.cri"';
    writeFileSync(join(base, "config.toml"), [
      "version = 2", `root = "${base}/root"`, `state = "${base}/state"`,
      "[grpc]", `  address = "${socket}"`,
      `[${plugin}]`, `  sandbox_image = "${PAUSE}"`, "  stream_server_port = \"0\"",
      // Sandboxes get oomScoreAdj -998; lowering it needs CAP_SYS_RESOURCE, which some hosts (CI) lack.
      `  restrict_oom_score_adj = ${!hasCapability(24)}`,
      `[${plugin}.cni]`, `  bin_dir = "${base}/cni-bin"`, `  conf_dir = "${base}/cni-conf"`,
      // As in containerd's default config: once any runtime is listed, default_runtime_name's must be too.
      `[${plugin}.containerd.runtimes.runc]`, '  runtime_type = "io.containerd.runc.v2"',
      // What docs/kubernetes.md tells users to add:
      `[${plugin}.containerd.runtimes.minibox]`, '  runtime_type = "io.containerd.runc.v2"',
      `[${plugin}.containerd.runtimes.minibox.options]`, `  BinaryName = "${BINARY}"`, "  SystemdCgroup = false", "",
    ].join("\n"));
    const log = Bun.file(join(base, "containerd.log"));
    daemon = Bun.spawn(["containerd", "--config", join(base, "config.toml")], { stdin: "ignore", stdout: log, stderr: log });
    await until("containerd's socket", () => existsSync(socket) && ctr(["version"]).code === 0);
    writeDockerArchive(join(base, "pause.tar"), { name: PAUSE, config: { Cmd: ["sleep", "100000"] } });
    writeDockerArchive(join(base, "busybox.tar"), { name: IMAGE, config: { Cmd: ["sh"] } });
    for (const archive of ["pause.tar", "busybox.tar"]) {
      const imported = ctr(["image", "import", join(base, archive)]);
      expect(imported.stderr).toBe("");
    }
    cri = new CriClient(socket);
  }, 90_000);

  afterAll(async () => {
    for (const id of sandboxes) {
      await cri?.call("StopPodSandbox", [[1, id]]).catch(() => undefined);
      await cri?.call("RemovePodSandbox", [[1, id]]).catch(() => undefined);
    }
    cri?.close();
    if (daemon) {
      daemon.kill("SIGTERM");
      if (!(await Promise.race([daemon.exited.then(() => true), Bun.sleep(10_000).then(() => false)]))) daemon.kill("SIGKILL");
      await daemon.exited;
    }
    for (const pid of socket ? processesMentioning(socket) : []) {
      try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
    }
    if (base) {
      for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n").reverse()) {
        const mountPoint = line.split(" ")[4];
        if (mountPoint?.startsWith(base)) Bun.spawnSync(["umount", "-l", mountPoint]);
      }
      rmSync(base, { recursive: true, force: true });
    }
    for (const id of sandboxes) Bun.spawnSync([BINARY, "--root", RUNTIME_ROOT, "delete", "--force", id], { stdio: ["ignore", "ignore", "ignore"] });
    try {
      rmdirSync(RUNTIME_ROOT); // the shim made it; another CRI test running at the same time may still use it
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTEMPTY" && code !== "EBUSY") throw e;
    }
    for (const hierarchy of readdirSync("/sys/fs/cgroup")) {
      try {
        rmdirSync(join("/sys/fs/cgroup", hierarchy, CGROUP_PARENT));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "ENOENT" && code !== "ENOTDIR") throw e;
      }
    }
  }, 60_000);

  test("a pod sandbox and a container run through minibox; log, exit code, stop, remove", async () => {
    const version = await cri!.call("Version", []);
    expect(str(version, 2)).toBe("containerd");

    const sandboxConfig: Field[] = [
      [1, [[1, "pod"], [2, `uid-${process.pid}`], [3, "default"], [4, 0]]], // metadata
      [2, "cri-pod"], // hostname
      [3, join(base, "logs")], // log_directory
      // linux: cgroup_parent; security_context.namespace_options.network = NODE (no CNI here)
      [8, [[1, `/${CGROUP_PARENT}`], [2, [[1, [[1, 2]]]]]]],
    ];
    const run = await cri!.call("RunPodSandbox", [[1, sandboxConfig], [2, "minibox"]]);
    const sandboxId = str(run, 1);
    expect(sandboxId).toMatch(/^[0-9a-f]{64}$/);
    sandboxes.push(sandboxId);
    // The sandbox's (pause) container is minibox's: its state is in minibox's format under the shim's root.
    const state = JSON.parse(Bun.spawnSync([BINARY, "--root", RUNTIME_ROOT, "state", sandboxId]).stdout.toString());
    expect(state).toMatchObject({ id: sandboxId, status: "running" });

    const containerConfig: Field[] = [
      [1, [[1, "hello"], [2, 0]]], // metadata
      [2, [[1, IMAGE]]], // image
      [3, "sh"], [4, "-c"], [4, "echo cri-ok; exit 3"], // command, args
      [11, "hello.log"], // log_path, under the sandbox's log_directory
    ];
    const created = await cri!.call("CreateContainer", [[1, sandboxId], [2, containerConfig], [3, sandboxConfig]]);
    const containerId = str(created, 1);
    expect(containerId).toMatch(/^[0-9a-f]{64}$/);
    await cri!.call("StartContainer", [[1, containerId]]);
    let status = new Map<number, (number | Buffer)[]>();
    await until("the container to exit", async () => {
      status = msg(await cri!.call("ContainerStatus", [[1, containerId]]), 1);
      return num(status, 3) === 2; // CONTAINER_EXITED
    });
    expect(num(status, 7)).toBe(3); // exit_code
    expect(readFileSync(join(base, "logs", "hello.log"), "utf8")).toContain("stdout F cri-ok");

    await cri!.call("RemoveContainer", [[1, containerId]]);
    await cri!.call("StopPodSandbox", [[1, sandboxId]]);
    await until("the sandbox's init to be gone", () => {
      const s = Bun.spawnSync([BINARY, "--root", RUNTIME_ROOT, "state", sandboxId]);
      return s.exitCode !== 0 || JSON.parse(s.stdout.toString()).status === "stopped";
    });
    await cri!.call("RemovePodSandbox", [[1, sandboxId]]);
    expect(existsSync(join(RUNTIME_ROOT, sandboxId))).toBe(false);
    expect(existsSync(join(RUNTIME_ROOT, containerId))).toBe(false);
  }, 120_000);
});
