// The manager against directory trees that mirror cgroupfs (v2, v1, hybrid): what it detects, which
// files it writes with which exact contents, and how it parses what the kernel reports.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openCgroupManager, CgroupError, type ManagerOptions } from "../../src/cgroups/index.ts";
import { detectLayout } from "../../src/cgroups/detect.ts";

const V2_MOUNTINFO = "25 1 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
const HYBRID_MOUNTINFO = [
  "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
  "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
  "32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
  "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset",
  "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices",
  "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer",
  "37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio",
  "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
  "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
  "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
].join("\n");

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "minibox-cgfs-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function files(dir: string, content: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, value] of Object.entries(content)) writeFileSync(join(dir, name), value);
}
const read = (...p: string[]) => readFileSync(join(root, ...p), "utf8");

describe("detection", () => {
  test("pure v2: controllers from cgroup.controllers", () => {
    files(`${root}/sys/fs/cgroup`, { "cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma misc\n" });
    const l = detectLayout({ mountinfo: V2_MOUNTINFO, fsRoot: root });
    expect(l).toEqual({ version: 2, mount: { root: "/", mountpoint: `${root}/sys/fs/cgroup` }, controllers: ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"] });
  });
  test("hybrid: v1 controllers win, the empty unified mount and name=systemd are ignored", () => {
    const l = detectLayout({ mountinfo: HYBRID_MOUNTINFO, fsRoot: root });
    expect(l.version).toBe(1);
    if (l.version !== 1) return;
    expect([...l.hierarchies.keys()].sort()).toEqual(["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids"]);
    expect(l.hierarchies.get("memory")).toEqual({ root: "/", mountpoint: `${root}/sys/fs/cgroup/memory` });
  });
  test("the real machine's mountinfo parses", () => {
    expect([1, 2]).toContain(detectLayout().version);
  });
  test("co-mounted cpu,cpuacct share one directory; mount roots and escapes are kept", () => {
    const mi = "31 30 0:28 /docker/x /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n" +
      "34 30 0:31 /docker/x /sys/fs/cgroup/mem\\040ory rw - cgroup cgroup rw,memory\n";
    const m = openCgroupManager({ mountinfo: mi, fsRoot: root });
    expect(m.version).toBe(1);
    expect(m.relativePath("abc")).toBe("/docker/x/minibox/abc");
    const l = detectLayout({ mountinfo: mi, fsRoot: root });
    if (l.version !== 1) throw new Error("v1 expected");
    expect(l.hierarchies.get("cpu")!.mountpoint).toBe(l.hierarchies.get("cpuacct")!.mountpoint);
    expect(l.hierarchies.get("memory")!.mountpoint).toBe(`${root}/sys/fs/cgroup/mem ory`);
  });
  test("no cgroup mount at all is a CgroupError", () => {
    expect(() => detectLayout({ mountinfo: "22 1 0:21 / /proc rw - proc proc rw\n" })).toThrow(CgroupError);
  });
});

describe("cgroup v2", () => {
  const P = "minibox-test";
  const base = () => `${root}/sys/fs/cgroup`;
  const leaf = () => `${base()}/${P}/c1`;
  let killed: [number, number][];
  function mirror(extra: Record<string, string> = {}, omit: string[] = []): ManagerOptions {
    files(base(), { "cgroup.controllers": "cpuset cpu io memory pids\n", "cgroup.subtree_control": "cpu memory\n" });
    files(`${base()}/${P}`, { "cgroup.controllers": "cpuset cpu io memory pids\n", "cgroup.subtree_control": "\n" });
    const all: Record<string, string> = {
      "cgroup.controllers": "cpuset cpu io memory pids\n", "cgroup.subtree_control": "\n", "cgroup.procs": "",
      "memory.max": "max\n", "memory.swap.max": "max\n", "memory.low": "0\n", "cpu.max": "max 100000\n", "cpu.weight": "100\n",
      "cpuset.cpus": "\n", "cpuset.mems": "\n", "pids.max": "max\n", "io.weight": "default 100\n",
      "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n", "cgroup.freeze": "0\n", "cgroup.kill": "",
      "cpu.stat": "usage_usec 0\n", "memory.current": "0\n", "pids.current": "0\n", "io.stat": "", ...extra,
    };
    for (const f of omit) delete all[f];
    files(leaf(), all);
    killed = [];
    return { mountinfo: V2_MOUNTINFO, fsRoot: root, hostMemory: 8 * 2 ** 30, freezeTimeoutMs: 50, killTimeoutMs: 300, kill: (pid, sig) => void killed.push([pid, sig]) };
  }

  test("create enables the missing controllers on the root and the parent, in one write each", () => {
    const m = openCgroupManager(mirror());
    expect(m.version).toBe(2);
    const cg = m.create("c1", P);
    expect(cg.paths).toEqual([leaf()]);
    expect(read("sys/fs/cgroup/cgroup.subtree_control")).toBe("+cpuset +io +pids");
    expect(read(`sys/fs/cgroup/${P}/cgroup.subtree_control`)).toBe("+cpuset +cpu +io +memory +pids");
    expect(m.relativePath("c1", P)).toBe(`/${P}/c1`);
    expect(m.relativePath("c1")).toBe("/minibox/c1");
  });

  test("apply writes the exact v2 values", () => {
    const cg = openCgroupManager(mirror()).create("c1", P);
    const report = cg.apply({ memory: 64 * 2 ** 20, memorySwap: 128 * 2 ** 20, memoryReservation: 32 * 2 ** 20, cpus: 0.5, cpuShares: 512, cpusetCpus: "0-1", cpusetMems: "0", pidsLimit: 50, blkioWeight: 500 });
    expect(report).toEqual({ ignored: [], warnings: [] });
    const at = (f: string) => readFileSync(join(leaf(), f), "utf8");
    expect(at("memory.max")).toBe("67108864");
    expect(at("memory.swap.max")).toBe("67108864"); // swap alone = memory+swap − memory
    expect(at("memory.low")).toBe("33554432");
    expect(at("cpu.max")).toBe("50000 100000");
    expect(at("cpu.weight")).toBe(String(1 + Math.floor((510 * 9999) / 262142)));
    expect(at("cpuset.cpus")).toBe("0-1");
    expect(at("cpuset.mems")).toBe("0");
    expect(at("pids.max")).toBe("50");
    expect(at("io.weight")).toBe("default 4950");
  });

  test("unlimited values and partial cpu.max updates", () => {
    const cg = openCgroupManager(mirror({ "cpu.max": "max 50000\n", "memory.max": "1048576000\n" })).create("c1", P);
    cg.apply({ memorySwap: -1, pidsLimit: -1, cpuQuota: 20000 });
    const at = (f: string) => readFileSync(join(leaf(), f), "utf8");
    expect(at("memory.swap.max")).toBe("max");
    expect(at("pids.max")).toBe("max");
    expect(at("cpu.max")).toBe("20000 50000"); // period kept from the file
    cg.apply({ memorySwap: 2 * 1048576000 }); // swap alone: memory taken from memory.max
    expect(at("memory.swap.max")).toBe("1048576000");
    cg.apply({ pidsLimit: 0, memory: -1, cpuQuota: -1 });
    expect(at("pids.max")).toBe("max");
    expect(at("memory.max")).toBe("max");
    expect(at("cpu.max")).toBe("max 50000");
    expect(() => cg.apply({ memorySwap: 2 ** 30 })).toThrow(CgroupError); // swap without any memory limit
  });

  test("missing files are reported, not fatal: no swap accounting, oom-kill-disable on v2", () => {
    const cg = openCgroupManager(mirror({}, ["memory.swap.max"])).create("c1", P);
    const r = cg.apply({ memory: 64 * 2 ** 20, memorySwap: 128 * 2 ** 20, oomKillDisable: true });
    expect(r.ignored).toEqual(["memorySwap", "oomKillDisable"]);
    expect(r.warnings[0]).toContain("does not support swap limit");
    expect(readFileSync(join(leaf(), "memory.max"), "utf8")).toBe("67108864");
  });

  test("io.bfq.weight takes Docker's weight as is", () => {
    const cg = openCgroupManager(mirror({ "io.bfq.weight": "default 100\n" })).create("c1", P);
    cg.apply({ blkioWeight: 300 });
    expect(readFileSync(join(leaf(), "io.bfq.weight"), "utf8")).toBe("300");
  });

  test("stats, oomKilled and pids are parsed from the kernel's files", () => {
    const cg = openCgroupManager(mirror({
      "cpu.stat": "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 3\nthrottled_usec 250\n",
      "memory.current": "1234567\n", "memory.stat": "anon 100\nfile 200\ninactive_file 4096\nactive_file 8\n", "pids.current": "3\n",
      "io.stat": "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n253:1 rbytes=10 wbytes=20 rios=1 wios=1 dbytes=0 dios=0\n",
      "memory.events": "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n", "cgroup.procs": "12\n34\n",
    })).create("c1", P);
    expect(cg.stats()).toEqual({
      cpuUsageNs: 1_500_000, memoryUsage: 1234567, memoryLimit: 8 * 2 ** 30, memoryInactiveFile: 4096, pids: 3,
      blkioRead: 4106, blkioWrite: 8212, throttledPeriods: 3, throttledTimeNs: 250_000,
    });
    expect(cg.oomKilled()).toBe(true);
    expect(cg.pids()).toEqual([12, 34]);
    writeFileSync(join(leaf(), "memory.max"), "67108864\n");
    expect(cg.stats().memoryLimit).toBe(67108864);
  });

  test("oomKilled is false while oom_kill is 0, even after OOM events without a kill", () => {
    const cg = openCgroupManager(mirror({ "memory.events": "low 0\nhigh 0\nmax 9\noom 2\noom_kill 0\n" })).create("c1", P);
    expect(cg.oomKilled()).toBe(false);
  });

  test("freeze waits for cgroup.events 'frozen 1' and gives up at the deadline", () => {
    const cg = openCgroupManager(mirror({ "cgroup.events": "populated 1\nfrozen 1\n" })).create("c1", P);
    cg.freeze();
    expect(readFileSync(join(leaf(), "cgroup.freeze"), "utf8")).toBe("1");
    // The kernel never reports the thaw here: thaw() must fail with ETIMEDOUT, not hang.
    try {
      cg.thaw();
      throw new Error("thaw returned");
    } catch (e) {
      expect(e).toBeInstanceOf(CgroupError);
      expect((e as CgroupError).errno).toBe("ETIMEDOUT");
    }
  });

  test("killAll uses cgroup.kill when the kernel has it", async () => {
    const cg = openCgroupManager(mirror({ "cgroup.procs": "12\n34\n" })).create("c1", P);
    setTimeout(() => writeFileSync(join(leaf(), "cgroup.procs"), ""), 30); // the kernel empties the cgroup
    await cg.killAll();
    expect(readFileSync(join(leaf(), "cgroup.kill"), "utf8")).toBe("1");
    expect(killed).toEqual([]);
  });

  test("without cgroup.kill: freeze, SIGKILL every pid, thaw, until empty", async () => {
    const opts = mirror({ "cgroup.procs": "12\n34\n" }, ["cgroup.kill"]);
    const procs = join(leaf(), "cgroup.procs");
    opts.kill = (pid, sig) => {
      killed.push([pid, sig]);
      expect(readFileSync(join(leaf(), "cgroup.freeze"), "utf8")).toBe("1"); // signalled while frozen
      writeFileSync(procs, readFileSync(procs, "utf8").split("\n").filter((l) => l && Number(l) !== pid).join("\n"));
    };
    const cg = openCgroupManager(opts).create("c1", P);
    await cg.killAll();
    expect(killed).toEqual([[12, 9], [34, 9]]);
    expect(readFileSync(join(leaf(), "cgroup.freeze"), "utf8")).toBe("0");
  });

  test("killAll with another signal sends it once; a cgroup that never empties times out", async () => {
    const cg = openCgroupManager(mirror({ "cgroup.procs": "12\n" }, ["cgroup.kill"])).create("c1", P);
    await cg.killAll(15);
    expect(killed).toEqual([[12, 15]]);
    const err = await cg.killAll().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupError);
    expect((err as CgroupError).errno).toBe("ETIMEDOUT");
    expect(killed.length).toBeGreaterThan(2);
  });

  test("open finds an existing cgroup; names that could leave the hierarchy are refused", () => {
    const m = openCgroupManager(mirror());
    expect(m.open("c1", P)?.paths).toEqual([leaf()]);
    expect(m.open("nope", P)).toBeUndefined();
    expect(() => m.create("c1", "../etc")).toThrow(CgroupError);
    expect(() => m.create("..", P)).toThrow(CgroupError);
    expect(() => m.relativePath("a/b")).toThrow(CgroupError);
  });

  test("a write to a missing cgroup fails with controller, file and errno", () => {
    const cg = openCgroupManager(mirror()).create("c1", P);
    rmSync(leaf(), { recursive: true });
    try {
      cg.apply({ pidsLimit: 5 }); // absent file → reported as ignored, not written
      cg.addProcess(1);
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(CgroupError);
      const c = e as CgroupError;
      expect([c.controller, c.file, c.errno]).toEqual(["cgroup", `${leaf()}/cgroup.procs`, "ENOENT"]);
      expect(c.message).toBe(`cgroup cgroup: ${leaf()}/cgroup.procs: ENOENT (writing "1")`);
    }
  });
});

describe("cgroup v1", () => {
  const P = "minibox-test";
  const UNLIMITED = "9223372036854771712\n";
  const dir = (c: string) => `${root}/sys/fs/cgroup/${c}/${P}/c1`;
  const at = (c: string, f: string) => readFileSync(join(dir(c), f), "utf8");
  function mirror(extra: Record<string, Record<string, string>> = {}, omit: string[] = []): ManagerOptions {
    const perController: Record<string, Record<string, string>> = {
      cpu: { "cpu.shares": "1024\n", "cpu.cfs_period_us": "100000\n", "cpu.cfs_quota_us": "-1\n", "cpu.stat": "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n" },
      cpuacct: { "cpuacct.usage": "0\n" },
      cpuset: { "cpuset.cpus": "\n", "cpuset.mems": "\n" },
      memory: { "memory.limit_in_bytes": UNLIMITED, "memory.memsw.limit_in_bytes": UNLIMITED, "memory.soft_limit_in_bytes": UNLIMITED, "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", "memory.usage_in_bytes": "0\n", "memory.stat": "" },
      devices: { "devices.allow": "", "devices.deny": "" },
      freezer: { "freezer.state": "THAWED\n" },
      blkio: { "blkio.throttle.io_service_bytes_recursive": "Total 0\n" },
      pids: { "pids.max": "max\n", "pids.current": "0\n" },
    };
    for (const [c, fs] of Object.entries(perController)) {
      for (const f of omit) delete fs[f];
      Object.assign(fs, extra[c] ?? {});
      files(`${root}/sys/fs/cgroup/${c}`, c === "cpuset" ? { "cpuset.cpus": "0-3\n", "cpuset.mems": "0\n" } : {});
      files(`${root}/sys/fs/cgroup/${c}/${P}`, c === "cpuset" ? { "cpuset.cpus": "\n", "cpuset.mems": "\n" } : {});
      files(dir(c), { "cgroup.procs": "", ...fs });
    }
    return { mountinfo: HYBRID_MOUNTINFO, fsRoot: root, hostMemory: 4 * 2 ** 30, freezeTimeoutMs: 50, killTimeoutMs: 300, kill: () => {} };
  }

  test("create initialises cpuset.cpus/mems of each new level from its parent", () => {
    const m = openCgroupManager(mirror());
    expect(m.version).toBe(1);
    const cg = m.create("c1", P);
    expect(cg.paths).toHaveLength(8);
    expect(read(`sys/fs/cgroup/cpuset/${P}/cpuset.cpus`)).toBe("0-3");
    expect(read(`sys/fs/cgroup/cpuset/${P}/cpuset.mems`)).toBe("0");
    expect(at("cpuset", "cpuset.cpus")).toBe("0-3");
    expect(at("cpuset", "cpuset.mems")).toBe("0");
    expect(existsSync(`${root}/sys/fs/cgroup/systemd`)).toBe(false);
    expect(existsSync(`${root}/sys/fs/cgroup/unified`)).toBe(false);
  });

  test("apply writes the exact v1 values", () => {
    const cg = openCgroupManager(mirror({ blkio: { "blkio.bfq.weight": "100\n" } })).create("c1", P);
    const r = cg.apply({ memory: 64 * 2 ** 20, memorySwap: 128 * 2 ** 20, memoryReservation: 32 * 2 ** 20, oomKillDisable: true, cpus: 0.5, cpuShares: 512, cpusetCpus: "1", cpusetMems: "0", pidsLimit: 50, blkioWeight: 500 });
    expect(r).toEqual({ ignored: [], warnings: [] });
    expect(at("memory", "memory.limit_in_bytes")).toBe("67108864");
    expect(at("memory", "memory.memsw.limit_in_bytes")).toBe("134217728");
    expect(at("memory", "memory.soft_limit_in_bytes")).toBe("33554432");
    expect(at("memory", "memory.oom_control")).toBe("1");
    expect(at("cpu", "cpu.cfs_quota_us")).toBe("50000");
    expect(at("cpu", "cpu.cfs_period_us")).toBe("100000");
    expect(at("cpu", "cpu.shares")).toBe("512");
    expect(at("cpuset", "cpuset.cpus")).toBe("1");
    expect(at("pids", "pids.max")).toBe("50");
    expect(at("blkio", "blkio.bfq.weight")).toBe("500");
    cg.apply({ memorySwap: -1, pidsLimit: -1, cpuQuota: -1 });
    expect(at("memory", "memory.memsw.limit_in_bytes")).toBe("-1");
    expect(at("pids", "pids.max")).toBe("max");
    expect(at("cpu", "cpu.cfs_quota_us")).toBe("-1");
  });

  test("no memsw files (swap accounting off): --memory-swap is ignored with Docker's warning; no blkio weight file either", () => {
    const cg = openCgroupManager(mirror({}, ["memory.memsw.limit_in_bytes"])).create("c1", P);
    const r = cg.apply({ memory: 64 * 2 ** 20, memorySwap: 128 * 2 ** 20, blkioWeight: 300 });
    expect(r.ignored).toEqual(["memorySwap", "blkioWeight"]);
    expect(r.warnings).toEqual([
      "Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.",
      "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.",
    ]);
    expect(at("memory", "memory.limit_in_bytes")).toBe("67108864");
  });

  test("devices: deny all, then allow the defaults", () => {
    const cg = openCgroupManager(mirror()).create("c1", P);
    expect(cg.applyDefaultDevices()).toEqual({ enforced: true });
    expect(at("devices", "devices.deny")).toBe("a");
    expect(at("devices", "devices.allow")).toBe("c 136:* rwm"); // the last of the writes; the real test reads devices.list
  });

  test("stats from v1 files; the page-rounded 2^63 limit means unlimited", () => {
    const cg = openCgroupManager(mirror({
      cpuacct: { "cpuacct.usage": "987654321\n" },
      cpu: { "cpu.stat": "nr_periods 5\nnr_throttled 2\nthrottled_time 12345\n" },
      memory: { "memory.usage_in_bytes": "2000000\n", "memory.stat": "cache 10\ntotal_inactive_file 512\n", "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n" },
      pids: { "pids.current": "4\n" },
      blkio: { "blkio.throttle.io_service_bytes_recursive": "8:0 Read 4096\n8:0 Write 100\n8:0 Sync 0\n8:0 Total 4196\n8:16 Read 4\n8:16 Write 6\nTotal 4206\n" },
    })).create("c1", P);
    expect(cg.stats()).toEqual({
      cpuUsageNs: 987654321, memoryUsage: 2000000, memoryLimit: 4 * 2 ** 30, memoryInactiveFile: 512, pids: 4,
      blkioRead: 4100, blkioWrite: 106, throttledPeriods: 2, throttledTimeNs: 12345,
    });
    expect(cg.oomKilled()).toBe(true);
  });

  test("pids() is the union over hierarchies, so a half-moved process is still found", () => {
    const cg = openCgroupManager(mirror()).create("c1", P);
    writeFileSync(join(dir("memory"), "cgroup.procs"), "10\n20\n");
    writeFileSync(join(dir("pids"), "cgroup.procs"), "20\n30\n");
    expect(cg.pids()).toEqual([10, 20, 30]);
  });

  test("addProcess writes the pid to cgroup.procs of every hierarchy", () => {
    const cg = openCgroupManager(mirror()).create("c1", P);
    cg.addProcess(4242);
    for (const c of ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"]) expect(at(c, "cgroup.procs")).toBe("4242");
  });

  test("freeze polls freezer.state until FROZEN and thaws again at the deadline", () => {
    const cg = openCgroupManager(mirror()).create("c1", P);
    cg.freeze(); // the fake file reads back what was written
    expect(at("freezer", "freezer.state")).toBe("FROZEN");
    cg.thaw();
    expect(at("freezer", "freezer.state")).toBe("THAWED");
  });

  test("open() of a half-created cgroup finds the hierarchies where it exists", () => {
    const m = openCgroupManager(mirror());
    rmSync(dir("memory"), { recursive: true });
    const cg = m.open("c1", P);
    expect(cg?.paths).toHaveLength(7);
    expect(cg?.paths).not.toContain(dir("memory"));
  });
});
