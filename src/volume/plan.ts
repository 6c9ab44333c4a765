// Which mounts a new container gets, by destination: the user's -v/--mount/--tmpfs first (two of them on
// one path is Docker's "Duplicate mount point"), then --volumes-from, then the image's VOLUMEs as new
// anonymous volumes. Pure: no file is touched here.
import { UserError } from "../errors.ts";
import { normalizeDestination } from "../oci/mount-policy.ts";
import type { MountInfo } from "./mount-info.ts";
import type { MountRequest } from "./mount-request.ts";
import { checkDestination } from "./volume-flag.ts";

export interface VolumesFrom {
  /** The donor's mount records. */
  mounts: MountInfo[];
  /** ":ro"/":rw" after the container's name; undefined keeps each mount's own mode. */
  mode?: "ro" | "rw";
}

/** `--volumes-from CTR[:ro|rw]` → the reference and the mode. */
export function parseVolumesFrom(value: string): { container: string; mode?: "ro" | "rw" } {
  const [container, mode, ...rest] = value.split(":");
  if (!container || rest.length > 0 || (mode !== undefined && mode !== "ro" && mode !== "rw")) {
    throw new UserError(`invalid mode: ${mode ?? value}`);
  }
  return { container, mode: mode as "ro" | "rw" | undefined };
}

export function planMounts(user: readonly MountRequest[], tmpfsDestinations: readonly string[], from: readonly VolumesFrom[], imageVolumes: readonly string[]): MountRequest[] {
  const taken = new Set<string>();
  const plan: MountRequest[] = [];
  const take = (destination: string): boolean => {
    const key = normalizeDestination(destination);
    if (taken.has(key)) return false;
    taken.add(key);
    return true;
  };
  for (const d of tmpfsDestinations) take(d);
  for (const m of user) {
    if (!take(m.destination)) throw new UserError(`Duplicate mount point: ${normalizeDestination(m.destination)}`);
    plan.push(m);
  }
  for (const donor of from) {
    for (const m of donor.mounts) {
      if (m.Type === "tmpfs" || !take(m.Destination)) continue; // a tmpfs is the donor's own, not shared
      const readonly = donor.mode === undefined ? !m.RW : donor.mode === "ro";
      if (m.Type === "volume") {
        plan.push({ type: "volume", name: m.Name, destination: m.Destination, readonly, nocopy: true, driverOptions: {}, labels: {}, mode: m.Mode });
      } else {
        plan.push({ type: "bind", source: m.Source, destination: m.Destination, readonly, createSource: false, mode: m.Mode, propagation: m.Propagation ? (m.Propagation as never) : undefined });
      }
    }
  }
  for (const d of imageVolumes) {
    checkDestination(`${d} (image VOLUME)`, d, "volume"); // the image is as untrusted as a flag
    if (!take(d)) continue;
    plan.push({ type: "volume", destination: d, readonly: false, nocopy: false, driverOptions: {}, labels: {}, mode: "" });
  }
  return plan;
}
