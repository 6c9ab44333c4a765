// Docker's resource flags → Limits and OCI rlimits, with Docker's units and one-line errors (the CLI's
// `invalid argument "X" for "--flag" flag: …` for syntax, the daemon's wording for ranges and conflicts).
import { readFileSync } from "node:fs";
import { UserError } from "../errors.ts";
import type { Rlimit } from "../oci/spec.ts";
import type { Limits } from "./types.ts";
import { DEFAULT_CPU_PERIOD } from "./convert.ts";

function flagError(flag: string, value: string, reason: string): UserError {
  return new UserError(`invalid argument "${value}" for "${flag}" flag: ${reason}`);
}

// Binary multiples, as Docker's RAMInBytes: "512m" is 512 MiB; an optional "i"/"b" suffix is accepted.
const SIZE = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/;
const MULT: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** "512m" → 536870912, "1.5g" → 1610612736, "100" → 100 bytes. */
export function parseBytes(value: string, flag = "--memory"): number {
  const m = SIZE.exec(value.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!m || !Number.isFinite(n)) throw flagError(flag, value, `invalid size: '${value}'`);
  const bytes = Math.trunc(n * (m[2] ? MULT[m[2].toLowerCase()]! : 1));
  if (!Number.isSafeInteger(bytes)) throw flagError(flag, value, "value out of range"); // [cli] never "1e+23" to the kernel
  return bytes;
}

/** --memory-swap: a size, or -1 for unlimited swap. */
export function parseMemorySwap(value: string): number {
  return value.trim() === "-1" ? -1 : parseBytes(value, "--memory-swap");
}

export function parseInteger(value: string, flag: string): number {
  if (!/^[+-]?\d+$/.test(value.trim())) throw flagError(flag, value, `strconv.ParseInt: parsing "${value}": invalid syntax`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw flagError(flag, value, `strconv.ParseInt: parsing "${value}": value out of range`);
  return n;
}

/** --cpus 1.5: a decimal number of CPUs with at most nanosecond precision (Docker's NanoCPUs). */
export function parseCpus(value: string): number {
  const v = value.trim();
  if (!/^\d*\.?\d+$|^\d+\.$/.test(v)) throw flagError("--cpus", value, `failed to parse ${value} as a rational number`);
  if ((v.split(".")[1] ?? "").replace(/0+$/, "").length > 9) throw flagError("--cpus", value, "value is too precise");
  return Number(v);
}

/** --cpus → CFS quota and period: 0.5 → 50000 per 100000 µs. */
export function cpusToQuota(cpus: number, period = DEFAULT_CPU_PERIOD): { quota: number; period: number } {
  return { quota: Math.round(cpus * period), period };
}

/** A cpuset list: "0-3,5,7". */
export function parseCpuset(value: string, what: "cpus" | "mems"): string {
  const v = value.trim();
  const ok = v.split(",").every((part) => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    return m !== null && (m[2] === undefined || Number(m[2]) >= Number(m[1]));
  });
  if (!ok) throw new UserError(`Invalid value ${value} for cpuset ${what}`);
  return v;
}

export interface ResourceFlags {
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  cpus?: string;
  cpuShares?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
  blkioWeight?: string;
  oomKillDisable?: boolean;
}

const MIN_MEMORY = 6 * 2 ** 20;

/**
 * `run`/`update` flags → Limits, checked as Docker's daemon checks them. As in Docker, --memory without
 * --memory-swap lets the container use as much swap as memory (memory+swap = 2 × memory).
 */
