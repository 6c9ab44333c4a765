// The probe loop of one running container, run by its parent (the monitor, or the foreground `run`):
// every interval a probe, its result applied and written to health.json; stopped when the container ends,
// which leaves it unhealthy (Docker's rule).
import type { ContainerRecord, ContainerStore } from "../container/store.ts";
import { effectiveHealth } from "./config.ts";
import { runProbe, type RunningProbe } from "./probe.ts";
import { applyResult, readHealth, started, stopped, writeHealth, type HealthState } from "./state.ts";

export interface HealthChecker { stop(): Promise<void> }

/** Starts probing when the container has a health check; undefined when it has none. */
/** `resume`: a monitor adopting a running container goes on from the recorded state. */
export function startHealthChecks(store: ContainerStore, record: ContainerRecord, report: (message: string) => void, resume = false): HealthChecker | undefined {
  const config = effectiveHealth(record.healthcheck);
  if (!config) return undefined;
  const dir = store.dir(record.id);
  const recorded = readHealth(dir);
  const startedAtMs = resume && record.state.startedAt ? Date.parse(record.state.startedAt) : Date.now();
  let state: HealthState = resume && recorded ? recorded : started(recorded);
  const save = () => {
    try {
      writeHealth(dir, state);
    } catch (e) {
      report(`container ${record.id}: cannot record its health: ${(e as Error).message}`);
    }
  };
  save();
  let running = true;
  let probe: RunningProbe | undefined;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (running) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, Math.round(config.intervalNs / 1e6)));
        wake = () => { clearTimeout(timer); resolve(); };
      });
      if (!running) break;
      try {
        probe = runProbe(record.id, config.command, config.timeoutNs);
        const result = await probe.result;
        if (!running) break; // the container ended under it: that result says nothing about its health
        state = applyResult(state, result, config, startedAtMs);
        save();
      } catch (e) {
        report(`container ${record.id}: health probe failed to run: ${(e as Error).message}`);
      } finally {
        probe = undefined;
      }
    }
  })();
  return {
    async stop() {
      running = false;
      wake?.();
      probe?.cancel();
      await loop;
      state = stopped(state);
      save();
    },
  };
}
