// What the manager can be given: the detection inputs (tests point it at a mirror of cgroupfs) and the
// side effects that must not reach real processes from such a test.
import type { DetectOptions } from "./detect.ts";
import type { KillFn } from "./kill.ts";

export interface ManagerOptions extends DetectOptions {
  /** How signals are sent; the default is process.kill with ESRCH ignored. */
  kill?: KillFn;
  /** Deadline for freeze/thaw to settle, ms (default 5000). */
  freezeTimeoutMs?: number;
  /** Deadline for killAll to empty the cgroup and for destroy's EBUSY retries, ms (default 10000). */
  killTimeoutMs?: number;
  /** Host memory reported as the limit of an unlimited cgroup (default os.totalmem()). */
  hostMemory?: number;
}

export interface Settings {
  kill: KillFn;
  freezeTimeoutMs: number;
  killTimeoutMs: number;
  hostMemory: number;
}
