// The cgroup library on this machine's real kernel, as root, without any container runtime: processes
// started with Bun.spawn are moved into a cgroup and limited. Every cgroup is created under a parent of
// its own (minibox-test-<pid>) and removed, with that parent, whatever the outcome.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import type { Subprocess } from "bun";
import { openCgroupManager, CgroupError, type Cgroup, type CgroupManager } from "../../src/cgroups/index.ts";
import { detectLayout } from "../../src/cgroups/detect.ts";

const isRoot = process.getuid?.() === 0;
const layout = isRoot ? detectLayout() : undefined;
const PARENT = `minibox-test-${process.pid}`;
const UNIFIED = "/sys/fs/cgroup/unified";
const hasUnified = readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((l) => l.includes(` ${UNIFIED} `) && l.includes(" - cgroup2 "));

const created: Cgroup[] = [];
const spawned: Subprocess[] = [];
const managers = new Set<CgroupManager>();

function create(m: CgroupManager, id: string): Cgroup {
  managers.add(m);
  const cg = m.create(id, PARENT);
  created.push(cg);
  return cg;
}

/** A shell that waits for one line on stdin before running `script`, so it can be moved into a cgroup first. */
function gated(script: string): { proc: Subprocess<"pipe", "pipe", "pipe">; go: () => void } {
  const proc = Bun.spawn(["sh", "-c", `read _gate; ${script}`], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  spawned.push(proc);
  return { proc, go: () => { proc.stdin.write("\n"); proc.stdin.flush(); } };
}

async function until<T>(what: string, f: () => T | undefined | false, deadlineMs = 10_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

const status = (pid: number, key: string) => readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${key}:\\s*(.*)$`, "m"))?.[1];

afterEach(async () => {
  // Destroy kills what is left; then the spawned shells are reaped.
  for (const cg of created.splice(0)) await cg.destroy().catch((e) => console.error("destroy:", e));
  for (const p of spawned.splice(0)) {
    try { p.kill(9); } catch { /* gone */ }
    await p.exited;
  }
});

afterAll(() => {
  for (const m of managers) m.removeParent(PARENT);
  const left = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "unified"]
    .map((h) => `/sys/fs/cgroup/${h}/${PARENT}`).filter((d) => existsSync(d));
  expect(left).toEqual([]);
});

describe.skipIf(!isRoot || layout?.version !== 1)("cgroup v1 on this host", () => {
  const m = () => openCgroupManager();

  test("addProcess moves every thread of a multi-threaded process; relativePath is what /proc/PID/cgroup shows", async () => {
    const cg = create(m(), "threads");
    const proc = Bun.spawn([process.execPath, "-e", "await Bun.sleep(20000)"], { stdout: "ignore", stderr: "ignore" });
    spawned.push(proc);
    const pid = proc.pid;
    const tids = await until("bun's threads", () => { const t = readdirSync(`/proc/${pid}/task`); return t.length > 1 && t; });
    cg.addProcess(pid);
    const rel = m().relativePath("threads", PARENT);
    for (const tid of tids) {
      const lines = readFileSync(`/proc/${pid}/task/${tid}/cgroup`, "utf8");
      for (const c of ["memory", "pids", "cpu", "cpuset", "freezer", "devices", "blkio"]) expect(lines).toMatch(new RegExp(`^\\d+:${c}:${rel}$`, "m"));
    }
    expect(cg.pids()).toEqual([pid]);
  });

  test("a memory hog under 32m is OOM-killed and oomKilled() says so", async () => {
    const cg = create(m(), "oom");
    expect(cg.apply({ memory: 32 * 2 ** 20, memorySwap: 32 * 2 ** 20 }).ignored).toEqual([]);
    expect(cg.oomKilled()).toBe(false);
    const { proc, go } = gated(`x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived`);
    cg.addProcess(proc.pid);
    const t0 = performance.now();
    go();
    await proc.exited;
    console.log(`memory hog: SIGKILLed by the OOM killer ${(performance.now() - t0).toFixed(0)} ms after start; peak ${readFileSync(`${cg.paths.find((p) => p.includes("/memory/"))}/memory.max_usage_in_bytes`, "utf8").trim()} bytes`);
    expect(await new Response(proc.stdout).text()).not.toContain("survived");
    expect(proc.signalCode).toBe("SIGKILL");
    expect(cg.oomKilled()).toBe(true);
    expect(cg.stats().memoryLimit).toBe(32 * 2 ** 20);
  });

  test("a process that stays under its limit is not reported OOM-killed", async () => {
    const cg = create(m(), "no-oom");
    cg.apply({ memory: 32 * 2 ** 20 });
    const { proc, go } = gated("head -c 1000000 /dev/zero | tr '\\0' a >/dev/null; exit 3");
    cg.addProcess(proc.pid);
    go();
    expect(await proc.exited).toBe(3);
    expect(cg.oomKilled()).toBe(false);
  });

  test("a fork bomb under pidsLimit 50 stays at ≤ 50 tasks and killAll leaves none", async () => {
    const cg = create(m(), "forkbomb");
    cg.apply({ pidsLimit: 50 });
    // perl's fork returns undef when the limit is hit and every process keeps trying: the bomb persists
    // (a sh bomb dies out on its own, since a failed fork ends the shell).
    const { proc, go } = gated("exec perl -e 'while (1) { fork }'");
    cg.addProcess(proc.pid);
    go();
    await until("the bomb to hit the limit", () => cg.stats().pids >= 45);
    let max = 0;
    for (let i = 0; i < 20; i++) {
      max = Math.max(max, cg.stats().pids, cg.pids().length);
      await Bun.sleep(10);
    }
    expect(max).toBeLessThanOrEqual(50);
    expect(Number(readFileSync(`${cg.paths.find((p) => p.includes("/pids/"))}/pids.events`, "utf8").match(/max (\d+)/)?.[1])).toBeGreaterThan(0);
    expect(cg.pids().length).toBeGreaterThanOrEqual(45); // still raging
    const t0 = performance.now();
    await cg.killAll();
    const ms = performance.now() - t0;
    expect(cg.pids()).toEqual([]);
    await Bun.sleep(100);
    expect(cg.pids()).toEqual([]); // nothing came back
    console.log(`fork bomb: peak ${max} tasks, killAll emptied the cgroup in ${ms.toFixed(1)} ms`);
  });

  test("cpus 0.5 on a busy loop shows throttling in stats", async () => {
    const cg = create(m(), "cpu");
    cg.apply({ cpus: 0.5 });
    expect(readFileSync(`${cg.paths.find((p) => p.includes("/cpu/"))}/cpu.cfs_quota_us`, "utf8").trim()).toBe("50000");
    const { proc, go } = gated("while :; do :; done");
    cg.addProcess(proc.pid);
    const before = cg.stats().cpuUsageNs;
    go();
    // On a loaded machine the loop may not get half a CPU in a period for a while: wait generously.
    const s = await until("nr_throttled > 0", () => { const s = cg.stats(); return (s.throttledPeriods ?? 0) > 0 && s; }, 50_000);
    expect(s.throttledTimeNs).toBeGreaterThan(0);
    expect(s.cpuUsageNs).toBeGreaterThan(before);
  }, 60_000);

  test("cpusetCpus pins the process (Cpus_allowed_list), also when updated while it runs", async () => {
    const cg = create(m(), "cpuset");
    cg.apply({ cpusetCpus: "0" });
    const { proc } = gated("sleep 100");
    cg.addProcess(proc.pid);
    expect(status(proc.pid, "Cpus_allowed_list")).toBe("0");
    if (navigator.hardwareConcurrency > 1) {
      cg.apply({ cpusetCpus: "1" });
      expect(status(proc.pid, "Cpus_allowed_list")).toBe("1");
    }
  });

  test("freeze stops the process and thaw resumes it", async () => {
    const cg = create(m(), "freezer");
    const { proc, go } = gated("while :; do :; done");
    cg.addProcess(proc.pid);
    go();
    await until("running", () => status(proc.pid, "State")?.startsWith("R"));
    cg.freeze();
    const frozenUsage = cg.stats().cpuUsageNs;
    expect(status(proc.pid, "State")).toMatch(/^D/); // v1 freezer: tasks sit in the refrigerator
    await Bun.sleep(100);
    expect(cg.stats().cpuUsageNs - frozenUsage).toBeLessThan(5_000_000);
    cg.thaw();
    await until("running again", () => status(proc.pid, "State")?.startsWith("R"));
    await until("cpu time again", () => cg.stats().cpuUsageNs - frozenUsage > 20_000_000);
  });

  test("devices: deny all but the defaults; enforced for processes inside", async () => {
    const cg = create(m(), "devices");
    expect(cg.applyDefaultDevices()).toEqual({ enforced: true });
    const list = readFileSync(`${cg.paths.find((p) => p.includes("/devices/"))}/devices.list`, "utf8").trim().split("\n").sort();
    expect(list).toEqual(["c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm"].sort());
    const { proc, go } = gated(deviceProbe());
    cg.addProcess(proc.pid);
    go();
    await proc.exited;
    expect(await new Response(proc.stdout).text()).toBe("zero=0\nkmsg=1\nmknod-null=0\nmknod-loop=1\n");
  });

  test("memory and memory+swap are written in the order the kernel accepts, growing and shrinking", () => {
    const cg = create(m(), "memsw");
    const mem = cg.paths.find((p) => p.includes("/memory/"))!;
    const read = (f: string) => Number(readFileSync(`${mem}/${f}`, "utf8"));
    const MiB = 2 ** 20;
    for (const [memory, swap] of [[64, 128], [256, 512], [32, 64], [128, 128]] as const) {
      const r = cg.apply({ memory: memory * MiB, memorySwap: swap * MiB });
      if (r.ignored.includes("memorySwap")) return; // swap accounting off: nothing to order
      expect([read("memory.limit_in_bytes"), read("memory.memsw.limit_in_bytes")]).toEqual([memory * MiB, swap * MiB]);
    }
    // Memory above the current memsw limit, without a new swap value: the kernel's refusal comes back typed.
    try {
      cg.apply({ memory: 512 * MiB });
      throw new Error("accepted");
    } catch (e) {
      expect(e).toBeInstanceOf(CgroupError);
      expect([(e as CgroupError).controller, (e as CgroupError).errno]).toEqual(["memory", "EINVAL"]);
    }
  });

  test("destroy kills what is left and leaves no directory; open() then finds nothing", async () => {
    const mgr = m();
    const cg = mgr.create("gone", PARENT);
    managers.add(mgr);
    const { proc, go } = gated("sleep 100 & sleep 100 & wait");
    cg.addProcess(proc.pid);
    go();
    await until("three tasks", () => cg.pids().length === 3);
    await cg.destroy();
    for (const p of cg.paths) expect(existsSync(p)).toBe(false);
    expect(mgr.open("gone", PARENT)).toBeUndefined();
    expect(proc.signalCode ?? (await proc.exited, proc.signalCode)).toBe("SIGKILL");
  });
});

/** Prints what a process may do with devices: read /dev/zero, read /dev/kmsg (1:11), mknod c 1:3 and b 7:0. */
function deviceProbe(): string {
  return [
    "d=$(mktemp -d)",
    "head -c 1 /dev/zero >/dev/null 2>&1; echo zero=$?",
    "head -c 1 /dev/kmsg >/dev/null 2>&1; echo kmsg=$?",
    "mknod $d/null c 1 3 2>/dev/null; echo mknod-null=$?",
    "mknod $d/loop b 7 0 2>/dev/null; echo mknod-loop=$?",
    "rm -rf $d",
  ].join("; ");
}

// The hybrid host's empty cgroup2 mount has no controllers, but everything that is core to v2 works
// there: cgroup.procs, cgroup.freeze, cgroup.kill and device programs. The v2 backend is pointed at it.
describe.skipIf(!isRoot || !hasUnified)("cgroup v2 core features on the unified mount", () => {
  const m = () => openCgroupManager({ mountinfo: `40 30 0:37 / ${UNIFIED} rw,relatime - cgroup2 cgroup2 rw\n` });

  test("the eBPF device program is accepted by the verifier and enforces the allow-list", async () => {
    const mgr = m();
    expect(mgr.version).toBe(2);
    const cg = create(mgr, "devices");
    expect(cg.applyDefaultDevices()).toEqual({ enforced: true });
    const { proc, go } = gated(deviceProbe());
    cg.addProcess(proc.pid);
    go();
    await proc.exited;
    expect(await new Response(proc.stdout).text()).toBe("zero=0\nkmsg=1\nmknod-null=0\nmknod-loop=1\n");
  });

  test("freeze/thaw through cgroup.freeze", async () => {
    const cg = create(m(), "freeze");
    const { proc, go } = gated("while :; do :; done");
    cg.addProcess(proc.pid);
    go();
    cg.freeze();
    expect(readFileSync(`${cg.paths[0]}/cgroup.events`, "utf8")).toContain("frozen 1");
    expect(status(proc.pid, "State")).toMatch(/^S/); // v2 freezer: tasks stop in the signal-delivery path
    cg.thaw();
    await until("running again", () => status(proc.pid, "State")?.startsWith("R"));
  });

  test("killAll through cgroup.kill empties a cgroup of forking processes", async () => {
    const cg = create(m(), "kill");
    // A bounded spawner (no pids controller here): 30 children that fork grandchildren.
    const { proc, go } = gated("i=0; while [ $i -lt 30 ]; do (sleep 100 & sleep 100 & wait) & i=$((i+1)); done; wait");
    cg.addProcess(proc.pid);
    go();
    await until("the tasks", () => cg.pids().length >= 60);
    await cg.killAll();
    expect(cg.pids()).toEqual([]);
    await cg.destroy();
    expect(existsSync(cg.paths[0]!)).toBe(false);
  });
});
