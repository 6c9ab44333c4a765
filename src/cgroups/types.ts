import type { DeviceRule } from "./devices.ts";

// The library's public shapes. Limits use Docker's units (bytes, CFS microseconds, shares 2-262144,
// blkio weight 10-1000); each backend converts to its own files.

export interface Limits {
  /** Bytes. */
  memory?: number;
  /** Memory plus swap, bytes, as Docker's --memory-swap; -1 means unlimited swap. */
  memorySwap?: number;
  /** Soft limit (v1 memory.soft_limit_in_bytes, v2 memory.low), bytes. */
  memoryReservation?: number;
  /** Relative CPU weight, 2-262144 (Docker's --cpu-shares; 1024 is the default). */
  cpuShares?: number;
  /** CFS period, microseconds. */
  cpuPeriod?: number;
  /** CFS quota, microseconds per period; -1 removes the quota. */
  cpuQuota?: number;
  /** Number of CPUs (0.5, 1.5): becomes quota = cpus × period (period 100000 unless cpuPeriod is set). */
  cpus?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** Maximum number of tasks; -1 or 0 is unlimited. */
  pidsLimit?: number;
  /** 10-1000 (0 leaves it alone). */
  blkioWeight?: number;
  oomKillDisable?: boolean;
}

export interface Stats {
  cpuUsageNs: number;
  memoryUsage: number;
  /** The limit in bytes; the host's memory when unlimited (what `docker stats` shows). */
  memoryLimit: number;
  /** Inactive file cache, which `docker stats` subtracts from the usage it prints. */
  memoryInactiveFile?: number;
  pids: number;
  blkioRead: number;
  blkioWrite: number;
  throttledPeriods?: number;
  throttledTimeNs?: number;
}

/** What apply() could not do on this host; the caller shows these as Docker-style warnings. */
export interface ApplyReport {
  /** Limits that were given but not applied because the kernel lacks the file (swap accounting off, …). */
  ignored: (keyof Limits)[];
  warnings: string[];
}

export interface DeviceReport {
  /** False when the device allow-list could not be enforced: drop CAP_MKNOD and mount nodev instead. */
  enforced: boolean;
  reason?: string;
}

export interface Cgroup {
  readonly id: string;
  /** Directory of this cgroup in each hierarchy (one entry on v2). */
  readonly paths: readonly string[];
  /** Moves a whole process (all threads) in: cgroup.procs in every hierarchy. */
  addProcess(pid: number): void;
  /** Also used by `minibox update` on a running container. Only the limits that are set are written. */
  apply(limits: Limits): ApplyReport;
  /** Deny every device but Docker's defaults (null, zero, full, random, urandom, tty, console, ptmx, pts) and `extra`. */
  applyDefaultDevices(extra?: readonly DeviceRule[]): DeviceReport;
  stats(): Stats;
  /** From the kernel's oom_kill counter, not guessed from an exit code. */
  oomKilled(): boolean;
  pids(): number[];
  freeze(): void;
  thaw(): void;
  /** Signals every process; with SIGKILL (the default) loops until the cgroup is empty, with a deadline. */
  killAll(signal?: number): Promise<void>;
  /** Kills what is left, then removes the directory in every hierarchy. */
  destroy(): Promise<void>;
}

export interface CgroupManager {
  readonly version: 1 | 2;
  create(id: string, parent?: string): Cgroup;
  open(id: string, parent?: string): Cgroup | undefined;
  /** Path of the container's cgroup as seen in /proc/PID/cgroup. */
  relativePath(id: string, parent?: string): string;
  /** Removes the parent (`minibox` or a --cgroup-parent) in every hierarchy if it is empty; true if gone. */
  removeParent(parent?: string): boolean;
}

export const DEFAULT_PARENT = "minibox";