export function limitsFromFlags(f: ResourceFlags, hostCpus = navigator.hardwareConcurrency, creating = true): Limits {
  const l: Limits = {};
  if (f.memory !== undefined) l.memory = parseBytes(f.memory, "--memory");
  if (f.memorySwap !== undefined) l.memorySwap = parseMemorySwap(f.memorySwap);
  if (f.memoryReservation !== undefined) l.memoryReservation = parseBytes(f.memoryReservation, "--memory-reservation");
  if (f.cpus !== undefined) l.cpus = parseCpus(f.cpus);
  if (f.cpuShares !== undefined) l.cpuShares = parseInteger(f.cpuShares, "--cpu-shares");
  if (f.cpuPeriod !== undefined) l.cpuPeriod = parseInteger(f.cpuPeriod, "--cpu-period");
  if (f.cpuQuota !== undefined) l.cpuQuota = parseInteger(f.cpuQuota, "--cpu-quota");
  if (f.cpusetCpus !== undefined) l.cpusetCpus = parseCpuset(f.cpusetCpus, "cpus");
  if (f.cpusetMems !== undefined) l.cpusetMems = parseCpuset(f.cpusetMems, "mems");
  if (f.pidsLimit !== undefined) l.pidsLimit = parseInteger(f.pidsLimit, "--pids-limit");
  if (f.blkioWeight !== undefined) l.blkioWeight = parseInteger(f.blkioWeight, "--blkio-weight");
  if (f.oomKillDisable !== undefined) l.oomKillDisable = f.oomKillDisable;

  const memory = l.memory ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) throw new UserError("Minimum memory limit allowed is 6MB");
  if (l.memorySwap !== undefined && l.memorySwap > 0) {
    if (memory === 0 && creating) throw new UserError("You should always set the Memory limit when using Memoryswap limit, see usage");
    if (memory !== 0 && l.memorySwap < memory) throw new UserError("Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  if (memory > 0 && l.memoryReservation !== undefined && l.memoryReservation > 0 && memory < l.memoryReservation) {
    throw new UserError("Minimum memory limit can not be less than memory reservation limit, see usage");
  }
  if (l.cpus !== undefined) {
    if (l.cpuPeriod !== undefined && l.cpuPeriod > 0) throw new UserError("Conflicting options: Nano CPUs and CPU Period cannot both be set");
    if (l.cpuQuota !== undefined && l.cpuQuota > 0) throw new UserError("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
    if (l.cpus !== 0 && (l.cpus < 0.01 || l.cpus > hostCpus)) {
      throw new UserError(`Range of CPUs is from 0.01 to ${hostCpus}.00, as there are only ${hostCpus} CPUs available`);
    }
  }
  if (l.cpuPeriod !== undefined && l.cpuPeriod !== 0 && (l.cpuPeriod < 1000 || l.cpuPeriod > 1_000_000)) {
    throw new UserError("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  }
  if (l.cpuQuota !== undefined && l.cpuQuota > 0 && l.cpuQuota < 1000) throw new UserError("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  if (l.blkioWeight !== undefined && l.blkioWeight !== 0 && (l.blkioWeight < 10 || l.blkioWeight > 1000)) {
    throw new UserError("Range of blkio weight is from 10 to 1000");
  }
  checkKernelRanges(f, l);
  // `run -m X` alone: Docker's default memory+swap is twice the memory (`update` passes creating=false).
  if (creating && memory > 0 && l.memorySwap === undefined) l.memorySwap = memory * 2;
  return l;
}

// Docker's --ulimit names → the rlimit they set.
const ULIMITS: Record<string, string> = {
  core: "RLIMIT_CORE", cpu: "RLIMIT_CPU", data: "RLIMIT_DATA", fsize: "RLIMIT_FSIZE", locks: "RLIMIT_LOCKS",
  memlock: "RLIMIT_MEMLOCK", msgqueue: "RLIMIT_MSGQUEUE", nice: "RLIMIT_NICE", nofile: "RLIMIT_NOFILE",
  nproc: "RLIMIT_NPROC", rss: "RLIMIT_RSS", rtprio: "RLIMIT_RTPRIO", rttime: "RLIMIT_RTTIME",
  sigpending: "RLIMIT_SIGPENDING", stack: "RLIMIT_STACK",
};

/** "nofile=1024:2048" (or "nofile=1024", hard = soft) → {type: "RLIMIT_NOFILE", soft, hard}; -1 is unlimited. */
export function parseUlimit(value: string): Rlimit {
  const bad = (reason: string) => flagError("--ulimit", value, reason);
  const eq = value.indexOf("=");
  if (eq < 0) throw bad(`invalid ulimit argument: ${value}`);
  const name = value.slice(0, eq);
  const type = ULIMITS[name];
  if (!type) throw bad(`invalid ulimit type: ${name}`);
  const parts = value.slice(eq + 1).split(":");
  if (parts.length > 2) throw bad(`too many limit value arguments - ${value.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const num = (s: string, which: string) => {
    if (!/^(-1|\d+)$/.test(s)) throw bad(`invalid ulimit ${which} value: ${s}`);
    const n = Number(s);
    if (!Number.isSafeInteger(n)) throw bad(`invalid ulimit ${which} value: ${s}`);
    return n;
  };
  const soft = num(parts[0]!, "soft");
  const hard = parts[1] === undefined ? soft : num(parts[1], "hard");
  const rank = (n: number) => (n < 0 ? Infinity : n);
  if (rank(soft) > rank(hard)) throw bad(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { type, soft, hard };
}

/** Every --ulimit; a name given twice keeps the last value (Docker keeps one per name). */
export function parseUlimits(values: readonly string[]): Rlimit[] {
  const byType = new Map<string, Rlimit>();
  for (const v of values) {
    const r = parseUlimit(v);
    byType.set(r.type, r);
  }
  return [...byType.values()];
}

// [cli] Values the kernel would refuse with a bare EINVAL/EOVERFLOW when the cgroup is written: refused here,
// in the user's words, before anything is created.
/** PID_MAX_LIMIT on 64-bit Linux: pids.max takes no more. */
const PID_MAX_LIMIT = 4 * 1024 * 1024;
/** The kernel's largest CFS quota (max_cfs_runtime: 2^44 - 1 µs, kernel/sched/core.c). */
const MAX_CFS_QUOTA_US = 2 ** 44 - 1;

function checkKernelRanges(f: ResourceFlags, l: Limits): void {
  if (l.pidsLimit !== undefined && l.pidsLimit > PID_MAX_LIMIT) {
    throw flagError("--pids-limit", f.pidsLimit!, `value out of range (at most ${PID_MAX_LIMIT}; 0 or -1 for unlimited)`);
  }
  if (l.cpuQuota !== undefined && l.cpuQuota > MAX_CFS_QUOTA_US) {
    throw flagError("--cpu-quota", f.cpuQuota!, `value out of range (at most ${MAX_CFS_QUOTA_US})`);
  }
  if (l.cpusetCpus !== undefined) checkAvailable(l.cpusetCpus, "CPUs", "/sys/devices/system/cpu/online");
  if (l.cpusetMems !== undefined) checkAvailable(l.cpusetMems, "Memory nodes", "/sys/devices/system/node/online");
}

/** Docker's check of --cpuset-cpus/--cpuset-mems against what the host has online. */
function checkAvailable(requested: string, what: "CPUs" | "Memory nodes", onlineFile: string): void {
  let online: string;
  try {
    online = readFileSync(onlineFile, "utf8").trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") online = "0"; // no NUMA: node 0 only
    else throw e;
  }
  const available = cpusetMembers(online);
  if (![...cpusetMembers(requested)].every((n) => available.has(n))) {
    throw new UserError(`Requested ${what} are not available - requested ${requested}, available: ${online}`);
  }
}

/** The numbers of a cpuset list that parseCpuset accepted; a number too large for the kernel is never online. */
function cpusetMembers(list: string): Set<number> {
  const members = new Set<number>();
  for (const part of list.split(",")) {
    const [lo, hi = lo] = part.split("-").map(Number) as [number, number?];
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi! - lo > 65_536) { members.add(-1); continue; }
    for (let n = lo; n <= hi!; n++) members.add(n);
  }
  return members;
}
