// Resource limits through the compiled binary on this machine's kernel (cgroup v1 here): OOM kills
// recorded from the kernel, a fork bomb held by the pids limit and fully ended by rm -f, CFS throttling,
// cpusets, ulimits, the private cgroup namespace, `update` and `stats`. Every container lives under a
// --cgroup-parent of this file's own, so the cleanup can assert on exactly our cgroups.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, rmdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeDockerArchive } from "../fixtures/images.ts";
import { BINARY, makeSandbox, type Result, type Sandbox } from "./harness.ts";
import { detectLayout } from "../../src/cgroups/detect.ts";

const T = 60_000;
const PARENT = `minibox-test-${process.pid}`;
const isRoot = process.getuid?.() === 0;
const v1 = isRoot && detectLayout().version === 1;
const CG = "/sys/fs/cgroup";

let sb: Sandbox;

beforeAll(async () => {
  if (!v1) return;
  sb = makeSandbox("minibox-e2e-limits-");
  const archive = join(dirname(sb.root), "busybox.tar");
  writeDockerArchive(archive);
  const r = await sb.run(["load", "-i", archive]);
  if (r.code !== 0) throw new Error(`load failed (${r.code}): ${r.stderr}`);
});

/** Our parent's directory in every v1 hierarchy that has it (deepest first, for removal). */
function ourCgroupDirs(): string[] {
  const found: string[] = [];
  for (const h of readdirSync(CG)) {
    const dir = join(CG, h, PARENT);
    if (!existsSync(dir)) continue;
    for (const child of readdirSync(dir, { withFileTypes: true })) if (child.isDirectory()) found.push(join(dir, child.name));
    found.push(dir);
  }
  return found;
}

afterAll(() => {
  if (!v1) return;
  sb.cleanup(); // rm -f of every container (kills their cgroups), the monitor, the store
  const left = ourCgroupDirs();
  for (const d of left) try { rmdirSync(d); } catch { /* still busy: reported below */ }
  expect(left).toEqual([]);
  // Other test files may own minibox* cgroups at the same time; only ours are asserted on above.
  const ours = Bun.spawnSync(["find", CG, "-maxdepth", "3", "-name", `${PARENT}*`]).stdout.toString().trim();
  expect(ours).toBe("");
});

async function mb(args: string[], timeoutMs = 30_000): Promise<Result> {
  return sb.run(args, { timeoutMs });
}

async function ok(args: string[], timeoutMs?: number): Promise<string> {
  const r = await mb(args, timeoutMs);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** `run` under our cgroup parent. */
const run = (args: string[], timeoutMs?: number) => mb(["run", "--cgroup-parent", PARENT, ...args], timeoutMs);

/** Starts a detached container; returns its full id. */
async function detached(args: string[]): Promise<string> {
  return (await ok(["run", "-d", "--cgroup-parent", PARENT, ...args])).trim();
}

async function inspect(ref: string): Promise<{ State: Record<string, unknown>; HostConfig: Record<string, unknown> }> {
  return JSON.parse(await ok(["inspect", ref]))[0];
}

async function until<T>(what: string, f: () => T | undefined | false, deadlineMs = 15_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await Bun.sleep(50);
  }
}

const cgFile = (controller: string, id: string, file: string) => join(CG, controller, PARENT, id, file);
const readKV = (path: string) => new Map(readFileSync(path, "utf8").trim().split("\n").map((l) => l.split(/\s+/) as [string, string]));

