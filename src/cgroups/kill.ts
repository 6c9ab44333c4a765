// Killing everything in a cgroup without letting anything escape. Listing the pids and then signalling
// them races with fork(): a child born in between is missed. Freezing first stops every task where it is,
// so the list is complete; SIGKILL is delivered to frozen tasks and takes effect on thaw. We repeat until
// the cgroup is empty because tasks that were mid-fork or mid-migration may still show up once.
import { CgroupError } from "./errors.ts";

export const SIGKILL = 9;

export interface KillTarget {
  pids(): number[];
  /** Absent when the host has no freezer (v1 without the freezer hierarchy). */
  freeze?(): void;
  thaw?(): void;
}

export type KillFn = (pid: number, signal: number) => void;

/** process.kill, with "already gone" (ESRCH) ignored. */
export const defaultKill: KillFn = (pid, signal) => {
  try {
    process.kill(pid, signal);
  } catch (e) {
    if ((e as { code?: string }).code !== "ESRCH") throw e;
  }
};

export async function waitUntil(done: () => boolean, deadlineMs: number, stepMs = 5): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (done()) return true;
    if (Date.now() >= end) return false;
    await Bun.sleep(stepMs);
  }
}

/** Sends `signal` once to every task (frozen while listing); with SIGKILL, repeats until none is left. */
export async function killEverything(target: KillTarget, signal: number, kill: KillFn, deadlineMs: number, where: string): Promise<void> {
  const end = Date.now() + deadlineMs;
  const round = () => {
    target.freeze?.();
    try {
      for (const pid of target.pids()) kill(pid, signal);
    } finally {
      target.thaw?.();
    }
  };
  if (signal !== SIGKILL) return round();
  while (target.pids().length > 0) {
    round();
    // Killed tasks leave the cgroup as they exit; give them a moment before listing again.
    await waitUntil(() => target.pids().length === 0, Math.min(200, Math.max(0, end - Date.now())));
    if (Date.now() >= end && target.pids().length > 0) {
      throw new CgroupError("cgroup", where, "ETIMEDOUT", `still populated after ${deadlineMs} ms: ${target.pids().join(" ")}`);
    }
  }
}
