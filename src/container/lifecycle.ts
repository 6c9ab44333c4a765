// stop, kill, wait, rm, pause, rename, prune: acting on containers that another process (the monitor, or a
// foreground `run`) is the parent of. Every signal goes to a process verified by start time, never to a
// bare recorded pid.
import { emitContainerEvent } from "../events/emit.ts"; // compat-sys: events
import { UserError } from "../errors.ts";
import { kill } from "../sys/proc.ts";
import { pidfdOpen, pidfdWait } from "../sys/pidfd.ts";
import { closeFd } from "../sys/fs.ts";
import { openContainerCgroup, removeCgroup } from "./cgroup.ts";
import { CgroupError, type Cgroup } from "../cgroups/index.ts";
import { isAlive, type ProcessIdentity } from "./liveness.ts";
import { currentState, LOST_EXIT_CODE } from "./status.ts";
import { ExitWitness } from "./exit-witness.ts";
import { parseSignal } from "./signals.ts";
import { validateName } from "./options.ts";
import { NoSuchContainerError } from "./lookup.ts";
import { releaseNetwork } from "../network/release.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";
import { ContainerGoneError, withContainerLock } from "./lock.ts";
import { clearJournal, writeJournal } from "./journal.ts";
import { claimName } from "./reconcile.ts";
import { trace } from "../trace.ts";
import { CorruptRecordError } from "./record.ts";
import { removeWithAnonymousVolumes } from "../volume/cleanup.ts"; // volumes

const DEFAULT_STOP_TIMEOUT_S = 10;
/** How long the parent may take to record an exit before we record it ourselves. */
const RECORD_DEADLINE_MS = 3_000;

export class ContainerStateError extends UserError {
  constructor(message: string) {
    super(message, 1);
  }
}

function short(record: ContainerRecord): string {
  return record.id.slice(0, 12);
}

/** Blocks until the process is gone or the time is up; true when it is gone. */
function waitForProcessExit(record: ContainerRecord, timeoutMs: number): boolean {
  const p = record.state.process;
  if (!isAlive(p)) return true;
  const fd = pidfdOpen(p.pid);
  if (fd === undefined) return true;
  try {
    // The identity was checked just before the pidfd was taken; a pid reused in between would need the
    // old process to exit and a new one to get the same pid within microseconds.
    return pidfdWait(fd, timeoutMs);
  } finally {
    closeFd(fd);
  }
}

/**
 * SIGKILLs every process of the container (thawing it first). The container's parent removes the cgroup
 * as soon as the init has died, possibly in the middle of the freeze/kill loop: a cgroup that vanished
 * with its init is not an error (the init was PID 1 of the container, so everything else died with it).
 */
async function killEverything(record: ContainerRecord, cgroup: Cgroup | undefined): Promise<void> {
  if (!cgroup) {
    if (isAlive(record.state.process)) try { kill(record.state.process.pid, 9); } catch { /* gone */ }
    return;
  }
  try {
    cgroup.thaw();
    await cgroup.killAll(9);
  } catch (e) {
    if (isAlive(record.state.process)) throw e;
  }
}

/**
 * Waits until the container's parent has recorded the exit. When there is no parent left (its monitor or
 * foreground CLI was killed), records it here, so the next command sees a consistent state. Undefined when
 * the container was removed meanwhile (--rm: its parent removes it right after the exit).
 */
