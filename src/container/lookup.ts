// Finding a container by name, full id or unique id prefix, as Docker accepts them.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";

/** Docker exits 1 for errors about containers the user named. */
export class NoSuchContainerError extends UserError {
  constructor(ref: string) {
    super(`No such container: ${ref}`, 1);
  }
}

export function findContainer(store: ContainerStore, ref: string): ContainerRecord {
  const bare = ref.startsWith("/") ? ref.slice(1) : ref;
  const byName = join(store.namesDir, bare);
  if (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(bare) && existsSync(byName)) {
    try {
      return store.load(readFileSync(byName, "utf8").trim());
    } catch {
      // A name claimed by a container still being created or removed: fall through to ids.
    }
  }
  if (!/^[0-9a-f]+$/.test(ref)) throw new NoSuchContainerError(ref);
  let ids: string[];
  try { ids = readdirSync(store.containersDir); } catch { ids = []; }
  const matches = ids.filter((id) => id.startsWith(ref));
  if (matches.length === 0) throw new NoSuchContainerError(ref);
  if (matches.length > 1) throw new UserError(`Multiple IDs found with provided prefix: ${ref}`, 1);
  try {
    return store.load(matches[0]!);
  } catch {
    throw new NoSuchContainerError(ref);
  }
}