/** Host processes whose cgroup (any hierarchy) is the container's. */
function processesInCgroupOf(id: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cgroup`, "utf8").includes(`/${PARENT}/${id}`)) pids.push(Number(entry));
    } catch { /* exited */ }
  }
  return pids;
}

/** Removes the container whatever happened in the test. */
async function removing<T>(ids: string[], body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } finally {
    if (ids.length) await mb(["rm", "-f", ...ids]);
  }
}

describe.skipIf(!v1)("resource limits on cgroup v1 (compiled binary)", () => {
  test("a memory hog under -m 32m --memory-swap 32m exits 137 and inspect says OOMKilled; a normal one does not", async () => {
    // dd into the /dev/shm tmpfs: the pages are charged to the container and cannot be swapped (no swap
    // allowed), so the kernel's OOM killer must act. Measured: ~0.6 s.
    const hog = await run(["--name", "hog", "-m", "32m", "--memory-swap", "32m", "busybox", "dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1M", "count=60"]);
    const normal = await run(["--name", "normal", "-m", "32m", "busybox", "true"]);
    await removing(["hog", "normal"], async () => {
      expect(hog.code).toBe(137);
      expect((await inspect("hog")).State.OOMKilled).toBe(true);
      expect((await inspect("hog")).HostConfig.Memory).toBe(32 * 2 ** 20);
      expect(normal.code).toBe(0);
      expect((await inspect("normal")).State.OOMKilled).toBe(false);
    });
  }, T);

  test("a fork bomb under --pids-limit 50 stays at ≤ 50 pids, the host stays responsive, rm -f ends every process and the cgroup", async () => {
    // `sleep &` in the main shell would end the shell at the first failed fork; in a subshell only the
    // subshell fails, so the bomb keeps trying for as long as it lives.
    const id = await detached(["--pids-limit", "50", "busybox", "sh", "-c", "while true; do (sleep 1000 &) 2>/dev/null; done"]);
    await removing([id], async () => {
      const events = cgFile("pids", id, "pids.events");
      await until("the pids limit to refuse forks", () => Number(readKV(events).get("max")) > 0);
      expect(Number(readFileSync(cgFile("pids", id, "pids.current"), "utf8"))).toBeLessThanOrEqual(50);
      // The host: a fork+exec still answers quickly, and minibox itself still works.
      const t0 = performance.now();
      expect(Bun.spawnSync(["true"]).exitCode).toBe(0);
      expect(performance.now() - t0).toBeLessThan(2_000);
      const stats = (await ok(["stats", "--no-stream", "--format", "json", id])).trim().split("\n").map((l) => JSON.parse(l));
      expect(stats).toHaveLength(1);
      expect(Number(stats[0].PIDs)).toBeGreaterThan(1);
      expect(Number(stats[0].PIDs)).toBeLessThanOrEqual(50);
      expect(processesInCgroupOf(id).length).toBeGreaterThan(1);

      const rm = await mb(["rm", "-f", id]);
      expect(rm.code).toBe(0);
      expect(processesInCgroupOf(id)).toEqual([]);
      for (const c of ["pids", "memory", "cpu", "freezer"]) expect(existsSync(join(CG, c, PARENT, id))).toBe(false);
    });
  }, T);

  test("--cpus 0.5 with a busy loop is throttled (cpu.stat nr_throttled > 0), and stats shows its CPU %", async () => {
    const id = await detached(["--cpus", "0.5", "busybox", "sh", "-c", "while :; do :; done"]);
    await removing([id], async () => {
      expect(readFileSync(cgFile("cpu", id, "cpu.cfs_quota_us"), "utf8").trim()).toBe("50000");
      expect(readFileSync(cgFile("cpu", id, "cpu.cfs_period_us"), "utf8").trim()).toBe("100000");
      await until("nr_throttled > 0", () => Number(readKV(cgFile("cpu", id, "cpu.stat")).get("nr_throttled")) > 0);
      const [row] = (await ok(["stats", "--no-stream", "--format", "json", id])).trim().split("\n").map((l) => JSON.parse(l));
      const cpu = Number(String(row.CPUPerc).replace("%", ""));
      // Half a CPU at most, give or take the sampling; more than nothing, though the host may be busy.
      expect(cpu).toBeGreaterThan(0);
      expect(cpu).toBeLessThan(75);
      expect(row.MemUsage).toMatch(/^[\d.]+(B|KiB|MiB) \/ [\d.]+(MiB|GiB)$/);
    });
  }, T);

  test("stats streams a frame per second until SIGINT, then exits 0", async () => {
    const id = await detached(["busybox", "sleep", "1000"]);
    await removing([id], async () => {
      const proc = Bun.spawn([BINARY, "stats", "--format", "json", id], { env: sb.env, stdout: "pipe", stderr: "pipe" });
      try {
        const reader = proc.stdout.getReader();
        let text = "";
        const deadline = Date.now() + 10_000;
        while (text.split("\n").length < 3 && Date.now() < deadline) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        reader.releaseLock();
        const frames = text.trim().split("\n").map((l) => JSON.parse(l));
        expect(frames.length).toBeGreaterThanOrEqual(2);
        for (const f of frames) expect(f).toMatchObject({ ID: id.slice(0, 12), PIDs: "1" });
        proc.kill("SIGINT");
        expect(await proc.exited).toBe(0);
      } finally {
        proc.kill("SIGKILL");
      }
    });
  }, T);

  test("--cpuset-cpus 0 pins the container: Cpus_allowed_list is 0", async () => {
    const r = await run(["--rm", "--cpuset-cpus", "0", "busybox", "grep", "Cpus_allowed_list", "/proc/self/status"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^Cpus_allowed_list:\s+0$/);
  }, T);

  test("update --memory on a running container changes memory.limit_in_bytes and what inspect shows", async () => {
    const id = await detached(["-m", "32m", "busybox", "sleep", "1000"]);
    await removing([id], async () => {
      const limit = () => Number(readFileSync(cgFile("memory", id, "memory.limit_in_bytes"), "utf8"));
      expect(limit()).toBe(32 * 2 ** 20);
      // 100m is above the memory+swap limit that -m 32m implied (64m): Docker refuses that without --memory-swap.
      const refused = await mb(["update", "--memory", "100m", id]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("Memory limit should be smaller than already set memoryswap limit");
      expect(limit()).toBe(32 * 2 ** 20);
      await ok(["update", "--memory", "48m", "--pids-limit", "20", id]);
      expect(limit()).toBe(48 * 2 ** 20);
      expect(readFileSync(cgFile("pids", id, "pids.max"), "utf8").trim()).toBe("20");
      await ok(["update", "--memory", "100m", "--memory-swap", "200m", "--restart", "on-failure:3", id]);
      expect(limit()).toBe(100 * 2 ** 20);
      const hc = (await inspect(id)).HostConfig;
      expect(hc.Memory).toBe(100 * 2 ** 20);
      expect(hc.MemorySwap).toBe(200 * 2 ** 20);
      expect(hc.PidsLimit).toBe(20);
      expect(hc.RestartPolicy).toEqual({ Name: "on-failure", MaximumRetryCount: 3 });
      const [row] = (await ok(["stats", "--no-stream", "--format", "json", id])).trim().split("\n").map((l) => JSON.parse(l));
      expect(row.MemUsage).toMatch(/ \/ 100MiB$/);
    });
  }, T);

  test("update of a stopped container only records the limits; its next start applies them", async () => {
    const id = (await ok(["create", "--cgroup-parent", PARENT, "-m", "32m", "busybox", "sleep", "1000"])).trim();
    await removing([id], async () => {
      await ok(["update", "--memory", "40m", id]);
      expect(existsSync(join(CG, "memory", PARENT, id))).toBe(false);
      expect((await inspect(id)).HostConfig.Memory).toBe(40 * 2 ** 20);
      const stats = (await ok(["stats", "--no-stream", "-a", "--format", "json", id])).trim();
      expect(JSON.parse(stats).PIDs).toBe("0");
      await ok(["start", id]);
      expect(Number(readFileSync(cgFile("memory", id, "memory.limit_in_bytes"), "utf8"))).toBe(40 * 2 ** 20);
    });
  }, T);

  // KNOWN BUG (src/container/finish.ts, not this file's): the parent saves its in-memory record at the
  // exit, so limits (and a restart policy) updated while the container ran revert to the launch values.
  test("update while running survives the container's exit", async () => {
    const id = await detached(["-m", "32m", "busybox", "sleep", "1"]);
    await removing([id], async () => {
      await ok(["update", "--memory", "48m", id]);
      expect((await ok(["wait", id])).trim()).toBe("0");
      expect((await inspect(id)).HostConfig.Memory).toBe(48 * 2 ** 20);
    });
  }, T);

  test("inside: /proc/self/cgroup shows / (private cgroupns) and /sys/fs/cgroup is read-only", async () => {
    const r = await run(["--rm", "busybox", "sh", "-c", "cat /proc/self/cgroup; touch /sys/fs/cgroup/x && echo WROTE; touch /sys/fs/cgroup/memory/x && echo WROTE; true"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line).toMatch(/^\d+:[^:]*:\/$/);
    expect(r.stdout).not.toContain("WROTE");
    expect(r.stderr).toContain("Read-only file system");
  }, T);

  test("--ulimit nofile=100:200 sets the soft and hard limits", async () => {
    const r = await run(["--rm", "--ulimit", "nofile=100:200", "busybox", "sh", "-c", "ulimit -n; ulimit -Hn"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual(["100", "200"]);
  }, T);

  test("bad values exit 125 with one line and leave no container", async () => {
    for (const bad of [["-m", "1k"], ["--cpus", "abc"], ["--ulimit", "nofile=10:5"], ["--pids-limit", "x"]]) {
      const r = await run(["--rm", ...bad, "busybox", "true"]);
      expect(r.code).toBe(125);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    const u = await mb(["update", "--cpus", "abc", "nosuch"]);
    expect(u.code).toBe(125);
    expect(u.stderr.trim().split("\n")).toHaveLength(1);
    expect((await ok(["ps", "-aq"])).trim()).toBe("");
  }, T);
});