export async function settleExit(store: ContainerStore, id: string, witness?: ExitWitness): Promise<ContainerRecord | undefined> {
  const deadline = Date.now() + RECORD_DEADLINE_MS;
  for (;;) {
    let record: ContainerRecord;
    try {
      record = store.load(id);
    } catch (e) {
      if (e instanceof CorruptRecordError || (e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    if (record.state.status !== "running") return record;
    // A parent known to be dead will never record the exit: no point waiting for it. The exit code comes
    // from the witness (the kernel's proc connector) when one watched; else it is honestly unknown.
    const orphaned = record.state.parent !== undefined && !isAlive(record.state.parent) && !isAlive(record.state.process);
    if (orphaned || Date.now() > deadline) {
      try {
        return await withContainerLock(store.dir(id), id, async () => {
          const fresh = store.load(id);
          if (fresh.state.status !== "running" || isAlive(fresh.state.process)) return fresh;
          // isAlive narrows as a type guard; a dead process is still recorded here.
          const proc = fresh.state.process as ProcessIdentity | undefined;
          const seen = proc ? await witness?.exitCodeOf(proc.pid) : undefined;
          fresh.state = { ...fresh.state, status: "exited", exitCode: seen ?? fresh.state.exitCode ?? LOST_EXIT_CODE, finishedAt: new Date().toISOString(), process: undefined, parent: undefined };
          await removeCgroup(fresh, openContainerCgroup(fresh));
          await releaseNetwork(store, id); // net-core: nobody else is left to release it
          emitContainerEvent(store.root, fresh, "die", { exitCode: String(fresh.state.exitCode) }); // compat-sys: events
          store.save(fresh);
          return fresh;
        });
      } catch (e) {
        if (e instanceof ContainerGoneError) return undefined;
        throw e;
      }
    }
    await Bun.sleep(10);
  }
}

/** On the record as it is now (under the lock): a stale copy must never overwrite an exit just recorded. */
async function markStoppedByUser(store: ContainerStore, record: ContainerRecord): Promise<void> {
  record.state.stoppedByUser = true;
  try {
    await withContainerLock(store.dir(record.id), record.id, () => {
      const fresh = store.load(record.id);
      fresh.state.stoppedByUser = true;
      store.save(fresh);
    });
  } catch (e) {
    if (!(e instanceof ContainerGoneError)) throw e; // removed meanwhile (--rm): nothing left to mark
  }
}

export async function stopContainer(store: ContainerStore, record: ContainerRecord, timeoutSeconds?: number): Promise<void> {
  const state = currentState(record);
  if (state.status === "dead") throw new ContainerStateError(`Cannot stop container ${short(record)}: its record is unreadable (rm -f removes it)`);
  await markStoppedByUser(store, record);
  if (!state.running) return;
  const cgroup = openContainerCgroup(record);
  if (state.status === "paused") cgroup?.thaw();
  const timeout = timeoutSeconds ?? record.stopTimeout ?? DEFAULT_STOP_TIMEOUT_S;
  const witness = witnessIfOrphaned(record);
  try {
    kill(state.pid!, parseSignal(record.stopSignal ?? "SIGTERM"));
  } catch { /* exited meanwhile */ }
  emitContainerEvent(store.root, record, "kill", { signal: String(parseSignal(record.stopSignal ?? "SIGTERM")) }); // compat-sys: events
  if (timeout < 0 ? !waitForProcessExit(record, -1) : !waitForProcessExit(record, timeout * 1000)) {
    emitContainerEvent(store.root, record, "kill", { signal: "9" }); // compat-sys: events (Docker's escalation)
    await killEverything(record, cgroup);
    waitForProcessExit(record, 5_000);
  }
  try {
    await settleExit(store, record.id, witness);
  } finally {
    witness?.close();
  }
  emitContainerEvent(store.root, record, "stop"); // compat-sys: events
}

/** With no parent left to wait() for the container, subscribe to its exit event (monitor area). */
function witnessIfOrphaned(record: ContainerRecord): ExitWitness | undefined {
  const { parent, process: init } = record.state;
  if (parent === undefined || isAlive(parent) || !isAlive(init)) return undefined;
  const witness = ExitWitness.open();
  witness?.watch(init.pid);
  return witness;
}

export async function killContainer(store: ContainerStore, record: ContainerRecord, signal = "SIGKILL"): Promise<void> {
  const number = parseSignal(signal);
  const state = currentState(record);
  if (!state.running) throw new ContainerStateError(`Cannot kill container: ${short(record)}: container ${short(record)} is not running`);
  if (number === 9 || number === 15) await markStoppedByUser(store, record);
  if (state.status === "paused" && number === 9) openContainerCgroup(record)?.thaw();
  const witness = number === 9 ? witnessIfOrphaned(record) : undefined;
  try {
    kill(state.pid!, number);
    emitContainerEvent(store.root, record, "kill", { signal: String(number) }); // compat-sys: events
    if (number === 9) {
      waitForProcessExit(record, 5_000);
      await settleExit(store, record.id, witness);
    }
  } finally {
    witness?.close();
  }
}

/** `wait`: blocks until the container is not running and returns its exit code. */
export async function waitContainer(store: ContainerStore, record: ContainerRecord): Promise<number> {
  const witness = witnessIfOrphaned(record);
  let done: ContainerRecord | undefined;
  try {
    if (currentState(record).running) waitForProcessExit(record, -1);
    done = await settleExit(store, record.id, witness);
  } finally {
    witness?.close();
  }
  if (done) return done.state.exitCode ?? 0;
  // Removed meanwhile (--rm): its parent kept the exit code for us.
  const kept = store.keptExit(record.id);
  if (kept === undefined) throw new NoSuchContainerError(record.id);
  return kept;
}

export async function removeContainer(store: ContainerStore, record: ContainerRecord, force: boolean, removeVolumes = false): Promise<void> {
  const state = currentState(record);
  if (state.running) {
    if (!force) {
      throw new ContainerStateError(`You cannot remove a ${state.status} container ${record.id}. Stop the container before attempting removal or force remove`);
    }
    await markStoppedByUser(store, record);
    emitContainerEvent(store.root, record, "kill", { signal: "9" }); // compat-sys: events
    await killEverything(record, openContainerCgroup(record));
    waitForProcessExit(record, 5_000);
    await settleExit(store, record.id);
  }
  // A broken entry: whatever still runs in its cgroup (derivable from the id) is killed with it.
  const dead = state.status === "dead";
  if (dead && !force && (openContainerCgroup(record)?.pids().length ?? 0) > 0) {
    throw new ContainerStateError(`You cannot remove a dead container ${record.id} that still has processes. Force remove it`);
  }
  await withContainerLock(store.dir(record.id), record.id, async () => {
    const fresh = store.entry(record.id);
    if (fresh?.record && currentState(fresh.record).running) throw new ContainerStateError(`container ${short(record)} was started meanwhile`);
    const current = fresh?.record ?? record;
    if (dead) await removeVanishingCgroup(current);
    else await removeCgroup(current, openContainerCgroup(current));
    if (removeVolumes) removeWithAnonymousVolumes(store, current); // volumes: rm -v
    else store.remove(current);
    await releaseNetwork(store, current.id); // net-core: when no parent was left to release it at exit
    if (dead) for (const name of store.namesOf(record.id)) store.releaseName(name, record.id);
  });
  emitContainerEvent(store.root, record, "destroy"); // compat-sys: events
}

/**
 * A Dead entry's cgroup: its processes are killed with it, and its parent (a monitor or CLI that still
 * runs) may remove the same cgroup at the same moment once its init died. Vanishing meanwhile (ENOENT,
 * ENODEV from a file of a removed cgroup) is success; any other failure is reported.
 */
async function removeVanishingCgroup(record: ContainerRecord): Promise<void> {
  try {
    await removeCgroup(record, openContainerCgroup(record));
  } catch (e) {
    if (!(e instanceof CgroupError) || (e.errno !== "ENOENT" && e.errno !== "ENODEV")) throw e;
    await removeCgroup(record, openContainerCgroup(record)); // what is left of it, if anything
  }
}

export async function pauseContainer(store: ContainerStore, record: ContainerRecord, pause: boolean): Promise<void> {
  await withContainerLock(store.dir(record.id), record.id, () => {
    const fresh = store.load(record.id);
    const state = currentState(fresh);
    if (!state.running) throw new ContainerStateError(`Container ${short(fresh)} is not running`);
    if (pause && state.status === "paused") throw new ContainerStateError(`Container ${short(fresh)} is already paused`);
    if (!pause && state.status !== "paused") throw new ContainerStateError(`Container ${short(fresh)} is not paused`);
    const cgroup = openContainerCgroup(fresh);
    if (!cgroup) throw new UserError(`container ${short(fresh)} has no cgroup to freeze`);
    if (pause) cgroup.freeze();
    else cgroup.thaw();
    fresh.state.paused = pause;
    store.save(fresh);
    emitContainerEvent(store.root, fresh, pause ? "pause" : "unpause"); // compat-sys: events
  });
}

/** Journaled: a kill -9 at any step leaves one name for the container once the journal is applied. */
export async function renameContainer(store: ContainerStore, record: ContainerRecord, newName: string): Promise<void> {
  const name = validateName(newName);
  const dir = store.dir(record.id);
  await withContainerLock(dir, record.id, () => {
    const fresh = store.load(record.id);
    if (name === fresh.name) throw new UserError(`Renaming a container with the same name as its current name`, 1);
    const old = fresh.name;
    writeJournal(dir, { op: "rename", from: old, to: name });
    try {
      claimName(store, name, fresh.id);
    } catch (e) {
      clearJournal(dir);
      throw e;
    }
    trace("rename: name claimed");
    fresh.name = name;
    store.save(fresh);
    trace("rename: record saved");
    store.releaseName(old, fresh.id);
    clearJournal(dir);
    emitContainerEvent(store.root, fresh, "rename", { oldName: `/${old}` }); // compat-sys: events
  });
}

export function assertStartable(record: ContainerRecord): void {
  const state = currentState(record);
  if (state.running) throw new ContainerStateError(`container ${record.name} is already running`);
  if (state.status === "dead") throw new ContainerStateError(`container ${record.id.slice(0, 12)} cannot be started: its record is unreadable (rm -f removes it)`);
  // A start clears what a previous stop asked for: the restart policy applies again.
  record.state.stoppedByUser = undefined;
}
