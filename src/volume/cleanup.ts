// Removing the anonymous volumes of a container that goes away (`rm -v`, `run --rm`): only those made
// for it, and only when no other container record still names them (--volumes-from shares them).
import { mountInfoOfContainer, type MountInfo } from "./mount-info.ts";
import { VolumeStore } from "./store.ts";
import { volumeUsers } from "./usage.ts";
import { NoSuchVolumeError } from "./errors.ts";
import { withStoreLock } from "../state/store-lock.ts";

export function anonymousVolumes(info: readonly MountInfo[]): string[] {
  return info.filter((m) => m.Type === "volume" && m.Anonymous && m.Name).map((m) => m.Name!);
}

/** Call after the container's record is gone, so it no longer counts as a user. */
export function removeUnusedVolumes(root: string, names: readonly string[]): void {
  if (names.length === 0) return;
  const store = new VolumeStore(root);
  const users = volumeUsers(root);
  for (const name of names) {
    if (users.has(name)) continue;
    try {
      store.remove(name);
    } catch (e) {
      if (!(e instanceof NoSuchVolumeError)) throw e; // removed meanwhile by someone else
    }
  }
}

/**
 * Removes a container's record and then the anonymous volumes only it used (`run --rm`, `rm -v`). The
 * volumes under the store lock (exclusive), as `volume rm`: a `run --volumes-from` of this container that
 * is being created either names them in its record first (they stay) or finds the donor gone.
 */
export function removeWithAnonymousVolumes(store: { root: string; dir(id: string): string; remove(r: { id: string; name: string }): void }, record: { id: string; name: string }): void {
  const anonymous = anonymousVolumes(mountInfoOfContainer(store.dir(record.id)));
  store.remove(record);
  if (anonymous.length) withStoreLock(store.root, "exclusive", () => removeUnusedVolumes(store.root, anonymous));
}
