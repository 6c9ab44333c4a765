// runtime area: containerd (Debian's, 1.6) drives the compiled ./minibox as its runc binary. The test
// starts its own containerd (config, root, state and socket in a temp dir, its own namespace, so its
// runtime root /run/containerd/runc/<namespace> is ours alone) and stops it by pid.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { BINARY, processesMentioning, requireBinary } from "./harness.ts";
import { writeDockerArchive } from "../fixtures/images.ts";

const missing = ["containerd", "ctr"].filter((tool) => Bun.which(tool) === null);
if (missing.length) console.warn(`containerd.test.ts skipped: ${missing.join(", ")} not installed (scripts/setup.sh installs Debian's containerd)`);

const IMAGE = "docker.io/library/busybox:latest";
const NAMESPACE = `minibox-test-${process.pid}`;
let base = "";
let socket = "";
let daemon: Subprocess | undefined;

async function ctr(args: string[], timeoutMs = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(["ctr", "--address", socket, "--namespace", NAMESPACE, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: timeoutMs });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

async function taskStatus(id: string): Promise<string | undefined> {
  const r = await ctr(["task", "ls"]);
  return r.stdout.split("\n").map((l) => l.trim().split(/\s+/)).find((f) => f[0] === id)?.[2];
}

const runtimeRoot = () => join("/run/containerd/runc", NAMESPACE);

describe.skipIf(missing.length > 0)("containerd with minibox as its runc binary", () => {
  beforeAll(async () => {
    requireBinary();
    base = mkdtempSync(join(tmpdir(), "minibox-containerd-"));
    socket = join(base, "containerd.sock");
    writeFileSync(join(base, "config.toml"), [
      "version = 2", `root = "${base}/root"`, `state = "${base}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]', "[grpc]", `  address = "${socket}"`, "",
    ].join("\n"));
    daemon = Bun.spawn(["containerd", "--config", join(base, "config.toml")], { stdin: "ignore", stdout: Bun.file(join(base, "containerd.log")), stderr: Bun.file(join(base, "containerd.log")) });
    await until("containerd's socket", async () => existsSync(socket) && (await ctr(["version"])).code === 0);
    writeDockerArchive(join(base, "busybox.tar"), { name: "busybox:latest", config: { Cmd: ["sh"] } });
    const imported = await ctr(["image", "import", join(base, "busybox.tar")], 60_000);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
  }, 90_000);

  afterAll(async () => {
    if (socket) {
      // Tasks a failed test left: kill and delete them through containerd while it still runs.
      for (const line of (await ctr(["task", "ls", "-q"])).stdout.split("\n").filter(Boolean)) {
        await ctr(["task", "kill", "-s", "SIGKILL", line]);
        await ctr(["task", "delete", "-f", line]);
      }
      for (const line of (await ctr(["container", "ls", "-q"])).stdout.split("\n").filter(Boolean)) await ctr(["container", "rm", line]);
    }
    if (daemon) {
      daemon.kill("SIGTERM");
      const exited = await Promise.race([daemon.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
      if (!exited) daemon.kill("SIGKILL");
      await daemon.exited;
    }
    // Shims of this daemon (they name its socket in their command line) and their containers' mounts.
    for (const pid of processesMentioning(socket)) {
      try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
    }
    if (base) {
      for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n").reverse()) {
        const mountPoint = line.split(" ")[4];
        if (mountPoint?.startsWith(base)) Bun.spawnSync(["umount", "-l", mountPoint]);
      }
      rmSync(base, { recursive: true, force: true });
    }
    rmSync(runtimeRoot(), { recursive: true, force: true });
    // containerd names cgroups /<namespace>/<id>; the runtime (as runc) leaves that parent to its owner.
    for (const hierarchy of readdirSync("/sys/fs/cgroup")) {
      try {
        rmdirSync(join("/sys/fs/cgroup", hierarchy, NAMESPACE));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "ENOENT" && code !== "ENOTDIR") throw e;
      }
    }
  }, 60_000);

  test("ctr run --rm: the command's output and exit code", async () => {
    const hello = await ctr(["run", "--rm", "--runc-binary", BINARY, IMAGE, "hello", "echo", "hello"]);
    expect(hello.stderr).toBe("");
    expect(hello.stdout).toBe("hello\n");
    expect(hello.code).toBe(0);
    const seven = await ctr(["run", "--rm", "--runc-binary", BINARY, IMAGE, "seven", "sh", "-c", "exit 7"]);
    expect(seven.code).toBe(7);
    expect(existsSync(join(runtimeRoot(), "hello"))).toBe(false);
    expect(existsSync(join(runtimeRoot(), "seven"))).toBe(false);
  }, 60_000);

  test.skipIf(Bun.which("script") === null)("ctr run -t: the pty master over --console-socket, a terminal inside, the exit code", async () => {
    // ctr wants a terminal of its own for -t: script(1) gives it one.
    const command = ["ctr", "--address", socket, "--namespace", NAMESPACE, "run", "--rm", "-t", "--runc-binary", BINARY, IMAGE, "tty", "sh", "-c", "tty; exit 3"];
    const proc = Bun.spawn(["script", "-qec", command.map((a) => `'${a}'`).join(" "), "/dev/null"], { stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 30_000 });
    const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(stdout).toContain("/dev/pts/0");
    expect(code).toBe(3);
  }, 60_000);

  test("tasks in parallel", async () => {
    const ids = ["par1", "par2", "par3", "par4"];
    const results = await Promise.all(ids.map((id) => ctr(["run", "--rm", "--runc-binary", BINARY, IMAGE, id, "sh", "-c", `echo ${id}; exit ${id.length + Number(id.at(-1))}`])));
    results.forEach((r, i) => {
      expect(r.stdout).toBe(`${ids[i]}\n`);
      expect(r.code).toBe(ids[i]!.length + Number(ids[i]!.at(-1)));
    });
    for (const id of ids) expect(existsSync(join(runtimeRoot(), id))).toBe(false);
  }, 90_000);

  test("a detached task: ps, pause, resume, kill, delete", async () => {
    const id = "detached";
    const run = await ctr(["run", "-d", "--runc-binary", BINARY, IMAGE, id, "sleep", "300"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(await taskStatus(id)).toBe("RUNNING");
    const state = JSON.parse(Bun.spawnSync([BINARY, "--root", runtimeRoot(), "state", id]).stdout.toString()) as { pid: number; status: string };
    expect(state.status).toBe("running");
    // The init's parent is containerd's shim (its subreaper), not a minibox process.
    const ppid = Number(readFileSync(`/proc/${state.pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
    expect(readFileSync(`/proc/${ppid}/cmdline`, "utf8")).toContain("containerd-shim");
    const ps = await ctr(["task", "ps", id]);
    expect(ps.stdout).toContain(String(state.pid));
    const exec = await ctr(["task", "exec", "--exec-id", "e1", id, "sh", "-c", "echo exec-ok; exit 5"]);
    expect(exec.stdout).toBe("exec-ok\n");
    expect(exec.code).toBe(5);
    expect((await ctr(["task", "pause", id])).code).toBe(0);
    expect(await taskStatus(id)).toBe("PAUSED");
    expect((await ctr(["task", "resume", id])).code).toBe(0);
    expect(await taskStatus(id)).toBe("RUNNING");
    expect((await ctr(["task", "kill", "-s", "SIGKILL", id])).code).toBe(0);
    await until("the task to stop", async () => (await taskStatus(id)) === "STOPPED");
    expect((await ctr(["task", "delete", id])).code).toBe(0);
    expect((await ctr(["container", "rm", id])).code).toBe(0);
    expect(existsSync(join(runtimeRoot(), id))).toBe(false);
    expect(readdirSync(runtimeRoot())).toEqual([]);
  }, 60_000);
});
