// `minibox run` in the foreground: this process is the container's parent; it relays signals (and the
// terminal), waits for the exit, records it and removes the container with --rm.
import { emitContainerEvent } from "../events/emit.ts"; // compat-sys: events
import { FORWARDED_SIGNALS, signalNumber } from "./signals.ts";
import { attachTerminal } from "../runtime/terminal.ts";
import { kill } from "../sys/proc.ts";
import { closeFd } from "../sys/fs.ts";
import { trace } from "../trace.ts";
import type { CreateOptions } from "./options.ts";
import { createContainer } from "./create.ts";
import { launchContainer } from "./launch.ts";
import { finishContainer } from "./finish.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";
import { ContainerGoneError, withContainerLock } from "./lock.ts";
import { removeWithAnonymousVolumes } from "../volume/cleanup.ts"; // volumes
import { startHealthChecks } from "../health/checker.ts"; // compat-run


export type Warn = (message: string) => void;

export async function runContainer(opts: CreateOptions, warn: Warn): Promise<number> {
  const { record, store } = await createContainer(opts);
  // compat-run: -a picks the streams (stdin too without -i); --sig-proxy=false relays no signal
  const streams = opts.attach ? new Set(opts.attach) : undefined;
  return runAttached(store, record, opts.interactive || streams?.has("stdin") === true, warn, { streams, sigProxy: opts.sigProxy !== false });
}

/** compat-run: which of our streams the container gets (undefined: all), and whether signals are relayed. */
export interface AttachedIo { streams?: ReadonlySet<string>; sigProxy: boolean }

/**
 * Starts a created container with this process as its parent and waits for it (`run`, `start -a`);
 * a --rm container is removed afterwards, whether it ran or failed to start.
 */
export async function runAttached(store: ContainerStore, record: ContainerRecord, interactive: boolean, warn: Warn, io: AttachedIo = { sigProxy: true }): Promise<number> {
  const shown = (stream: string) => (io.streams === undefined || io.streams.has(stream) ? "inherit" : "ignore"); // compat-run
  let pid: number | undefined;
  // Installed before the command can run: a signal sent as soon as it started must reach it, not us.
  const forward = (signal: NodeJS.Signals) => {
    if (pid === undefined) return;
    try { kill(pid, signalNumber(signal)); } catch { /* already gone */ }
  };
  if (io.sigProxy) for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  let terminal: ReturnType<typeof attachTerminal> | undefined;
  let master: number | undefined;
  try {
    const launched = await launchContainer(store, record, {
      stdin: interactive ? "inherit" : "ignore", stdout: shown("stdout"), stderr: shown("stderr"),
    }, {
      spawned: (proc) => { pid = proc.pid; },
      console: (m) => { master = m; terminal = attachTerminal(m, { stdin: interactive }); },
    });
    for (const w of launched.warnings) warn(w);
    const health = startHealthChecks(store, record, warn); // compat-run: the parent probes, here as in the monitor
    await launched.proc.exited;
    await health?.stop();
    trace("run: container exited");
    await terminal?.done;
    return await finishContainer(store, record, launched.proc, launched.cgroup);
  } finally {
    terminal?.detach();
    if (master !== undefined) closeFd(master);
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
    if (record.autoRemove) await removeLocked(store, record);
    trace("run: cleaned up");
  }
}

/** --rm: under the lock, so that no other verb is half-way through a change of it. */
async function removeLocked(store: ContainerStore, record: ContainerRecord): Promise<void> {
  try {
    // volumes: --rm takes the anonymous volumes too (Docker)
    await withContainerLock(store.dir(record.id), record.id, () => removeWithAnonymousVolumes(store, record));
    emitContainerEvent(store.root, record, "destroy"); // compat-sys: events
  } catch (e) {
    if (!(e instanceof ContainerGoneError)) throw e; // rm -f was first
  }
}
