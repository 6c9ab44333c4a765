// A container's health (Docker's State.Health): status, failing streak and the last five probe results,
// kept in <container>/health.json. Only the container's parent (the monitor, or the foreground run) writes
// it, with an atomic replace, so readers (inspect, ps) never see half a file; the record stays untouched
// by probes, so they never contend for the container's lock.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { replaceFile } from "../state/atomic.ts";
import type { EffectiveHealth } from "./config.ts";

export type HealthStatus = "starting" | "healthy" | "unhealthy";

export interface HealthLogEntry { Start: string; End: string; ExitCode: number; Output: string }
export interface HealthState { Status: HealthStatus; FailingStreak: number; Log: HealthLogEntry[] }

/** moby's maxLogEntries. */
const MAX_LOG_ENTRIES = 5;
const STATUSES = new Set(["starting", "healthy", "unhealthy"]);

export function healthPath(containerDir: string): string {
  return join(containerDir, "health.json");
}

/** The recorded health; undefined when the container never ran with a health check (or the file is bad). */
export function readHealth(containerDir: string): HealthState | undefined {
  let text: string;
  try {
    text = readFileSync(healthPath(containerDir), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw e;
  }
  try {
    const v = JSON.parse(text) as HealthState;
    if (STATUSES.has(v.Status) && Number.isInteger(v.FailingStreak) && Array.isArray(v.Log)) return v;
  } catch {
    // written atomically by us: only a hand edit or a torn disk gets here; shown as no health at all
  }
  return undefined;
}

export function writeHealth(containerDir: string, state: HealthState): void {
  replaceFile(healthPath(containerDir), JSON.stringify(state));
}

/** At each start (moby's initHealthMonitor): starting again; the log and streak are kept. */
export function started(previous: HealthState | undefined): HealthState {
  return { Status: "starting", FailingStreak: previous?.FailingStreak ?? 0, Log: previous?.Log ?? [] };
}

/** After the container stopped (moby's CloseMonitorChannel): unhealthy, "for compatibility reasons". */
export function stopped(previous: HealthState): HealthState {
  return { ...previous, Status: "unhealthy" };
}

/**
 * One probe's result applied as moby's handleProbeResult does: success is healthy and resets the streak;
 * a failure counts unless the container is still starting within its start period, and makes it unhealthy
 * at `retries` failures in a row.
 */
export function applyResult(state: HealthState, result: HealthLogEntry, config: EffectiveHealth, startedAtMs: number): HealthState {
  const Log = [...state.Log, result].slice(-MAX_LOG_ENTRIES);
  if (result.ExitCode === 0) return { Status: "healthy", FailingStreak: 0, Log };
  const inStartPeriod = state.Status === "starting" && Date.parse(result.Start) - startedAtMs < config.startPeriodNs / 1e6;
  if (inStartPeriod) return { ...state, Log };
  const FailingStreak = state.FailingStreak + 1;
  return { Status: FailingStreak >= config.retries ? "unhealthy" : state.Status, FailingStreak, Log };
}
