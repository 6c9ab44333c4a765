// Docker's units → kernel values. Shared by both backends and unit-tested on their own.
import type { Limits } from "./types.ts";

export const DEFAULT_CPU_PERIOD = 100_000;

/**
 * cpu.shares (2-262144) → v2 cpu.weight (1-10000), the linear map runc and crun use, so that a given
 * --cpu-shares means the same weight whichever runtime created the container.
 */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** blkio weight (10-1000) → v2 io.weight (1-10000), same reasoning as sharesToWeight. */
export function blkioToIoWeight(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/** The CFS quota and period asked for, with --cpus turned into quota = cpus × period. */
export function cpuQuotaPeriod(l: Limits): { quota?: number; period?: number } {
  let period = l.cpuPeriod;
  let quota = l.cpuQuota;
  if (l.cpus !== undefined) {
    period ??= DEFAULT_CPU_PERIOD;
    // 0 CPUs means "no limit" in Docker (the default of --cpus).
    quota = l.cpus > 0 ? Math.round(l.cpus * period) : -1;
  }
  return { quota, period };
}

/** Unlimited swap and pids are -1 (and 0 for pids), as in Docker's flags. */
export function isUnlimited(n: number): boolean {
  return n < 0;
}
