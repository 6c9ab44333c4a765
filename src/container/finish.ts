// What happens when a container's init has exited, whoever its parent was.
import { constants as os } from "node:os";
import type { Subprocess } from "bun";
import { EXIT } from "../errors.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";
import type { Cgroup } from "../cgroups/index.ts";
import { removeCgroup } from "./cgroup.ts";
import { releaseNetwork } from "../network/release.ts";

/** Docker's convention: the command's own code, or 128+N when signal N killed it. */
export function exitStatus(proc: Subprocess): number {
  const signal = proc.signalCode;
  if (signal !== null && signal !== undefined) return 128 + (typeof signal === "number" ? signal : os.signals[signal as NodeJS.Signals]);
  return proc.exitCode ?? EXIT.ENGINE;
}

/** Records the exit (with the kernel's word on OOM) and removes the cgroup; returns the exit code. */
export async function finishContainer(store: ContainerStore, record: ContainerRecord, proc: Subprocess, cgroup: Cgroup | undefined): Promise<number> {
  const exitCode = exitStatus(proc);
  let oomKilled = false;
  try { oomKilled = cgroup?.oomKilled() ?? false; } catch { /* cgroup already gone */ }
  await removeCgroup(record, cgroup);
  await releaseNetwork(store, record.id); // net-core: veth, IP, ports and rules go with the process
  // The record on disk is the truth: stop/kill/update/rename may have changed it while the container ran.
  // Our copy takes it over whole, so that a restart (supervise.ts) also starts from the current one.
  try { Object.assign(record, store.load(record.id)); } catch { /* removed meanwhile */ }
  record.state = { ...record.state, status: "exited", exitCode, oomKilled, finishedAt: new Date().toISOString(), process: undefined };
  if (!record.autoRemove) {
    try { store.save(record); } catch { /* removed meanwhile (rm -f) */ }
  }
  return exitCode;
}
