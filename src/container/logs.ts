// `minibox logs`: a container's json-file log, written by the monitor for detached containers. A container
// run in the foreground printed straight to the terminal and has no log (docs/logs.md).
import { logPath } from "../logs/json-file.ts";
import { readAll, select, type LogEntry, type Selection } from "../logs/reader.ts";
import { followLog } from "../logs/follow.ts";
import { findContainer } from "./lookup.ts";
import { isAlive } from "./liveness.ts";
import type { ContainerStore } from "./store.ts";
import { UserError } from "../errors.ts";
import { readable } from "../logs/log-config.ts"; // compat-run

export interface LogsOptions {
  container: string;
  follow: boolean;
  selection: Selection;
}

/** Without a recorded exit, a dead init means the monitor is gone: give it this long before ending. */
const LOST_MONITOR_GRACE_MS = 2_000;

export async function containerLogs(store: ContainerStore, opts: LogsOptions, emit: (entries: LogEntry[]) => void): Promise<void> {
  const record = findContainer(store, opts.container);
  // compat-run: Docker's answer for a driver without reader (exit 1, as for the daemon's errors)
  if (!readable(record.logConfig)) throw new UserError("configured logging driver does not support reading", 1);
  const path = logPath(store.dir(record.id), record.id);
  if (!opts.follow) {
    emit(select(readAll(path), opts.selection));
    return;
  }
  await followLog(path, { selection: opts.selection, emit, finished: stopped(store, record.id) });
}

/**
 * Docker's `logs -f` ends when the container stops. The monitor records the exit only after it has
 * written the last output to the log, so a recorded exit means the file is complete.
 */
export function stopped(store: ContainerStore, id: string): () => boolean {
  let deadSince: number | undefined;
  return () => {
    let state;
    try {
      state = store.load(id).state;
    } catch {
      return true; // removed
    }
    if (state.status !== "running") return true;
    if (isAlive(state.process)) {
      deadSince = undefined;
      return false;
    }
    deadSince ??= Date.now();
    return Date.now() - deadSince > LOST_MONITOR_GRACE_MS;
  };
}
