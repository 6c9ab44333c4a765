// The container's cgroup: created and entered before the init may go on, removed after the exit.
import { openCgroupManager, type Cgroup, type CgroupManager } from "../cgroups/index.ts";
import { rmdirSync } from "node:fs";
import type { ContainerRecord } from "./store.ts";
import type { DeviceRule } from "../cgroups/devices.ts";

let manager: CgroupManager | undefined;
function cgroups(): CgroupManager {
  return (manager ??= openCgroupManager());
}

export interface Placed { cgroup: Cgroup; devicesEnforced: boolean; warnings: string[] }

/**
 * Creates the cgroup with the container's limits and moves `pid` (the waiting init) into it.
 * `deviceRules`: allowed on top of Docker's defaults (--device, --device-cgroup-rule, --privileged).
 */
export function placeInCgroup(record: ContainerRecord, pid: number, deviceRules: readonly DeviceRule[] = []): Placed {
  let cgroup: Cgroup;
  try {
    cgroup = cgroups().create(record.id, record.cgroupParent);
  } catch {
    // Another container's exit may have removed the (then empty) parent between our mkdirs: once more.
    cgroup = cgroups().create(record.id, record.cgroupParent);
  }
  try {
    const report = cgroup.apply(record.limits ?? {});
    const devices = cgroup.applyDefaultDevices(deviceRules);
    cgroup.addProcess(pid);
    return { cgroup, devicesEnforced: devices.enforced, warnings: report.warnings };
  } catch (e) {
    void cgroup.destroy();
    throw e;
  }
}

export function openContainerCgroup(record: ContainerRecord): Cgroup | undefined {
  return cgroups().open(record.id, record.cgroupParent);
}

/** Removes the container's cgroup, and the shared parent once no container uses it (no leftovers). */
export async function removeCgroup(record: ContainerRecord, cgroup: Cgroup | undefined): Promise<void> {
  await cgroup?.destroy();
  try { cgroups().removeParent(record.cgroupParent); } catch { /* in use by another container */ }
}

// containers-crash: for reconciliation, which runs synchronously inside lookups and `ps`. Only used once
// the container's init is known dead (PID 1 of its namespace: everything in it died too), so the cgroup
// is empty and removing it is a plain rmdir; a cgroup still busy is left for `rm -f` (false).
export function removeEmptyCgroupSync(record: Pick<ContainerRecord, "id" | "cgroupParent">): boolean {
  const cgroup = cgroups().open(record.id, record.cgroupParent);
  let removed = true;
  for (const dir of cgroup?.paths ?? []) {
    try {
      rmdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") removed = false;
      if (code !== "ENOENT" && code !== "EBUSY") throw e;
    }
  }
  try { cgroups().removeParent(record.cgroupParent); } catch { /* in use by another container */ }
  return removed;
}
