// Containers on disk: one directory each under <store>/containers/<id> (bundle, overlay upper/work,
// per-container /etc files, metadata), and names as exclusive files under <store>/names.
import { chmodSync, mkdirSync, readFileSync, readdirSync, unlinkSync, linkSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { removeTree, replaceFile } from "../state/atomic.ts";
import type { ProcessIdentity } from "./liveness.ts";
import type { Limits } from "../cgroups/types.ts";
import { CorruptRecordError, parseRecord } from "./record.ts";
import { trace } from "../trace.ts";
import type { HealthConfig } from "../health/config.ts"; // compat-run
import type { LogConfig } from "../logs/log-config.ts"; // compat-run

/** The name belongs to another container (Docker's message and exit code). */
export class NameConflictError extends UserError {
  constructor(readonly containerName: string, readonly owner: string) {
    super(`Conflict. The container name "/${containerName}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`);
  }
}

/** What a container directory holds: a valid record, or why not (a broken entry, shown as Dead). */
export type Entry = { id: string; record: ContainerRecord } | { id: string; record?: undefined; broken: string };

const EXIT_TOMBSTONE_TTL_MS = 10 * 60_000;
const EXITS_BEFORE_PRUNING = 32;

export type RestartPolicyName = "no" | "on-failure" | "always" | "unless-stopped";
export interface RestartPolicy { name: RestartPolicyName; maximumRetryCount: number }

/** What was recorded; "running" and "paused" are never trusted from here but derived (see status.ts). */
export interface ContainerState {
  /** "dead" is never written: it stands for a broken entry (unreadable record), see reconcile.ts asRecord(). */
  status: "created" | "running" | "exited" | "dead";
  /** The container's init as seen from the host, with what makes it unique across pid reuse. */
  process?: ProcessIdentity;
  /** Who will record the exit (the container's parent, or the monitor that adopted it); when it is gone
   *  too, anyone may. */
  parent?: ProcessIdentity;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  oomKilled?: boolean;
  restartCount?: number;
  /** Set by stop/kill/rm so that a restart policy does not bring the container back. */
  stoppedByUser?: boolean;
  /** Frozen by `pause` (cgroup freezer). */
  paused?: boolean;
  /** compat-run: the monitor waiting out a restart backoff; while it lives, the container is "restarting". */
  restartingBy?: ProcessIdentity;
}

export interface ContainerRecord {
  id: string;
  name: string;
  image: string; // image id, sha256:<hex>
  imageName: string; // as the user typed it
  command: string[];
  created: string;
  autoRemove: boolean;
  tty?: boolean;
  interactive?: boolean;
  restartPolicy?: RestartPolicy;
  stopSignal?: string;
  stopTimeout?: number;
  limits?: Limits;
  cgroupParent?: string;
  // compat-run: the image's labels with the container's over them
  labels?: Record<string, string>;
  /** Docker's Config.Healthcheck: the image's with the flags over it. */
  healthcheck?: HealthConfig;
  /** Docker's HostConfig.LogConfig; absent (older records) is json-file with minibox's rotation. */
  logConfig?: LogConfig;
  state: ContainerState;
}

export class ContainerStore {
  readonly containersDir: string;
  readonly namesDir: string;

  constructor(readonly root: string) {
    this.containersDir = join(root, "containers");
    this.namesDir = join(root, "names");
  }

  dir(id: string): string {
    return join(this.containersDir, id);
  }

  get tmpDir(): string {
    return join(this.root, "tmp");
  }

  /**
   * Takes the name atomically: the id is written to a private file first, which link(2) then puts in
   * place (EEXIST if taken), so of concurrent claims exactly one wins and a name file is never empty.
   */
  claimName(name: string, id: string): void {
    mkdirSync(this.namesDir, { recursive: true });
    const claim = join(this.namesDir, `.claim-${id}-${process.pid}`);
    writeFileSync(claim, id, { mode: 0o644 });
    try {
      linkSync(claim, join(this.namesDir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      throw new NameConflictError(name, this.nameTarget(name) ?? "");
    } finally {
      unlinkSync(claim);
    }
  }

  /** The id a name points at; undefined when there is no such name. */
  nameTarget(name: string): string | undefined {
    try {
      return readFileSync(join(this.namesDir, name), "utf8").trim();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  /** Every name pointing at `id` (a readdir: only for broken entries and repairs, not the hot path). */
  namesOf(id: string): string[] {
    let names: string[];
    try { names = readdirSync(this.namesDir); } catch { return []; }
    return names.filter((n) => !n.startsWith(".") && this.nameTarget(n) === id);
  }

  /** Frees the name, unless another container took it meanwhile (after a rename or removal). */
  releaseName(name: string, ownerId?: string): void {
    if (name === "") return; // a broken entry's placeholder has no name
    const path = join(this.namesDir, name);
    try {
      if (ownerId !== undefined && readFileSync(path, "utf8") !== ownerId) return;
      unlinkSync(path);
    } catch { /* already gone */ }
  }

  create(record: ContainerRecord): string {
    const dir = this.makeDirs(record.id);
    this.save(record);
    return dir;
  }

  /** The bundle's directories, without the record (which create.ts writes last, as its commit). */
  makeDirs(id: string): string {
    const dir = this.dir(id);
    for (const sub of ["rootfs", "upper", "work"]) mkdirSync(join(dir, sub), { recursive: true, mode: 0o700 });
    // The upper dir's mode becomes the mode of the container's "/": 0700 would lock out every non-root user.
    chmodSync(join(dir, "upper"), 0o755);
    return dir;
  }

  save(record: ContainerRecord): void {
    replaceFile(join(this.dir(record.id), "container.json"), JSON.stringify(record, null, 2));
  }

  /** The record, checked (CorruptRecordError); a missing file throws the fs error (ENOENT). */
  load(id: string): ContainerRecord {
    return parseRecord(readFileSync(join(this.dir(id), "container.json"), "utf8"), id);
  }

  /** The record or why there is none; undefined when the directory itself is gone. */
  entry(id: string): Entry | undefined {
    try {
      return { id, record: this.load(id) };
    } catch (e) {
      if (e instanceof CorruptRecordError) return { id, broken: e.reason };
      if ((e as NodeJS.ErrnoException).code === "ENOTDIR") return undefined; // a stray file, not a container
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    try {
      statSync(this.dir(id));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    return { id, broken: "no record" };
  }

  /** Container ids on disk (dot-entries and stray files are never containers). */
  ids(): string[] {
    try {
      return readdirSync(this.containersDir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
  }

  /** Valid records only; see reconcile.ts listEntries() for the broken ones too. */
  list(): ContainerRecord[] {
    return this.ids().flatMap((id) => {
      const e = this.entry(id);
      return e?.record ? [e.record] : [];
    });
  }

  remove(record: Pick<ContainerRecord, "id" | "name"> & { state?: ContainerState; autoRemove?: boolean }): void {
    // `wait` on a --rm container must still learn how it ended: the exit outlives the directory briefly.
    if (record.state?.status === "exited" && record.state.exitCode !== undefined) this.keepExit(record.id, record.state.exitCode);
    // Out of sight first: the container's parent may still be finishing a write in the directory (the
    // temp dir of an atomic save), and a recursive delete racing with it stops half-way without an error.
    const tmp = this.tmpDir;
    mkdirSync(tmp, { recursive: true });
    removeTree(this.dir(record.id), tmp);
    trace("remove: directory gone"); // a kill -9 here leaves an orphan name: freed by the next claim of it
    this.releaseName(record.name, record.id);
  }

  get exitsDir(): string {
    return join(this.root, "exits");
  }

  /** The exit code of a removed container, for `wait`; old ones are dropped as new ones come. */
  keepExit(id: string, exitCode: number): void {
    mkdirSync(this.exitsDir, { recursive: true });
    replaceFile(join(this.exitsDir, id), String(exitCode));
    const kept = readdirSync(this.exitsDir);
    if (kept.length <= EXITS_BEFORE_PRUNING) return; // a readdir, not a stat per file, on every --rm exit
    const now = Date.now();
    for (const old of kept) {
      try {
        if (now - statSync(join(this.exitsDir, old)).mtimeMs > EXIT_TOMBSTONE_TTL_MS) unlinkSync(join(this.exitsDir, old));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
  }

  keptExit(id: string): number | undefined {
    try {
      const code = Number(readFileSync(join(this.exitsDir, id), "utf8"));
      return Number.isInteger(code) ? code : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }
}
