// `update`: new limits (and restart policy) for a container. A running one gets them in its cgroup at
// once; every container gets them in its record, which inspect shows and the next start applies.
import { emitContainerEvent } from "../events/emit.ts"; // compat-sys: events
import { UserError } from "../errors.ts";
import type { Limits } from "../cgroups/index.ts";
import { openContainerCgroup } from "./cgroup.ts";
import { currentState } from "./status.ts";
import { withContainerLock } from "./lock.ts";
import type { ContainerRecord, ContainerStore, RestartPolicy } from "./store.ts";

export interface UpdateRequest {
  /** Only the limits the user gave (limitsFromFlags with creating=false: no implied memory+swap). */
  limits: Limits;
  restartPolicy?: RestartPolicy;
}

export class UpdateConflictError extends UserError {
  constructor(message: string) {
    super(`Cannot update container: ${message}`);
  }
}

/**
 * Checks the request against what the container already has, in Docker's terms: --cpus and
 * --cpu-period/--cpu-quota exclude each other across updates too, and memory may not pass the
 * memory+swap limit already set unless --memory-swap changes with it (the kernel would refuse it).
 */
export function checkUpdate(current: Limits, req: UpdateRequest, autoRemove: boolean): void {
  const l = req.limits;
  const conflict = (m: string) => { throw new UpdateConflictError(`Conflicting options: ${m}`); };
  if (l.cpus !== undefined && l.cpus > 0) {
    if ((current.cpuPeriod ?? 0) > 0) conflict("CPU Period cannot be updated as NanoCPUs has already been set");
    if ((current.cpuQuota ?? 0) > 0) conflict("CPU Quota cannot be updated as NanoCPUs has already been set");
  }
  if ((current.cpus ?? 0) > 0) {
    if ((l.cpuPeriod ?? 0) > 0) conflict("CPU Period cannot be updated as NanoCPUs has already been set");
    if ((l.cpuQuota ?? 0) > 0) conflict("CPU Quota cannot be updated as NanoCPUs has already been set");
  }
  const swap = l.memorySwap ?? current.memorySwap ?? 0;
  const memory = l.memory ?? current.memory ?? 0;
  if (l.memory !== undefined && l.memory > 0 && l.memorySwap === undefined && swap > 0 && l.memory > swap) {
    throw new UpdateConflictError("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
  }
  if (l.memorySwap !== undefined && l.memorySwap > 0 && memory > 0 && l.memorySwap < memory) {
    throw new UpdateConflictError("Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  if (req.restartPolicy && req.restartPolicy.name !== "no" && autoRemove) {
    throw new UpdateConflictError("Restart policy cannot be updated because AutoRemove is enabled for the container");
  }
}

/** What `limits` becomes after the update: each value given replaces the old one, the rest stay. */
export function mergeLimits(current: Limits, update: Limits): Limits {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(update)) if (value !== undefined) merged[key] = value;
  return merged as Limits;
}

/** Applies and records the update; returns the kernel's warnings (limits this host cannot enforce). */
export async function updateContainer(store: ContainerStore, record: ContainerRecord, req: UpdateRequest): Promise<string[]> {
  const current = record.limits ?? {};
  checkUpdate(current, req, record.autoRemove);
  let warnings: string[] = [];
  if (currentState(record).running) {
    const cgroup = openContainerCgroup(record);
    if (!cgroup) throw new UserError(`Cannot update container ${record.id.slice(0, 12)}: its cgroup is gone`);
    // Only what changed is written: rewriting unchanged limits could fail (memory under current usage).
    warnings = cgroup.apply(req.limits).warnings;
  }
  // Re-read under the container's lock just before saving, so that a state change recorded meanwhile
  // (an exit) is kept (containers-crash).
  await withContainerLock(store.dir(record.id), record.id, () => {
    const latest = store.load(record.id);
    latest.limits = mergeLimits(latest.limits ?? {}, req.limits);
    if (req.restartPolicy) latest.restartPolicy = req.restartPolicy;
    store.save(latest);
  });
  emitContainerEvent(store.root, record, "update"); // compat-sys: events
  return warnings;
}
