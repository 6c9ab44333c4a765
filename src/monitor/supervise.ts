// Watching one detached container: its output into the json-file log, its exit into its record, and
// its restart policy applied. A container is watched either as our child (started here: its exit status
// is ours to wait for) or adopted (started by a monitor that died: only its end can be seen, through a
// pidfd, and its exit code only through the kernel's proc connector — see docs/architecture.md, "What a
// dead monitor can and cannot lose").
import { emitContainerEvent } from "../events/emit.ts"; // compat-sys: events
import { closeSync } from "node:fs";
import { launchContainer, type Launched } from "../container/launch.ts";
import { finishContainer, recordExit } from "../container/finish.ts";
import { openContainerCgroup } from "../container/cgroup.ts";
import { identify, isAlive, type ProcessIdentity } from "../container/liveness.ts";
import { LOST_EXIT_CODE } from "../container/status.ts";
import type { ContainerRecord, ContainerStore } from "../container/store.ts";
import { DiscardLog, JsonFileLog, logPath, type DropReporter, type LogSink } from "../logs/json-file.ts";
import { rotation } from "../logs/log-config.ts"; // compat-run
import { readMaster } from "../runtime/terminal.ts";
import { closeFd } from "../sys/fs.ts";
import { pidfdOpen, pidfdWait } from "../sys/pidfd.ts";
import type { ExitWitness } from "../container/exit-witness.ts";
import { describe, monitorLog } from "./log.ts";
import { drainOutput, openOutputPipes, reopenOutput, type OutputReaders } from "./output.ts";
import { removeWithAnonymousVolumes } from "../volume/cleanup.ts"; // volumes
import { startHealthChecks } from "../health/checker.ts"; // compat-run
import { openContainerStdin, openTerminalStdin } from "../container/stdin-fifo.ts"; // compat-run
import { relayToMaster } from "./terminal-stdin.ts"; // compat-run
import { ContainerGoneError, withContainerLock } from "../container/lock.ts"; // compat-run

export interface Supervised { id: string; done: Promise<void> }

const RESET_BACKOFF_AFTER_MS = 10_000;
/** How often an adopted container (not our child: no SIGCHLD) is checked for its end. */
const ADOPTED_POLL_MS = 100;

interface Running { launched: Launched; readers?: OutputReaders; /** compat-run: a -t -i container's stdin FIFO */ terminalStdin?: number }

function openLog(store: ContainerStore, record: ContainerRecord): LogSink {
  const id = record.id;
  if (record.logConfig?.Type === "none") return new DiscardLog(); // compat-run
  const { maxSize, maxFiles } = rotation(record.logConfig); // compat-run: --log-opt max-size/max-file
  const report: DropReporter = (event) => monitorLog(event.dropping
    ? `container ${id}: log full, dropping lines (${event.error})`
    : `container ${id}: logging again; ${event.dropped} line(s) dropped so far`);
  return new JsonFileLog(logPath(store.dir(id), id), maxSize, maxFiles, report);
}

/** Starts the container and returns once its command runs; `done` settles after its final exit. */
export async function supervise(store: ContainerStore, id: string): Promise<{ launched: Launched; supervised: Supervised }> {
  const record = store.load(id);
  const log = openLog(store, record);
  let first: Running;
  try {
    first = await start(store, record);
  } catch (e) {
    log.close();
    throw e;
  }
  const done = watch(store, record, log, first).catch((e) => monitorLog(`container ${id}: ${describe(e)}`));
  return { launched: first.launched, supervised: { id, done } };
}

/**
 * Takes over a running container whose recorded parent is dead: drains its FIFOs again, waits for its end,
 * records it and applies its restart policy. Undefined when there is nothing to adopt. The exit code comes
 * from `witness` (the kernel's proc connector) when it saw the exit, else it is recorded as unknown (-1).
 */
