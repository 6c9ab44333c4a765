// Is a recorded pid still the process we started? A pid alone is not enough (pids are recycled), so the
// process's start time from /proc/<pid>/stat and the boot id are recorded with it and compared on read.
import { readFileSync } from "node:fs";

export interface ProcessIdentity { pid: number; startTime: number; bootId: string }

export function bootId(): string {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "";
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined when there is no such pid. */
export function processStartTime(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  if (state === "Z" || state === "X") return undefined; // exited, waiting to be reaped
  const start = Number(fields[19]);
  return Number.isFinite(start) ? start : undefined;
}

export function identify(pid: number): ProcessIdentity | undefined {
  const startTime = processStartTime(pid);
  return startTime === undefined ? undefined : { pid, startTime, bootId: bootId() };
}

export function isAlive(p: ProcessIdentity | undefined): p is ProcessIdentity {
  return p !== undefined && p.bootId === bootId() && processStartTime(p.pid) === p.startTime;
}
