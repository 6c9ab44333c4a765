// A container's status, derived when read: a recorded "running" counts only while the recorded process
// is alive with the same start time (and boot), so a crashed monitor, a reboot or a recycled pid can never
// make minibox report — or signal — the wrong process.
import { isAlive } from "./liveness.ts";
import type { ContainerRecord } from "./store.ts";

export type Status = "created" | "running" | "paused" | "exited" | "dead";

/**
 * Exit code recorded when the process is gone but nobody could wait for it (its parent, the monitor or a
 * foreground CLI, had died): -1, shown as "Exited (-1)", an honest "unknown" where Docker would invent 255,
 * which a real command can return. See docs/architecture.md, "What a dead monitor can and cannot lose".
 */
export const LOST_EXIT_CODE = -1;

export interface CurrentState {
  status: Status;
  running: boolean;
  pid?: number;
  exitCode?: number;
}

export function currentState(record: ContainerRecord): CurrentState {
  const s = record.state;
  if (s.status === "running") {
    if (isAlive(s.process)) return { status: s.paused ? "paused" : "running", running: true, pid: s.process.pid };
    return { status: "exited", running: false, exitCode: s.exitCode ?? LOST_EXIT_CODE };
  }
  return { status: s.status, running: false, exitCode: s.exitCode };
}

/**
 * compat-run: Docker's "restarting": exited, and the monitor that will restart it after its backoff is
 * alive (a dead monitor restarts nothing, so its mark means nothing).
 */
export function isRestarting(record: ContainerRecord): boolean {
  return record.state.status === "exited" && isAlive(record.state.restartingBy);
}
