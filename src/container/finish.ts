// What happens when a container's init has exited, whoever its parent was.
import { emitContainerEvent, emitVolumeMounts } from "../events/emit.ts"; // compat-sys: events
import { mountInfoOfContainer } from "../volume/mount-info.ts"; // compat-sys: events
import { constants as os } from "node:os";
import type { Subprocess } from "bun";
import { EXIT } from "../errors.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";
import type { Cgroup } from "../cgroups/index.ts";
import { removeCgroup } from "./cgroup.ts";
import { releaseNetwork } from "../network/release.ts";
import { ContainerGoneError, ContainerLock } from "./lock.ts";

/** Docker's convention: the command's own code, or 128+N when signal N killed it. */
export function exitStatus(proc: Subprocess): number {
  const signal = proc.signalCode;
  if (signal !== null && signal !== undefined) return 128 + (typeof signal === "number" ? signal : os.signals[signal as NodeJS.Signals]);
  return proc.exitCode ?? EXIT.ENGINE;
}

/** Records the exit (with the kernel's word on OOM) and removes the cgroup; returns the exit code. */
export async function finishContainer(store: ContainerStore, record: ContainerRecord, proc: Subprocess, cgroup: Cgroup | undefined): Promise<number> {
  return recordExit(store, record, exitStatus(proc), cgroup);
}

/** finishContainer's recording step, also for a container whose exit status nobody could wait for. */
export async function recordExit(store: ContainerStore, record: ContainerRecord, exitCode: number, cgroup: Cgroup | undefined): Promise<number> {
  let oomKilled = false;
  try { oomKilled = cgroup?.oomKilled() ?? false; } catch { /* cgroup already gone */ }
  await removeCgroup(record, cgroup);
  await releaseNetwork(store, record.id); // net-core: veth, IP, ports and rules go with the process
  // The record on disk is the truth: stop/kill/update/rename may have changed it while the container ran.
  // Our copy takes it over whole, so that a restart (supervise.ts) also starts from the current one.
  // containers-crash: under the container's lock, so that a rename/pause/stop cannot save a stale copy
  // over the exit (they read the record fresh under the same lock).
  const lock = await lockUnlessGone(store, record.id);
  try {
    try { Object.assign(record, store.load(record.id)); } catch { /* removed meanwhile */ }
    record.state = { ...record.state, status: "exited", exitCode, oomKilled, finishedAt: new Date().toISOString(), process: undefined, parent: undefined, restartingBy: undefined };
    emitContainerEvent(store.root, record, "die", { exitCode: String(exitCode) }); // compat-sys: events (before the save that stop waits for)
    emitVolumeMounts(store.root, record.id, mountInfoOfContainer(store.dir(record.id)), "unmount"); // compat-sys: events
    if (!record.autoRemove && lock) {
      try {
        store.save(record);
      } catch (e) {
        // Removed meanwhile (rm -f) is fine; a full disk is not to be swallowed: the caller logs it.
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
  } finally {
    lock?.release();
  }
  return exitCode;
}

// containers-crash: the container's lock, or undefined when the container was removed meanwhile.
async function lockUnlessGone(store: ContainerStore, id: string): Promise<ContainerLock | undefined> {
  try {
    return await ContainerLock.acquireIn(store.dir(id), id);
  } catch (e) {
    if (e instanceof ContainerGoneError) return undefined;
    throw e;
  }
}
