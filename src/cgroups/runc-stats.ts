// runtime area: a cgroup's statistics in the shape `runc events` prints (runc's types/events.go: cpu,
// memory, pids, blkio), read from whichever cgroup version the container's cgroup lives on. Unlimited
// values are 0 where runc omits them; numbers above 2^53 lose precision (JSON numbers in JavaScript).
import { readOptional, parseKeyValues, parseLimit } from "./file.ts";
import type { Cgroup } from "./types.ts";

type Entry = { limit: number; usage?: number; max?: number; failcnt: number };
type BlkioEntry = { major: number; minor: number; op: string; value: number };

export interface RuncStats {
  cpu: { usage: { total: number; percpu?: number[]; kernel: number; user: number }; throttling: { periods?: number; throttledPeriods?: number; throttledTime?: number } };
  memory: { cache?: number; usage: Entry; swap?: Entry; kernel?: Entry; raw: Record<string, number> };
  pids: { current: number; limit?: number };
  blkio: { ioServiceBytesRecursive: BlkioEntry[]; ioServicedRecursive: BlkioEntry[] };
}

/** The first of the cgroup's directories that has `file`, with its content. */
function read(cgroup: Cgroup, file: string): string | undefined {
  for (const dir of cgroup.paths) {
    const text = readOptional(dir, file);
    if (text !== undefined) return text;
  }
  return undefined;
}

const num = (text: string | undefined) => (text === undefined ? 0 : Number(text.trim()) || 0);
const limitOf = (text: string | undefined) => (text === undefined ? 0 : parseLimit(text) ?? 0);
const mapOf = (text: string | undefined) => Object.fromEntries(parseKeyValues(text ?? ""));

export function runcStats(cgroup: Cgroup): RuncStats {
  return read(cgroup, "memory.usage_in_bytes") !== undefined || read(cgroup, "cpuacct.usage") !== undefined ? v1(cgroup) : v2(cgroup);
}

function v1(cg: Cgroup): RuncStats {
  const cpuStat = parseKeyValues(read(cg, "cpu.stat") ?? "");
  const ticks = parseKeyValues(read(cg, "cpuacct.stat") ?? ""); // USER_HZ (100) ticks
  const entry = (prefix: string): Entry => ({
    usage: num(read(cg, `${prefix}.usage_in_bytes`)), max: num(read(cg, `${prefix}.max_usage_in_bytes`)),
    failcnt: num(read(cg, `${prefix}.failcnt`)), limit: limitOf(read(cg, `${prefix}.limit_in_bytes`)),
  });
  const raw = mapOf(read(cg, "memory.stat"));
  return {
    cpu: {
      usage: {
        total: num(read(cg, "cpuacct.usage")),
        percpu: (read(cg, "cpuacct.usage_percpu") ?? "").trim().split(/\s+/).filter((s) => s !== "").map(Number),
        kernel: (ticks.get("system") ?? 0) * 10_000_000, user: (ticks.get("user") ?? 0) * 10_000_000,
      },
      throttling: { periods: cpuStat.get("nr_periods"), throttledPeriods: cpuStat.get("nr_throttled"), throttledTime: cpuStat.get("throttled_time") },
    },
    memory: { cache: raw.total_cache ?? raw.cache, usage: entry("memory"), swap: entry("memory.memsw"), kernel: entry("memory.kmem"), raw },
    pids: { current: num(read(cg, "pids.current")), limit: limitOf(read(cg, "pids.max")) },
    blkio: {
      ioServiceBytesRecursive: blkioV1(read(cg, "blkio.throttle.io_service_bytes_recursive") ?? read(cg, "blkio.io_service_bytes_recursive")),
      ioServicedRecursive: blkioV1(read(cg, "blkio.throttle.io_serviced_recursive") ?? read(cg, "blkio.io_serviced_recursive")),
    },
  };
}

/** "8:0 Read 4096" lines; the "Total" line has no device and is skipped. */
function blkioV1(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? "").split("\n")) {
    const [dev, op, value] = line.trim().split(/\s+/);
    if (!dev?.includes(":") || op === undefined || value === undefined) continue;
    const [major, minor] = dev.split(":").map(Number) as [number, number];
    out.push({ major, minor, op, value: Number(value) });
  }
  return out;
}

function v2(cg: Cgroup): RuncStats {
  const cpu = parseKeyValues(read(cg, "cpu.stat") ?? "");
  const us = (k: string) => (cpu.get(k) ?? 0) * 1000;
  const raw = mapOf(read(cg, "memory.stat"));
  const events = parseKeyValues(read(cg, "memory.events") ?? "");
  const bytes: BlkioEntry[] = [], ios: BlkioEntry[] = [];
  for (const line of (read(cg, "io.stat") ?? "").split("\n")) {
    const [dev, ...kvs] = line.trim().split(/\s+/);
    if (!dev?.includes(":")) continue;
    const [major, minor] = dev.split(":").map(Number) as [number, number];
    const kv = Object.fromEntries(kvs.map((p) => p.split("=")).map(([k, v]) => [k, Number(v)]));
    bytes.push({ major, minor, op: "Read", value: kv.rbytes ?? 0 }, { major, minor, op: "Write", value: kv.wbytes ?? 0 });
    ios.push({ major, minor, op: "Read", value: kv.rios ?? 0 }, { major, minor, op: "Write", value: kv.wios ?? 0 });
  }
  return {
    cpu: {
      usage: { total: us("usage_usec"), kernel: us("system_usec"), user: us("user_usec") },
      throttling: { periods: cpu.get("nr_periods"), throttledPeriods: cpu.get("nr_throttled"), throttledTime: us("throttled_usec") },
    },
    memory: {
      cache: raw.file,
      usage: { usage: num(read(cg, "memory.current")), max: num(read(cg, "memory.peak")), failcnt: events.get("max") ?? 0, limit: limitOf(read(cg, "memory.max")) },
      swap: { usage: num(read(cg, "memory.swap.current")), failcnt: 0, limit: limitOf(read(cg, "memory.swap.max")) },
      raw,
    },
    pids: { current: num(read(cg, "pids.current")), limit: limitOf(read(cg, "pids.max")) },
    blkio: { ioServiceBytesRecursive: bytes, ioServicedRecursive: ios },
  };
}
