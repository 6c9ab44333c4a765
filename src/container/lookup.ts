// Finding a container by name, full id or unique id prefix, as Docker accepts them.
import { UserError } from "../errors.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";
import { asRecord, reconcile } from "./reconcile.ts";

/** Docker exits 1 for errors about containers the user named. */
export class NoSuchContainerError extends UserError {
  constructor(ref: string) {
    super(`No such container: ${ref}`, 1);
  }
}

/**
 * The container, after reconciling what a crashed command may have left of it; a broken entry comes back
 * as a "dead" record (which `rm` removes), never as "No such container".
 */
export function findContainer(store: ContainerStore, ref: string): ContainerRecord {
  const bare = ref.startsWith("/") ? ref.slice(1) : ref;
  if (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(bare)) {
    const target = store.nameTarget(bare);
    const entry = target !== undefined && /^[0-9a-f]{64}$/.test(target) ? reconcile(store, target) : undefined;
    // Else: a name claimed by a container still being created or removed: fall through to ids.
    if (entry) return asRecord(store, entry);
  }
  if (!/^[0-9a-f]+$/.test(ref)) throw new NoSuchContainerError(ref);
  const matches = store.ids().filter((id) => id.startsWith(ref));
  if (matches.length === 0) throw new NoSuchContainerError(ref);
  if (matches.length > 1) throw new UserError(`Multiple IDs found with provided prefix: ${ref}`, 1);
  const entry = reconcile(store, matches[0]!);
  if (!entry) throw new NoSuchContainerError(ref);
  return asRecord(store, entry);
}
