// The runtime's state: one directory per container under --root (tmpfs, /run/minibox-runtime by default),
// holding state.json (what `create` knew), config.json (the bundle's spec with root.path made absolute)
// and exec.fifo while the container waits in `created`. Everything here is written by root into a 0700
// directory; status is derived from the live process, never read from these files.
import { lstatSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../state/atomic.ts";
import type { ProcessIdentity } from "../container/liveness.ts";
import { MESSAGES, RuntimeError } from "./errors.ts";
import type { Hooks } from "./hooks.ts";

export const DEFAULT_ROOT = "/run/minibox-runtime";

/** runc's rule (libcontainer: ^[\w+\-.]+$, not "." or ".."): an id is one safe path component. */
const ID = /^[A-Za-z0-9_+\-.]+$/;

export function checkId(id: string): string {
  if (!ID.test(id) || id === "." || id === "..") throw new RuntimeError(MESSAGES.badId);
  return id;
}

export interface RuntimeRecord {
  ociVersion: string;
  id: string;
  /** The init; undefined only while `create` has not spawned it yet (status "creating"). */
  init?: ProcessIdentity;
  bundle: string;
  rootfs: string;
  created: string;
  annotations: Record<string, string>;
  cgroup: { name: string; parent: string };
  owner: string;
  /** create --no-new-keyring: exec'd processes keep the caller's session keyring too. */
  noNewKeyring?: boolean;
}

export class RuntimeStore {
  private checked = false;
  constructor(readonly root: string) {}

  dir(id: string): string {
    this.checkRoot();
    return join(this.root, checkId(id));
  }

  /**
   * Everything under --root is trusted (state.json names the process we signal; exec.fifo releases an
   * init), so the root must be a real directory of ours that nobody else can write to.
   */
  private checkRoot(): void {
    if (this.checked) return;
    let st;
    try {
      st = lstatSync(this.root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // created 0700 by claim()
      throw e;
    }
    const euid = process.geteuid?.() ?? 0;
    if (!st.isDirectory() || st.uid !== euid || (st.mode & 0o022) !== 0) {
      throw new RuntimeError(`--root ${this.root} must be a directory owned by uid ${euid} and writable only by it`);
    }
    this.checked = true;
  }

  fifo(id: string): string {
    return join(this.dir(id), "exec.fifo");
  }

  /** Creates the container's directory; exclusive, so two creates of one id cannot both win. */
  claim(id: string): string {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const dir = this.dir(id);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new RuntimeError(MESSAGES.exists);
      throw e;
    }
    return dir;
  }

  save(record: RuntimeRecord): void {
    writeFileAtomic(join(this.dir(record.id), "state.json"), JSON.stringify(record));
  }

  /** undefined: a directory without state.json, left by a `create` killed before it spawned the init. */
  load(id: string): RuntimeRecord | undefined {
    const dir = this.dir(id);
    let text: string;
    try {
      text = readFileSync(join(dir, "state.json"), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      try {
        readdirSync(dir);
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === "ENOENT") throw new RuntimeError(MESSAGES.notExist);
        throw e2;
      }
      return undefined;
    }
    return JSON.parse(text) as RuntimeRecord;
  }

  /** The hooks of the spec `create` saved (not the bundle's config.json, which may have changed since). */
  hooks(id: string): Hooks | undefined {
    try {
      return (JSON.parse(readFileSync(join(this.dir(id), "config.json"), "utf8")) as { hooks?: Hooks }).hooks;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  exists(id: string): boolean {
    try {
      readdirSync(this.dir(id));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw e;
    }
  }

  ids(): string[] {
    this.checkRoot();
    try {
      return readdirSync(this.root).filter((n) => ID.test(n) && n !== "." && n !== "..").sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
  }

  remove(id: string): void {
    rmSync(this.dir(id), { recursive: true, force: true });
  }
}
