// `system check` for containers: what crashed commands or a damaged disk left in the container store,
// found without changing anything, and with {repair: true} put right where that is safe. A broken record
// is only reported: its container may still run, and `rm -f` (which kills its cgroup) is the user's call.
import { existsSync, readdirSync, unlinkSync } from "node:fs";
import { stagingOwner } from "./staging.ts";
import { join } from "node:path";
import { removeTree } from "../state/atomic.ts";
import { ContainerGoneError, ContainerLock } from "./lock.ts";
import { exitIsLost, hasJournal, settleJournal, settleLostExit, unlinkNameIf } from "./reconcile.ts";
import { ContainerStore } from "./store.ts";
import { storeRoot } from "../image/store.ts";
import { processStartTime } from "./liveness.ts";
import type { Problem as StoreProblem } from "../state/problem.ts";

export type ProblemKind = "unfinished-change" | "corrupt-record" | "lost-exit" | "orphan-name" | "stale-temp";

/** One finding; `id` is the container id, or the name / file the problem is about. */
export interface Problem extends StoreProblem {
  kind: ProblemKind;
}

export function checkContainers(opts: { repair: boolean; store?: ContainerStore }): Problem[] {
  const store = opts.store ?? new ContainerStore(storeRoot());
  const problems: Problem[] = [];
  const note = (kind: ProblemKind, id: string, message: string, repair?: () => boolean) => {
    problems.push({ kind, id, message, repaired: opts.repair && repair !== undefined ? repair() : false });
  };
  for (const id of store.ids()) {
    if (hasJournal(store, id)) {
      // Held: a live command is in the middle of it. Free: its journal decides, once applied, the rest.
      if (!isUnlocked(store.dir(id), id)) continue;
      note("unfinished-change", id, "a create or rename was interrupted", () => settleJournal(store, id) !== undefined);
      if (!opts.repair || !existsSync(store.dir(id))) continue;
    }
    const entry = store.entry(id);
    if (!entry) continue;
    if (!entry.record) {
      note("corrupt-record", id, `unreadable record (${entry.broken}): shown as Dead; \`rm -f ${id.slice(0, 12)}\` removes it`);
      continue;
    }
    if (exitIsLost(entry.record)) {
      note("lost-exit", id, "recorded running, but its process and its parent are gone", () => settleLostExit(store, id) !== undefined);
    }
    for (const file of staleRecordTemps(store.dir(id))) {
      note("stale-temp", join(id, file), "temporary record file of a killed command", () => removeFile(join(store.dir(id), file)));
    }
  }
  for (const name of names(store)) {
    const target = store.nameTarget(name);
    if (target === undefined) continue;
    const entry = /^[0-9a-f]{64}$/.test(target) ? store.entry(target) : undefined;
    if (entry && hasJournal(store, target)) continue; // its journal says which name stays
    const orphan = entry === undefined ? !existsSync(store.dir(target)) : entry.record !== undefined && entry.record.name !== name && isUnlocked(store.dir(target), target);
    if (orphan) note("orphan-name", name, `name points at ${target.slice(0, 12) || "nothing"}, which does not own it`, () => unlinkNameIf(store, name, target));
  }
  for (const file of claimTemps(store)) note("stale-temp", join("names", file), "name claim of a killed command", () => removeFile(join(store.namesDir, file)));
  for (const dir of stagingDirs(store)) {
    note("stale-temp", join("tmp", dir), "container directory of a create killed before it was complete", () => {
      removeTree(join(store.tmpDir, dir), store.tmpDir);
      return true;
    });
  }
  return problems;
}

function isUnlocked(dir: string, id: string): boolean {
  try {
    const lock = ContainerLock.tryAcquireIn(dir, id);
    lock?.release();
    return lock !== null;
  } catch (e) {
    if (e instanceof ContainerGoneError) return false;
    throw e;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}

function names(store: ContainerStore): string[] {
  return list(store.namesDir).filter((n) => !n.startsWith("."));
}

/** replaceFile's `.<name>.<pid>.<random>` files whose writer is dead. */
function staleRecordTemps(dir: string): string[] {
  return list(dir).filter((f) => {
    const m = /^\.[^.].*\.(\d+)\.[0-9a-z]+$/.exec(f);
    return m !== null && processStartTime(Number(m[1])) === undefined;
  });
}

/** `.claim-<id>-<pid>` files of claimName whose writer is dead. */
function claimTemps(store: ContainerStore): string[] {
  return list(store.namesDir).filter((f) => {
    const m = /^\.claim-.*-(\d+)$/.exec(f);
    return m !== null && processStartTime(Number(m[1])) === undefined;
  });
}

function stagingDirs(store: ContainerStore): string[] {
  return list(store.tmpDir).filter((d) => stagingOwner(d) === "dead");
}

function removeFile(path: string): boolean {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  return true;
}
