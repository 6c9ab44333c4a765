import { describe, expect, test } from "bun:test";
import { UserError } from "../../src/errors.ts";
import { cpusToQuota, limitsFromFlags, parseBytes, parseCpus, parseCpuset, parseMemorySwap, parseUlimit, parseUlimits } from "../../src/cgroups/units.ts";
import { blkioToIoWeight, cpuQuotaPeriod, sharesToWeight } from "../../src/cgroups/convert.ts";

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error("did not throw");
}

describe("sizes (Docker's RAMInBytes: binary multiples)", () => {
  test.each([
    ["512m", 512 * 2 ** 20], ["1g", 2 ** 30], ["1.5g", 1.5 * 2 ** 30], ["100", 100], ["64k", 65536], ["2G", 2 * 2 ** 30],
    ["10mb", 10 * 2 ** 20], ["10MiB", 10 * 2 ** 20], ["1t", 2 ** 40], ["6 m", 6 * 2 ** 20],
  ])("%s = %d", (s, n) => expect(parseBytes(s)).toBe(n));
  test.each(["", "abc", "-1", "1x", "1.5.g", "m"])("%p is refused", (s) => {
    expect(message(() => parseBytes(s))).toBe(`invalid argument "${s}" for "--memory" flag: invalid size: '${s}'`);
  });
  test("--memory-swap -1 is unlimited, other values are sizes", () => {
    expect(parseMemorySwap("-1")).toBe(-1);
    expect(parseMemorySwap("1g")).toBe(2 ** 30);
    expect(message(() => parseMemorySwap("-2"))).toBe(`invalid argument "-2" for "--memory-swap" flag: invalid size: '-2'`);
  });
});

describe("cpus", () => {
  test("0.5 → quota 50000 per 100000", () => {
    expect(parseCpus("0.5")).toBe(0.5);
    expect(cpusToQuota(0.5)).toEqual({ quota: 50000, period: 100000 });
    expect(cpusToQuota(1.5)).toEqual({ quota: 150000, period: 100000 });
    expect(cpuQuotaPeriod({ cpus: 0.5 })).toEqual({ quota: 50000, period: 100000 });
    expect(cpuQuotaPeriod({ cpus: 0.01 })).toEqual({ quota: 1000, period: 100000 });
    expect(cpuQuotaPeriod({ cpus: 2, cpuPeriod: 50000 })).toEqual({ quota: 100000, period: 50000 });
    expect(cpuQuotaPeriod({ cpuQuota: 20000 })).toEqual({ quota: 20000, period: undefined });
  });
  test.each(["abc", "", "1,5", "-1", "0.5x"])("%p is refused", (s) => {
    expect(message(() => parseCpus(s))).toBe(`invalid argument "${s}" for "--cpus" flag: failed to parse ${s} as a rational number`);
  });
  test("more than nanosecond precision is refused", () => {
    expect(message(() => parseCpus("0.0000000001"))).toContain("value is too precise");
  });
  test("shares → weight as runc converts them", () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(39); // 1 + (1022 * 9999) / 262142 = 39.98 → 39
    expect(sharesToWeight(512)).toBe(1 + Math.floor((510 * 9999) / 262142));
    expect(sharesToWeight(262144)).toBe(10000);
    expect(blkioToIoWeight(10)).toBe(1);
    expect(blkioToIoWeight(1000)).toBe(10000);
    expect(blkioToIoWeight(500)).toBe(1 + Math.floor((490 * 9999) / 990));
  });
});

