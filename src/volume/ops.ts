// The `volume` verbs as domain operations: create, list (with filters), inspect, remove, prune. Errors
// about volumes are the daemon's in Docker, so they exit 1; bad flags exit 125 (the CLI's).
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { VolumeStore, type VolumeRecord } from "./store.ts";
import { newAnonymousName, validateVolumeName } from "./names.ts";
import { validateDriverOptions } from "./driver-options.ts";
import { volumeUsers } from "./usage.ts";
import { NoSuchVolumeError, VolumeInUseError } from "./errors.ts";
import { withStoreLock } from "../state/store-lock.ts";

export interface CreateRequest {
  name?: string;
  driver?: string;
  options: Record<string, string>;
  labels: Record<string, string>;
}

/** As the daemon answers: its errors exit 1. */
function daemonError(e: unknown): never {
  if (e instanceof UserError && e.exitCode !== 1) throw new UserError(e.message, 1);
  throw e;
}

export function createVolume(root: string, req: CreateRequest): VolumeRecord {
  const name = req.name ?? newAnonymousName();
  try {
    if (req.driver !== undefined && req.driver !== "local") throw new UserError(`error looking up volume plugin ${req.driver}: plugin "${req.driver}" not found`);
    validateVolumeName(name);
    validateDriverOptions(name, req.options);
  } catch (e) {
    daemonError(e);
  }
  // A named volume that exists is returned as is (Docker), a new one starts empty: copy-up is for containers.
  return new VolumeStore(root).create(name, { options: req.options, labels: req.labels, anonymous: false }).record;
}

export interface ListedVolume extends VolumeRecord {
  Mountpoint: string;
  Scope: "local";
  /** No container record names it. */
  Dangling: boolean;
}

export function listVolumes(root: string): ListedVolume[] {
  const store = new VolumeStore(root);
  const users = volumeUsers(root);
  return store.list().map((v) => ({ ...v, Mountpoint: store.dataDir(v.Name), Scope: "local", Dangling: !users.has(v.Name) }));
}

/** `--filter dangling=true|false`, `name=` (substring), `label=KEY[=VALUE]`, `driver=`. */
export function parseFilters(values: readonly string[]): (v: ListedVolume) => boolean {
  const tests: ((v: ListedVolume) => boolean)[] = [];
  for (const f of values) {
    const eq = f.indexOf("=");
    if (eq <= 0) throw new UserError(`bad format of filter (expected name=value)`);
    const key = f.slice(0, eq), value = f.slice(eq + 1);
    if (key === "dangling") {
      if (!["true", "false", "1", "0"].includes(value)) throw new UserError(`invalid filter 'dangling=${value}'`);
      const want = value === "true" || value === "1";
      tests.push((v) => v.Dangling === want);
    } else if (key === "name") tests.push((v) => v.Name.includes(value));
    else if (key === "driver") tests.push((v) => v.Driver === value);
    else if (key === "label") {
      const le = value.indexOf("=");
      tests.push(le < 0 ? (v) => value in v.Labels : (v) => v.Labels[value.slice(0, le)] === value.slice(le + 1));
    } else throw new UserError(`invalid filter '${key}'`);
  }
  return (v) => tests.every((t) => t(v));
}

export function inspectVolume(root: string, name: string): Record<string, unknown> {
  const store = new VolumeStore(root);
  const v = store.load(name);
  return {
    CreatedAt: v.CreatedAt, Driver: v.Driver, Labels: v.Labels, Mountpoint: store.dataDir(v.Name), Name: v.Name,
    Options: Object.keys(v.Options).length ? v.Options : null, Scope: "local",
  };
}

/**
 * Refuses a volume any container record names (running or not): Docker's "volume is in use". The check
 * and the detach happen under the store lock held exclusive, which `create` holds shared from finding or
 * making its volumes until its record names them: a racing `run -v NAME:` either is seen as a user, or
 * comes after and makes a new, empty NAME; it never mounts a volume removed under it.
 */
export function removeVolume(root: string, name: string, force: boolean): boolean {
  const store = new VolumeStore(root);
  const detached = withStoreLock(root, "exclusive", () => {
    if (!store.exists(name)) {
      if (force) return undefined;
      throw new NoSuchVolumeError(name);
    }
    const users = volumeUsers(root).get(name);
    if (users) throw new VolumeInUseError(name, users);
    return store.detach(name);
  });
  if (detached === undefined) return false;
  store.discard(detached); // the slow part, after the lock: a run need not wait for it
  return true;
}

/** Docker ≥ 23: only anonymous volumes no container uses, or every unused one with `all`. Locked as removeVolume. */
export function pruneVolumes(root: string, all: boolean, select: (v: VolumeRecord) => boolean = () => true): { removed: string[]; reclaimed: number } {
  const store = new VolumeStore(root);
  const removed: string[] = [];
  const detached: string[] = [];
  let reclaimed = 0;
  withStoreLock(root, "exclusive", () => {
    const users = volumeUsers(root);
    for (const v of store.list()) {
      if (users.has(v.Name) || (!all && !v.Anonymous) || !select(v)) continue; // compat-sys: select (prune --filter)
      const size = treeSize(store.dataDir(v.Name));
      try {
        detached.push(store.detach(v.Name));
      } catch (e) {
        if (e instanceof NoSuchVolumeError) continue; // removed meanwhile
        throw e;
      }
      removed.push(v.Name);
      reclaimed += size;
    }
  });
  for (const d of detached) store.discard(d);
  return { removed, reclaimed };
}

function treeSize(path: string): number {
  const st = lstatSync(path);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of readdirSync(path)) total += treeSize(join(path, name));
  return total;
}
