// compat-run: `minibox attach` to a running detached container. Its parent is the monitor, which writes
// the container's output to its log as it comes: attach follows that log from now on (as `logs -f --tail 0`)
// until the container stops, writes its own stdin into the container's stdin FIFO (containers started with
// -i), relays the signals it receives (sig-proxy), and ends with the container's exit code, or with exit 1
// and "read escape sequence" when the detach keys are typed, leaving the container running.
import { UserError } from "../errors.ts";
import { logPath } from "../logs/json-file.ts";
import { readable } from "../logs/log-config.ts";
import { followLog } from "../logs/follow.ts";
import type { LogEntry } from "../logs/reader.ts";
import { kill } from "../sys/proc.ts";
import { isatty, makeRaw, restoreTermios } from "../sys/tty.ts";
import { DetachScanner } from "./detach-keys.ts";
import { isAlive } from "./liveness.ts";
import { waitContainer } from "./lifecycle.ts";
import { stopped } from "./logs.ts";
import { findContainer } from "./lookup.ts";
import { FORWARDED_SIGNALS, signalNumber } from "./signals.ts";
import { currentState } from "./status.ts";
import { openStdinWriter, type StdinWriter } from "./stdin-fifo.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";

export interface AttachOptions {
  container: string;
  /** Attach our stdin (unless --no-stdin); only containers started with -i have one to attach to. */
  stdin: boolean;
  detachKeys: Uint8Array;
  sigProxy: boolean;
}

/** Docker's words when the detach keys were typed; exit 1, as docker attach. */
export class DetachedError extends UserError {
  constructor() {
    super("read escape sequence", 1);
  }
}

export async function attachContainer(store: ContainerStore, opts: AttachOptions, emit: (entries: LogEntry[]) => void): Promise<number> {
  const record = findContainer(store, opts.container);
  const state = currentState(record);
  if (!state.running) throw new UserError("You cannot attach to a stopped container, start it first", 1);
  if (state.status === "paused") throw new UserError("You cannot attach to a paused container, unpause it first", 1);
  if (!readable(record.logConfig)) throw new UserError("configured logging driver does not support reading", 1);

  const withStdin = opts.stdin && record.interactive === true;
  // Docker: a -t container's stdin wants a terminal, put in raw mode (keys reach the container as typed).
  if (withStdin && record.tty && !isatty(0)) throw new UserError("the input device is not a TTY", 1);
  const saved = withStdin && record.tty ? makeRaw(0) : undefined;
  try {
    return await attachStreams(store, record, opts, withStdin, emit);
  } finally {
    if (saved) restoreTermios(0, saved);
  }
}

async function attachStreams(store: ContainerStore, record: ContainerRecord, opts: AttachOptions, withStdin: boolean, emit: (entries: LogEntry[]) => void): Promise<number> {
  let detached = false;
  const ended = stopped(store, record.id);
  // Started before stdin is relayed: output caused by our input is never missed.
  const following = followLog(logPath(store.dir(record.id), record.id), { selection: { tail: 0 }, emit, finished: () => detached || ended() });
  const stopForwarding = opts.sigProxy && !record.tty ? forwardSignals(record) : () => {};
  const writer = withStdin ? openStdinWriter(store.dir(record.id)) : undefined;
  const input = writer ? relayStdin(writer, new DetachScanner(opts.detachKeys), () => { detached = true; }) : undefined;
  try {
    await following;
  } finally {
    stopForwarding();
    input?.stop();
  }
  if (detached) throw new DetachedError();
  return waitContainer(store, record);
}

/** sig-proxy: what we receive goes to the container's init, while it is still the process we know. */
function forwardSignals(record: ContainerRecord): () => void {
  const forward = (signal: NodeJS.Signals) => {
    if (!isAlive(record.state.process)) return;
    try { kill(record.state.process.pid, signalNumber(signal)); } catch { /* just exited */ }
  };
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  return () => { for (const s of FORWARDED_SIGNALS) process.off(s, forward); };
}

function relayStdin(writer: StdinWriter, scanner: DetachScanner, onDetach: () => void): { stop(): void } {
  const reader = Bun.stdin.stream().getReader();
  let stopped = false;
  void (async () => {
    try {
      while (!stopped) {
        const { done, value } = await reader.read();
        if (done) break; // our stdin ended; the container's stays open (no stdin-once)
        const { pass, detach } = scanner.push(value);
        if (pass.length > 0 && !(await writer.write(pass))) break;
        if (detach) { onDetach(); break; }
      }
    } catch {
      // stdin unreadable (closed under us): attach goes on with the output alone
    } finally {
      writer.close();
    }
  })();
  return {
    stop() {
      stopped = true;
      void reader.cancel().catch(() => {});
      writer.close();
    },
  };
}