export function adopt(store: ContainerStore, record: ContainerRecord, witness: ExitWitness | undefined): Supervised | undefined {
  const { process: init, parent } = record.state;
  // No recorded parent: started by a minibox that did not record one, whose monitor may well be alive.
  if (record.state.status !== "running" || !isAlive(init) || parent === undefined || isAlive(parent)) return undefined;
  witness?.watch(init.pid);
  const pidfd = pidfdOpen(init.pid);
  if (pidfd === undefined) return undefined;
  let opened: LogSink | undefined;
  let readers: OutputReaders | undefined;
  try {
    record.state.parent = identify(process.pid);
    store.save(record);
    opened = openLog(store, record);
    readers = reopenOutput(store.dir(record.id));
  } catch (e) {
    opened?.close();
    closeFd(pidfd);
    throw e;
  }
  const log = opened;
  const output = readers ? drainOutput(readers, log, record.id) : Promise.resolve();
  const health = startHealthChecks(store, record, monitorLog, true); // compat-run: probing resumes under the new parent
  const done = (async () => {
    try {
      await Promise.all([output, endOf(pidfd, init, witness)]);
    } finally {
      closeFd(pidfd);
      await health?.stop();
    }
    log.flush();
    const seen = await witness?.exitCodeOf(init.pid);
    const exitCode = await recordExit(store, record, seen ?? LOST_EXIT_CODE, openContainerCgroup(record));
    monitorLog(`container ${record.id}: adopted container ended, exit code ${seen ?? "unknown"}`);
    if (shouldRestart(store, record, exitCode)) await restartLoop(store, record, log, exitCode);
    else finishWatching(store, record, log);
  })().catch((e) => monitorLog(`container ${record.id}: ${describe(e)}`));
  return { id: record.id, done };
}

async function endOf(pidfd: number, p: ProcessIdentity, witness: ExitWitness | undefined): Promise<void> {
  while (isAlive(p) && !pidfdWait(pidfd, 0)) {
    witness?.collect(); // every exit on the host is queued for us: keep the queue short
    await Bun.sleep(ADOPTED_POLL_MS);
  }
}

async function start(store: ContainerStore, record: ContainerRecord): Promise<Running> {
  const terminal = await usesTerminal(store, record);
  if (terminal) {
    // compat-run: what `attach` writes to stdin.fifo goes into the pty (drain() relays it)
    const terminalStdin = record.interactive ? openTerminalStdin(store.dir(record.id)) : undefined;
    try {
      return { launched: await launchContainer(store, record, { stdin: "ignore", stdout: "ignore", stderr: "ignore" }), terminalStdin };
    } catch (e) {
      if (terminalStdin !== undefined) closeSync(terminalStdin);
      throw e;
    }
  }
  const pipes = openOutputPipes(store.dir(record.id));
  let stdin: number | undefined;
  try {
    stdin = record.interactive ? openContainerStdin(store.dir(record.id)) : undefined; // compat-run: for attach
    const launched = await launchContainer(store, record, { stdin: stdin ?? "ignore", stdout: pipes.writers.stdout, stderr: pipes.writers.stderr });
    return { launched, readers: pipes.readers };
  } catch (e) {
    closeSync(pipes.readers.stdout);
    closeSync(pipes.readers.stderr);
    throw e;
  } finally {
    // The init has its own copies now; ours would keep the FIFOs from ever reaching EOF.
    closeSync(pipes.writers.stdout);
    closeSync(pipes.writers.stderr);
    if (stdin !== undefined) closeSync(stdin);
  }
}

async function usesTerminal(store: ContainerStore, record: ContainerRecord): Promise<boolean> {
  const spec = (await Bun.file(`${store.dir(record.id)}/config.json`).json()) as { process?: { terminal?: boolean } };
  return spec.process?.terminal === true;
}

async function watch(store: ContainerStore, record: ContainerRecord, log: LogSink, first: Running): Promise<void> {
  const startedAt = Date.now();
  const health = startHealthChecks(store, record, monitorLog); // compat-run
  await Promise.all([drain(first, log, record.id), first.launched.proc.exited]);
  await health?.stop();
  log.flush();
  const exitCode = await finishContainer(store, record, first.launched.proc, first.launched.cgroup);
  if (shouldRestart(store, record, exitCode)) await restartLoop(store, record, log, exitCode, Date.now() - startedAt);
  else finishWatching(store, record, log);
}

