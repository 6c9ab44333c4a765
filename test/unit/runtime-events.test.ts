// runtime area: the event sources of `minibox runtime events` on a fake cgroup directory: runc-shaped
// stats from v1 and v2 files, and the v2 OOM watch counting oom_kill increments (this host is cgroup v1;
// the v1 eventfd path is covered by test/e2e/runtime-events.test.ts).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runcStats } from "../../src/cgroups/runc-stats.ts";
import { watchOom } from "../../src/cgroups/oom-events.ts";
import type { Cgroup } from "../../src/cgroups/types.ts";

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function fakeCgroup(files: Record<string, string>): Cgroup {
  const dir = mkdtempSync(join(tmpdir(), "minibox-fake-cgroup-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { paths: [dir] } as unknown as Cgroup;
}

describe("runc-shaped stats", () => {
  test("cgroup v2 files", () => {
    const cg = fakeCgroup({
      "cpu.stat": "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 20\n",
      "memory.current": "4096\n", "memory.max": "max\n", "memory.peak": "8192\n",
      "memory.stat": "anon 1024\nfile 2048\n", "memory.events": "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n",
      "pids.current": "2\n", "pids.max": "50\n", "io.stat": "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n",
    });
    const s = runcStats(cg);
    expect(s.cpu).toEqual({ usage: { total: 1_500_000, kernel: 500_000, user: 1_000_000 }, throttling: { periods: 4, throttledPeriods: 1, throttledTime: 20_000 } });
    expect(s.memory.usage).toEqual({ usage: 4096, max: 8192, failcnt: 3, limit: 0 });
    expect(s.memory.cache).toBe(2048);
    expect(s.memory.raw).toEqual({ anon: 1024, file: 2048 });
    expect(s.pids).toEqual({ current: 2, limit: 50 });
    expect(s.blkio.ioServiceBytesRecursive).toEqual([{ major: 8, minor: 0, op: "Read", value: 100 }, { major: 8, minor: 0, op: "Write", value: 200 }]);
  });

  test("cgroup v1 files", () => {
    const cg = fakeCgroup({
      "cpuacct.usage": "3000\n", "cpuacct.usage_percpu": "1000 2000 \n", "cpuacct.stat": "user 3\nsystem 1\n",
      "cpu.stat": "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n",
      "memory.usage_in_bytes": "4096\n", "memory.max_usage_in_bytes": "9000\n", "memory.failcnt": "2\n", "memory.limit_in_bytes": "33554432\n",
      "memory.stat": "cache 100\ntotal_cache 300\n", "pids.current": "1\n", "pids.max": "max\n",
      "blkio.throttle.io_service_bytes_recursive": "8:0 Read 10\n8:0 Write 20\nTotal 30\n",
    });
    const s = runcStats(cg);
    expect(s.cpu.usage).toEqual({ total: 3000, percpu: [1000, 2000], kernel: 10_000_000, user: 30_000_000 });
    expect(s.memory.usage).toEqual({ usage: 4096, max: 9000, failcnt: 2, limit: 33554432 });
    expect(s.memory.cache).toBe(300);
    expect(s.pids).toEqual({ current: 1, limit: 0 });
    expect(s.blkio.ioServiceBytesRecursive).toEqual([{ major: 8, minor: 0, op: "Read", value: 10 }, { major: 8, minor: 0, op: "Write", value: 20 }]);
  });
});

describe("v2 OOM watch", () => {
  test("counts oom_kill increments since the last look, not the events before it started", () => {
    const cg = fakeCgroup({ "memory.events": "low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\n" });
    const watch = watchOom(cg)!;
    try {
      expect(watch.take()).toBe(0);
      writeFileSync(join(cg.paths[0]!, "memory.events"), "low 0\nhigh 0\nmax 9\noom 3\noom_kill 3\n");
      expect(watch.take()).toBe(1);
      expect(watch.take()).toBe(0);
      writeFileSync(join(cg.paths[0]!, "memory.events"), "low 0\nhigh 0\nmax 9\noom 5\noom_kill 5\n");
      expect(watch.take()).toBe(2);
    } finally {
      watch.close();
    }
  });
});
