// stats: the numbers derived from two samples and Docker's formatting of them; update's checks and merge.
import { describe, expect, test } from "bun:test";
import { cpuPercent, memoryUsage, parseNetDev, statsRow, type Sample } from "../../src/container/stats.ts";
import { binarySize, jsonLine, percent, tableLines } from "../../src/cli/stats-format.ts";
import { checkUpdate, mergeLimits } from "../../src/container/update.ts";
import type { Stats } from "../../src/cgroups/index.ts";
import type { ContainerRecord } from "../../src/container/store.ts";

const stats = (over: Partial<Stats> = {}): Stats => ({
  cpuUsageNs: 0, memoryUsage: 0, memoryLimit: 0, pids: 1, blkioRead: 0, blkioWrite: 0, ...over,
});
const sample = (atNs: number, cpuUsageNs: number, over: Partial<Stats> = {}): Sample => ({ atNs, stats: stats({ cpuUsageNs, ...over }), net: { rx: 0, tx: 0 } });

const record = { id: "0123456789abcdef0123456789abcdef", name: "web" } as ContainerRecord;

describe("CPU % from two samples", () => {
  test("usage over wall time × 100", () => {
    expect(cpuPercent(sample(0, 0), sample(1e9, 5e8))).toBeCloseTo(50);
    expect(cpuPercent(sample(1e9, 1e9), sample(1.5e9, 1.25e9))).toBeCloseTo(50);
  });
  test("several busy CPUs go past 100", () => {
    expect(cpuPercent(sample(0, 0), sample(1e9, 2e9))).toBeCloseTo(200);
  });
  test("0 without a previous sample, without elapsed time, or when the counter went back (restart)", () => {
    expect(cpuPercent(undefined, sample(1e9, 5e8))).toBe(0);
    expect(cpuPercent(sample(1e9, 0), sample(1e9, 5e8))).toBe(0);
    expect(cpuPercent(sample(0, 9e9), sample(1e9, 1e8))).toBe(0);
  });
});

describe("memory", () => {
  test("inactive file cache is not counted, as docker stats does", () => {
    expect(memoryUsage(stats({ memoryUsage: 10_000_000, memoryInactiveFile: 4_000_000 }))).toBe(6_000_000);
    expect(memoryUsage(stats({ memoryUsage: 10_000_000 }))).toBe(10_000_000);
    // A cache figure above usage (the two files are not read atomically) leaves usage alone.
    expect(memoryUsage(stats({ memoryUsage: 1000, memoryInactiveFile: 5000 }))).toBe(1000);
  });
  test("MEM % is usage over limit; a stopped container is all zeros", () => {
    const row = statsRow(record, undefined, sample(1, 0, { memoryUsage: 32 * 2 ** 20, memoryLimit: 128 * 2 ** 20 }));
    expect(row.memPercent).toBeCloseTo(25);
    expect(statsRow(record, undefined, undefined)).toMatchObject({ cpuPercent: 0, memUsage: 0, memLimit: 0, memPercent: 0, pids: 0 });
  });
});

describe("human sizes", () => {
  test("binary units with 4 significant digits (Go's units.BytesSize)", () => {
    expect(binarySize(0)).toBe("0B");
    expect(binarySize(1023)).toBe("1023B");
    expect(binarySize(1024)).toBe("1KiB");
    expect(binarySize(1.5 * 2 ** 20)).toBe("1.5MiB");
    expect(binarySize(32 * 2 ** 20)).toBe("32MiB");
    expect(binarySize(24105 * 2 ** 20)).toBe("23.54GiB");
    expect(binarySize(380_928)).toBe("372KiB");
  });
  test("percentages with two decimals", () => {
    expect(percent(0)).toBe("0.00%");
    expect(percent(123.456)).toBe("123.46%");
  });
});

describe("rows", () => {
  const cur: Sample = {
    atNs: 1e9, net: { rx: 648, tx: 1234 },
    stats: stats({ cpuUsageNs: 2.5e8, memoryUsage: 2 ** 20, memoryLimit: 64 * 2 ** 20, pids: 7, blkioRead: 4_100_000, blkioWrite: 0 }),
  };
  const row = statsRow(record, sample(0, 0), cur);
  test("table: Docker's columns, short id", () => {
    const lines = tableLines([row]);
    expect(lines[0]).toMatch(/^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
    expect(lines[1]!.split(/\s{2,}/)).toEqual(["0123456789ab", "web", "25.00%", "1MiB / 64MiB", "1.56%", "648B / 1.23kB", "4.1MB / 0B", "7"]);
  });
  test("json: Docker's keys, every value a string", () => {
    expect(JSON.parse(jsonLine(row))).toEqual({
      BlockIO: "4.1MB / 0B", CPUPerc: "25.00%", Container: "0123456789ab", ID: "0123456789ab", MemPerc: "1.56%",
      MemUsage: "1MiB / 64MiB", Name: "web", NetIO: "648B / 1.23kB", PIDs: "7",
    });
  });
});

describe("/proc/PID/net/dev", () => {
  const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  123456     100    0    0    0     0          0         0   123456     100    0    0    0     0       0          0
  eth0:    1000      10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0
  eth1:      24       1    0    0    0     0          0         0       26       1    0    0    0     0       0          0
`;
  test("sums the container's links, never lo", () => {
    expect(parseNetDev(text)).toEqual({ rx: 1024, tx: 2026 });
    expect(parseNetDev(text.split("\n").slice(0, 3).join("\n"))).toEqual({ rx: 0, tx: 0 });
  });
});

describe("update", () => {
  const MiB = 2 ** 20;
  test("merges the given values over the recorded ones", () => {
    expect(mergeLimits({ memory: 32 * MiB, memorySwap: 64 * MiB, pidsLimit: 50 }, { memory: 48 * MiB, cpuShares: undefined })).toEqual({ memory: 48 * MiB, memorySwap: 64 * MiB, pidsLimit: 50 });
  });
  test("Docker's conflicts: memory above the recorded memory+swap, --cpus against period/quota, restart with --rm", () => {
    expect(() => checkUpdate({ memory: 32 * MiB, memorySwap: 64 * MiB }, { limits: { memory: 100 * MiB } }, false)).toThrow(/update the memoryswap at the same time/);
    expect(() => checkUpdate({ memory: 32 * MiB, memorySwap: 64 * MiB }, { limits: { memory: 100 * MiB, memorySwap: 200 * MiB } }, false)).not.toThrow();
    expect(() => checkUpdate({ memory: 32 * MiB, memorySwap: -1 }, { limits: { memory: 100 * MiB } }, false)).not.toThrow();
    expect(() => checkUpdate({ memory: 64 * MiB }, { limits: { memorySwap: 32 * MiB } }, false)).toThrow(/larger than memory limit/);
    expect(() => checkUpdate({ cpus: 1 }, { limits: { cpuQuota: 50_000 } }, false)).toThrow(/Conflicting options: CPU Quota/);
    expect(() => checkUpdate({ cpuPeriod: 50_000 }, { limits: { cpus: 1 } }, false)).toThrow(/Conflicting options: CPU Period/);
    expect(() => checkUpdate({}, { limits: {}, restartPolicy: { name: "always", maximumRetryCount: 0 } }, true)).toThrow(/AutoRemove/);
  });
});