async function restartLoop(store: ContainerStore, record: ContainerRecord, log: LogSink, lastExit: number, lastRunMs = 0): Promise<void> {
  let backoff = 100;
  let ranFor = lastRunMs;
  let exitCode = lastExit;
  for (;;) {
    backoff = ranFor > RESET_BACKOFF_AFTER_MS ? 100 : Math.min(backoff * 2, 60_000);
    await markRestarting(store, record, true); // compat-run: ps shows "Restarting (N) … ago" meanwhile
    await Bun.sleep(backoff);
    if (!shouldRestart(store, record, exitCode)) break; // stopped or removed while we waited
    record.state.restartCount = (record.state.restartCount ?? 0) + 1;
    let current: Running;
    try {
      current = await start(store, record);
    } catch (e) {
      monitorLog(`container ${record.id}: restart failed: ${describe(e)}`);
      break; // the record says why (launch saved the error)
    }
    const startedAt = Date.now();
    const health = startHealthChecks(store, record, monitorLog); // compat-run
    await Promise.all([drain(current, log, record.id), current.launched.proc.exited]);
    await health?.stop();
    log.flush();
    exitCode = await finishContainer(store, record, current.launched.proc, current.launched.cgroup);
    ranFor = Date.now() - startedAt;
    if (!shouldRestart(store, record, exitCode)) break;
  }
  finishWatching(store, record, log);
}

function finishWatching(store: ContainerStore, record: ContainerRecord, log: LogSink): void {
  log.close();
  void markRestarting(store, record, false).catch((e) => monitorLog(`container ${record.id}: ${describe(e)}`)); // compat-run
  if (record.autoRemove) removeWithAnonymousVolumes(store, record); // volumes: --rm takes the anonymous volumes too (Docker)
  if (record.autoRemove) emitContainerEvent(store.root, record, "destroy"); // compat-sys: events
}

function shouldRestart(store: ContainerStore, record: ContainerRecord, exitCode: number): boolean {
  let latest: ContainerRecord;
  try { latest = store.load(record.id); } catch { return false; }
  if (latest.state.stoppedByUser) return false;
  const policy = latest.restartPolicy;
  if (!policy || policy.name === "no") return false;
  if (policy.name === "on-failure") {
    return exitCode !== 0 && (policy.maximumRetryCount === 0 || (latest.state.restartCount ?? 0) < policy.maximumRetryCount);
  }
  return true;
}

/** Copies the container's output into the log until both streams (or the terminal) end. */
async function drain(running: Running, log: LogSink, id: string): Promise<void> {
  const master = running.launched.master;
  if (master !== undefined) {
    const reader = readMaster(master, (chunk) => {
      try { log.write("stdout", chunk); } catch (e) { monitorLog(`container ${id}: output lost: ${describe(e)}`); }
    });
    const input = running.terminalStdin === undefined ? undefined : relayToMaster(running.terminalStdin, master, id); // compat-run
    await reader.done;
    await input?.stop();
    closeFd(master);
    return;
  }
  if (running.readers) await drainOutput(running.readers, log, id);
}

/** compat-run: marks (or clears) this monitor as the one about to restart the container, under its lock. */
async function markRestarting(store: ContainerStore, record: ContainerRecord, on: boolean): Promise<void> {
  try {
    await withContainerLock(store.dir(record.id), record.id, () => {
      const latest = store.load(record.id);
      if (latest.state.status !== "exited" || (latest.state.restartingBy !== undefined) === on) return;
      latest.state.restartingBy = on ? identify(process.pid) : undefined;
      store.save(latest);
      record.state.restartingBy = latest.state.restartingBy;
    });
  } catch (e) {
    if (!(e instanceof ContainerGoneError)) throw e; // removed meanwhile: nothing to show
  }
}
