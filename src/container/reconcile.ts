// What a crashed (kill -9) minibox command left is put right by the next command that touches it: a
// lookup reconciles the container it finds, `ps`/`prune` the ones they list, a name claim the name it
// collides with. Cheap on the hot path: one journal stat per container touched, and work only when a
// free lock shows that whoever was changing the container is gone.
import { closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { join } from "node:path";
import { removeTree } from "../state/atomic.ts";
import { tryLockExclusive, unlock } from "../sys/flock.ts";
import { clearJournal, readJournal } from "./journal.ts";
import { ContainerGoneError, ContainerLock } from "./lock.ts";
import { isAlive } from "./liveness.ts";
import { LOST_EXIT_CODE } from "./status.ts";
import { removeEmptyCgroupSync } from "./cgroup.ts";
import { NameConflictError, type ContainerRecord, type ContainerStore, type Entry } from "./store.ts";

/** Holds the lock for `fn`; undefined when someone else holds it (they are not done yet). */
function whileLocked<T>(store: ContainerStore, id: string, fn: () => T): T | undefined {
  let lock: ContainerLock | null;
  try {
    lock = ContainerLock.tryAcquireIn(store.dir(id), id);
  } catch (e) {
    if (e instanceof ContainerGoneError) return undefined;
    throw e;
  }
  if (!lock) return undefined;
  try {
    return fn();
  } finally {
    lock.release();
  }
}

/**
 * The container as it should be seen now, after finishing what a dead command left: undefined when it
 * does not exist (any more), or is being created by a live command.
 */
export function reconcile(store: ContainerStore, id: string): Entry | undefined {
  if (hasJournal(store, id)) {
    const settled = settleJournal(store, id);
    if (settled === "gone") return undefined;
    // Held: a live command is in the middle of it. A container being created does not exist yet; one
    // being renamed does (under one of its two names until the rename is done).
    if (settled === undefined && readJournal(store.dir(id))?.op === "create") return undefined;
  }
  const entry = store.entry(id);
  if (entry?.record && exitIsLost(entry.record)) {
    const settled = settleLostExit(store, id);
    if (settled === "removed") return undefined;
    return settled ?? entry; // undefined: someone holds the lock, they will see to it
  }
  return entry;
}

export function hasJournal(store: ContainerStore, id: string): boolean {
  return existsSync(join(store.dir(id), "journal.json"));
}

/** Finishes or rolls back the change a dead command journaled; undefined while its lock is held. */
export function settleJournal(store: ContainerStore, id: string): "gone" | "done" | undefined {
  return whileLocked(store, id, () => applyJournal(store, id));
}

function applyJournal(store: ContainerStore, id: string): "gone" | "done" {
  const dir = store.dir(id);
  const journal = readJournal(dir);
  const entry = store.entry(id);
  if (journal?.op === "create" && !entry?.record) {
    // The creator died before its record was complete: undo it all (the name only if still ours).
    removeTree(dir, mkTmp(store));
    store.releaseName(journal.name, id);
    return "gone";
  }
  if (journal?.op === "rename" && entry?.record) {
    const loser = entry.record.name === journal.to ? journal.from : journal.to;
    store.releaseName(loser, id);
  }
  clearJournal(dir);
  return "done";
}

function mkTmp(store: ContainerStore): string {
  mkdirSync(store.tmpDir, { recursive: true });
  return store.tmpDir;
}

/** Recorded running, but both the process and its parent (who would record the exit) are gone. */
export function exitIsLost(r: ContainerRecord): boolean {
  const s = r.state;
  return s.status === "running" && s.parent !== undefined && !isAlive(s.process) && !isAlive(s.parent);
}

/** Records the exit nobody was left to record; undefined while someone holds the lock. */
export function settleLostExit(store: ContainerStore, id: string): Entry | "removed" | undefined {
  return whileLocked(store, id, (): Entry | "removed" => {
    const record = store.load(id);
    if (!exitIsLost(record)) return { id, record };
    record.state = {
      ...record.state, status: "exited", exitCode: record.state.exitCode ?? LOST_EXIT_CODE, finishedAt: new Date().toISOString(),
      process: undefined, parent: undefined, paused: undefined,
    };
    removeEmptyCgroupSync(record);
    // A --rm container whose parent died is removed once seen exited, as its parent would have done.
    if (record.autoRemove) {
      store.remove(record);
      return "removed";
    }
    store.save(record);
    return { id, record };
  });
}

/** Every container, reconciled, broken ones included. */
export function listEntries(store: ContainerStore): Entry[] {
  return store.ids().flatMap((id) => {
    const e = reconcile(store, id);
    return e ? [e] : [];
  });
}

/**
 * Claims a name; a name left behind by a dead command (its container gone, half-created, or renamed
 * since) is freed first. A name owned by a broken (Dead) entry stays taken until that entry is removed.
 */
export function claimName(store: ContainerStore, name: string, id: string): void {
  try {
    store.claimName(name, id);
    return;
  } catch (e) {
    if (!(e instanceof NameConflictError) || !freeOrphanName(store, name)) throw e;
  }
  store.claimName(name, id);
}

/** True when the name was stale (now removed) or is already gone. */
export function freeOrphanName(store: ContainerStore, name: string): boolean {
  const target = store.nameTarget(name);
  if (target === undefined) return true;
  const entry = /^[0-9a-f]{64}$/.test(target) ? reconcile(store, target) : undefined;
  if (store.nameTarget(name) !== target) return true;
  if (entry) {
    if (!entry.record || entry.record.name === name) return false;
    // The record has another name: a rename that died after switching it; unless one is running now.
    if (whileLocked(store, target, () => true) === undefined) return false;
  } else if (existsSync(store.dir(target))) {
    return false; // being created right now
  }
  return unlinkNameIf(store, name, target);
}

/** Removes names/<name> if it still points at `target`, under the names lock (two repairers, one unlink). */
export function unlinkNameIf(store: ContainerStore, name: string, target: string): boolean {
  const path = join(store.namesDir, ".lock");
  const fd = openSync(path, "a+", 0o600);
  try {
    const deadline = Date.now() + 2_000;
    while (!tryLockExclusive(fd, path)) {
      if (Date.now() > deadline) return false;
      Bun.sleepSync(1);
    }
    try {
      if (store.nameTarget(name) === target) store.releaseName(name, target);
      return true;
    } finally {
      unlock(fd);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A broken entry as a record the verbs can work with: status "dead", the name that points at it, the
 * directory's time as its creation. Only `rm` (and `ps`, `inspect`) do anything with it.
 */
export function asRecord(store: ContainerStore, entry: Entry): ContainerRecord {
  if (entry.record) return entry.record;
  let created = new Date(0).toISOString();
  try { created = statSync(store.dir(entry.id)).mtime.toISOString(); } catch { /* removed meanwhile */ }
  return {
    id: entry.id, name: store.namesOf(entry.id)[0] ?? "", image: "", imageName: "", command: [], created, autoRemove: false,
    state: { status: "dead", error: `unreadable record: ${entry.broken}` },
  };
}
