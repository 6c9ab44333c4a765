// `stats`: one sample of a container's accounting (its cgroup, and the network counters of its init's
// net namespace), and the numbers `docker stats` derives from two samples.
import { readFileSync } from "node:fs";
import type { Stats } from "../cgroups/index.ts";
import { openContainerCgroup } from "./cgroup.ts";
import { currentState } from "./status.ts";
import type { ContainerRecord } from "./store.ts";

export interface NetCounters { rx: number; tx: number }

export interface Sample {
  /** Monotonic clock, nanoseconds: CPU % is usage over wall time, which must not jump with the clock. */
  atNs: number;
  stats: Stats;
  net: NetCounters;
}

export interface StatsRow {
  id: string;
  name: string;
  cpuPercent: number;
  memUsage: number;
  memLimit: number;
  memPercent: number;
  net: NetCounters;
  blockRead: number;
  blockWrite: number;
  pids: number;
}

/** Interfaces that never count: Docker reads only the container's own links, never its loopback. */
const NOT_COUNTED = new Set(["lo"]);

/** /proc/<pid>/net/dev: "  eth0: rxbytes rxpackets … (8 rx fields) txbytes …", summed over counted links. */
export function parseNetDev(text: string): NetCounters {
  const total = { rx: 0, tx: 0 };
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue; // the two header lines have "|" but no ":"
    const name = line.slice(0, colon).trim();
    if (NOT_COUNTED.has(name)) continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (fields.length < 9 || fields.some((n) => !Number.isFinite(n))) continue;
    total.rx += fields[0]!;
    total.tx += fields[8]!;
  }
  return total;
}

function readNet(pid: number): NetCounters {
  // The init is the container's PID 1 and sits in its net namespace, so its view of net/dev is the
  // container's. A process that exited between the status check and here reads as no traffic.
  try { return parseNetDev(readFileSync(`/proc/${pid}/net/dev`, "utf8")); } catch { return { rx: 0, tx: 0 }; }
}

/** A sample of a running container; undefined when it is not running (or its cgroup just went away). */
export function sampleContainer(record: ContainerRecord, nowNs: () => number = Bun.nanoseconds): Sample | undefined {
  const state = currentState(record);
  if (!state.running || state.pid === undefined) return undefined;
  const cgroup = openContainerCgroup(record);
  if (!cgroup) return undefined;
  let stats: Stats;
  try { stats = cgroup.stats(); } catch { return undefined; } // removed by the container's exit meanwhile
  return { atNs: nowNs(), stats, net: readNet(state.pid) };
}

/**
 * CPU time used between the samples over the wall time between them, × 100: 100% is one CPU busy, and
 * several busy CPUs give more (Docker's cpuDelta/systemDelta × onlineCPUs comes to the same thing).
 * 0 without a previous sample or across a restart (the counter went backwards).
 */
export function cpuPercent(prev: Sample | undefined, cur: Sample): number {
  if (!prev) return 0;
  const cpu = cur.stats.cpuUsageNs - prev.stats.cpuUsageNs;
  const wall = cur.atNs - prev.atNs;
  return cpu > 0 && wall > 0 ? (cpu / wall) * 100 : 0;
}

/** What Docker prints as usage: the page cache the kernel can drop at once (inactive file) does not count. */
export function memoryUsage(s: Stats): number {
  const inactive = s.memoryInactiveFile ?? 0;
  return inactive < s.memoryUsage ? s.memoryUsage - inactive : s.memoryUsage;
}

/** The row for one container; a stopped one (no sample) shows zeros, as `docker stats -a` does. */
export function statsRow(record: ContainerRecord, prev: Sample | undefined, cur: Sample | undefined): StatsRow {
  const base = { id: record.id, name: record.name };
  if (!cur) return { ...base, cpuPercent: 0, memUsage: 0, memLimit: 0, memPercent: 0, net: { rx: 0, tx: 0 }, blockRead: 0, blockWrite: 0, pids: 0 };
  const memUsage = memoryUsage(cur.stats);
  const memLimit = cur.stats.memoryLimit;
  return {
    ...base,
    cpuPercent: cpuPercent(prev, cur),
    memUsage,
    memLimit,
    memPercent: memLimit > 0 ? (memUsage / memLimit) * 100 : 0,
    net: cur.net,
    blockRead: cur.stats.blkioRead,
    blockWrite: cur.stats.blkioWrite,
    pids: cur.stats.pids,
  };
}
