// Status as runc reports it, derived every time from the kernel: the init alive (pid and start time
// unchanged) and still parked on its exec FIFO → created; alive and its cgroup frozen → paused; alive →
// running; otherwise stopped.
import { existsSync, readFileSync } from "node:fs";
import { isAlive } from "../container/liveness.ts";
import type { Cgroup } from "../cgroups/index.ts";
import { openCgroupManager } from "../cgroups/index.ts";
import type { RuntimeRecord, RuntimeStore } from "./store.ts";
import { DEFAULT_CGROUP_PARENT } from "./bundle-spec.ts";

export type Status = "creating" | "created" | "running" | "paused" | "stopped";

export function statusOf(store: RuntimeStore, record: RuntimeRecord | undefined): Status {
  if (!record?.init) return "creating";
  if (!isAlive(record.init)) return "stopped";
  if (existsSync(store.fifo(record.id))) return "created";
  if (isFrozen(cgroupOf(record))) return "paused";
  return "running";
}

export function cgroupOf(record: RuntimeRecord): Cgroup | undefined {
  return openCgroupManager().open(record.cgroup.name, record.cgroup.parent);
}

/**
 * Removes the container's cgroup; our own default parent goes too once empty. A parent the caller named
 * (kubepods/…, a containerd namespace) belongs to the caller, as with runc.
 */
export async function destroyCgroup(cgroup: Cgroup | undefined, parent: string): Promise<void> {
  await cgroup?.destroy();
  if (parent === DEFAULT_CGROUP_PARENT) openCgroupManager().removeParent(DEFAULT_CGROUP_PARENT);
}

function isFrozen(cgroup: Cgroup | undefined): boolean {
  for (const dir of cgroup?.paths ?? []) {
    for (const [file, frozen] of [["freezer.state", "FROZEN"], ["cgroup.freeze", "1"]] as const) {
      try {
        if (readFileSync(`${dir}/${file}`, "utf8").trim() === frozen) return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
  }
  return false;
}

/** runc's `state` JSON (runtime-spec state plus runc's rootfs, created and owner). */
export function stateJson(store: RuntimeStore, record: RuntimeRecord | undefined, id: string): Record<string, unknown> {
  const status = statusOf(store, record);
  return {
    ociVersion: record?.ociVersion ?? "1.0.2",
    id,
    pid: status === "stopped" || !record?.init ? 0 : record.init.pid,
    status,
    bundle: record?.bundle ?? "",
    rootfs: record?.rootfs ?? "",
    created: record?.created ?? "",
    owner: record?.owner ?? "",
    annotations: record?.annotations ?? {},
  };
}