describe("limitsFromFlags", () => {
  test("all flags, with Docker's default swap (2 × memory)", () => {
    expect(limitsFromFlags({ memory: "512m", cpus: "1.5", cpuShares: "512", cpusetCpus: "0-1", cpusetMems: "0", pidsLimit: "100", blkioWeight: "300", memoryReservation: "256m", oomKillDisable: true }, 4)).toEqual({
      memory: 512 * 2 ** 20, memorySwap: 1024 * 2 ** 20, memoryReservation: 256 * 2 ** 20, cpus: 1.5, cpuShares: 512,
      cpusetCpus: "0-1", cpusetMems: "0", pidsLimit: 100, blkioWeight: 300, oomKillDisable: true,
    });
  });
  test("--memory-swap -1 and explicit swap are kept", () => {
    expect(limitsFromFlags({ memory: "1g", memorySwap: "-1" })).toEqual({ memory: 2 ** 30, memorySwap: -1 });
    expect(limitsFromFlags({ memory: "1g", memorySwap: "3g" })).toEqual({ memory: 2 ** 30, memorySwap: 3 * 2 ** 30 });
  });
  test("update (creating=false) adds no default swap and allows swap alone", () => {
    expect(limitsFromFlags({ memory: "1g" }, 4, false)).toEqual({ memory: 2 ** 30 });
    expect(limitsFromFlags({ memorySwap: "2g" }, 4, false)).toEqual({ memorySwap: 2 * 2 ** 30 });
  });
  test.each([
    [{ memory: "4m" }, "Minimum memory limit allowed is 6MB"],
    [{ memorySwap: "1g" }, "You should always set the Memory limit when using Memoryswap limit, see usage"],
    [{ memory: "1g", memorySwap: "512m" }, "Minimum memoryswap limit should be larger than memory limit, see usage"],
    [{ memory: "64m", memoryReservation: "128m" }, "Minimum memory limit can not be less than memory reservation limit, see usage"],
    [{ cpus: "8" }, "Range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available"],
    [{ cpus: "0.001" }, "Range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available"],
    [{ cpus: "1", cpuPeriod: "50000" }, "Conflicting options: Nano CPUs and CPU Period cannot both be set"],
    [{ cpus: "1", cpuQuota: "50000" }, "Conflicting options: Nano CPUs and CPU Quota cannot both be set"],
    [{ cpuPeriod: "500" }, "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)"],
    [{ cpuQuota: "999" }, "CPU cfs quota can not be less than 1ms (i.e. 1000)"],
    [{ blkioWeight: "5" }, "Range of blkio weight is from 10 to 1000"],
    [{ cpusetCpus: "0-a" }, "Invalid value 0-a for cpuset cpus"],
    [{ cpusetMems: "3-1" }, "Invalid value 3-1 for cpuset mems"],
    [{ pidsLimit: "ten" }, `invalid argument "ten" for "--pids-limit" flag: strconv.ParseInt: parsing "ten": invalid syntax`],
    [{ cpuShares: "1.5" }, `invalid argument "1.5" for "--cpu-shares" flag: strconv.ParseInt: parsing "1.5": invalid syntax`],
  ])("%p → %s", (flags, msg) => {
    expect(message(() => limitsFromFlags(flags, 4))).toBe(msg);
  });
  test("pids-limit -1 and 0 pass through (unlimited)", () => {
    expect(limitsFromFlags({ pidsLimit: "-1" }).pidsLimit).toBe(-1);
    expect(limitsFromFlags({ pidsLimit: "0" }).pidsLimit).toBe(0);
  });
  test("cpuset lists", () => {
    expect(parseCpuset("0-3,5,7", "cpus")).toBe("0-3,5,7");
  });
});

describe("--ulimit", () => {
  test.each([
    ["nofile=1024:2048", { type: "RLIMIT_NOFILE", soft: 1024, hard: 2048 }],
    ["nofile=1024", { type: "RLIMIT_NOFILE", soft: 1024, hard: 1024 }],
    ["nproc=10:20", { type: "RLIMIT_NPROC", soft: 10, hard: 20 }],
    ["core=0", { type: "RLIMIT_CORE", soft: 0, hard: 0 }],
    ["memlock=-1:-1", { type: "RLIMIT_MEMLOCK", soft: -1, hard: -1 }],
    ["stack=8192:-1", { type: "RLIMIT_STACK", soft: 8192, hard: -1 }],
    ["rttime=1:2", { type: "RLIMIT_RTTIME", soft: 1, hard: 2 }],
  ])("%s", (s, r) => expect(parseUlimit(s)).toEqual(r));
  test.each([
    ["nofile=2048:1024", "ulimit soft limit must be less than or equal to hard limit: 2048 > 1024"],
    ["nofile=-1:1024", "ulimit soft limit must be less than or equal to hard limit: -1 > 1024"],
    ["nofile", "invalid ulimit argument: nofile"],
    ["files=10", "invalid ulimit type: files"],
    ["nofile=1:2:3", "too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`"],
    ["nofile=abc", "invalid ulimit soft value: abc"],
    ["nofile=1:x", "invalid ulimit hard value: x"],
    ["nofile=-2", "invalid ulimit soft value: -2"],
  ])("%s → %s", (s, msg) => {
    expect(message(() => parseUlimit(s))).toBe(`invalid argument "${s}" for "--ulimit" flag: ${msg}`);
  });
  test("the last value for a name wins", () => {
    expect(parseUlimits(["nofile=1:2", "nproc=5", "nofile=3:4"])).toEqual([
      { type: "RLIMIT_NOFILE", soft: 3, hard: 4 }, { type: "RLIMIT_NPROC", soft: 5, hard: 5 },
    ]);
  });
});
