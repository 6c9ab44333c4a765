// stop, kill, wait, rm, pause, rename, prune: acting on containers that another process (the monitor, or a
// foreground `run`) is the parent of. Every signal goes to a process verified by start time, never to a
// bare recorded pid.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { kill } from "../sys/proc.ts";
import { pidfdOpen, pidfdWait } from "../sys/pidfd.ts";
import { closeFd } from "../sys/fs.ts";
import { openContainerCgroup, removeCgroup } from "./cgroup.ts";
import type { Cgroup } from "../cgroups/index.ts";
import { isAlive } from "./liveness.ts";
import { currentState, LOST_EXIT_CODE } from "./status.ts";
import { parseSignal } from "./signals.ts";
import { validateName } from "./options.ts";
import { NoSuchContainerError } from "./lookup.ts";
import { releaseNetwork } from "../network/release.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";

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
export async function settleExit(store: ContainerStore, id: string): Promise<ContainerRecord | undefined> {
  const deadline = Date.now() + RECORD_DEADLINE_MS;
  for (;;) {
    let record: ContainerRecord;
    try { record = store.load(id); } catch { return undefined; }
    if (record.state.status !== "running") return record;
    if (Date.now() > deadline) {
      record.state = { ...record.state, status: "exited", exitCode: record.state.exitCode ?? LOST_EXIT_CODE, finishedAt: new Date().toISOString(), process: undefined };
      await removeCgroup(record, openContainerCgroup(record));
      store.save(record);
      return record;
    }
    await Bun.sleep(10);
  }
}

function markStoppedByUser(store: ContainerStore, record: ContainerRecord): void {
  record.state.stoppedByUser = true;
  store.save(record);
}

export async function stopContainer(store: ContainerStore, record: ContainerRecord, timeoutSeconds?: number): Promise<void> {
  const state = currentState(record);
  markStoppedByUser(store, record);
  if (!state.running) return;
  const cgroup = openContainerCgroup(record);
  if (state.status === "paused") cgroup?.thaw();
  const timeout = timeoutSeconds ?? record.stopTimeout ?? DEFAULT_STOP_TIMEOUT_S;
  try {
    kill(state.pid!, parseSignal(record.stopSignal ?? "SIGTERM"));
  } catch { /* exited meanwhile */ }
  if (timeout < 0 ? !waitForProcessExit(record, -1) : !waitForProcessExit(record, timeout * 1000)) {
    await killEverything(record, cgroup);
    waitForProcessExit(record, 5_000);
  }
  await settleExit(store, record.id);
}

export async function killContainer(store: ContainerStore, record: ContainerRecord, signal = "SIGKILL"): Promise<void> {
  const number = parseSignal(signal);
  const state = currentState(record);
  if (!state.running) throw new ContainerStateError(`Cannot kill container: ${short(record)}: container ${short(record)} is not running`);
  if (number === 9 || number === 15) markStoppedByUser(store, record);
  if (state.status === "paused" && number === 9) openContainerCgroup(record)?.thaw();
  kill(state.pid!, number);
  if (number === 9) {
    waitForProcessExit(record, 5_000);
    await settleExit(store, record.id);
  }
}

/** `wait`: blocks until the container is not running and returns its exit code. */
export async function waitContainer(store: ContainerStore, record: ContainerRecord): Promise<number> {
  if (currentState(record).running) waitForProcessExit(record, -1);
  const done = await settleExit(store, record.id);
  if (!done) throw new NoSuchContainerError(record.id);
  return done.state.exitCode ?? 0;
}

export async function removeContainer(store: ContainerStore, record: ContainerRecord, force: boolean): Promise<void> {
  const state = currentState(record);
  if (state.running) {
    if (!force) {
      throw new ContainerStateError(`You cannot remove a ${state.status} container ${record.id}. Stop the container before attempting removal or force remove`);
    }
    markStoppedByUser(store, record);
    await killEverything(record, openContainerCgroup(record));
    waitForProcessExit(record, 5_000);
    await settleExit(store, record.id);
  }
  await removeCgroup(record, openContainerCgroup(record));
  await releaseNetwork(store, record.id); // net-core: when no parent was left to release it at exit
  store.remove(record);
}

export function pauseContainer(store: ContainerStore, record: ContainerRecord, pause: boolean): void {
  const state = currentState(record);
  if (!state.running) throw new ContainerStateError(`Container ${short(record)} is not running`);
  if (pause && state.status === "paused") throw new ContainerStateError(`Container ${short(record)} is already paused`);
  if (!pause && state.status !== "paused") throw new ContainerStateError(`Container ${short(record)} is not paused`);
  const cgroup = openContainerCgroup(record);
  if (!cgroup) throw new UserError(`container ${short(record)} has no cgroup to freeze`);
  if (pause) cgroup.freeze();
  else cgroup.thaw();
  record.state.paused = pause;
  store.save(record);
}

export function renameContainer(store: ContainerStore, record: ContainerRecord, newName: string): void {
  const name = validateName(newName);
  if (name === record.name) throw new UserError(`Renaming a container with the same name as its current name`, 1);
  store.claimName(name, record.id);
  const old = record.name;
  record.name = name;
  store.save(record);
  store.releaseName(old, record.id);
}

/** Removes every container that is not running; returns their ids. */
export async function pruneContainers(store: ContainerStore): Promise<string[]> {
  const removed: string[] = [];
  for (const record of store.list()) {
    if (currentState(record).running) continue;
    if (!existsSync(join(store.dir(record.id), "container.json"))) continue;
    await removeContainer(store, record, false);
    removed.push(record.id);
  }
  return removed;
}

export function assertStartable(record: ContainerRecord): void {
  const state = currentState(record);
  if (state.running) throw new ContainerStateError(`container ${record.name} is already running`);
  // A start clears what a previous stop asked for: the restart policy applies again.
  record.state.stoppedByUser = undefined;
}
