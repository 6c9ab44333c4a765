// Containers on disk: one directory each under <store>/containers/<id> (bundle, overlay upper/work,
// per-container /etc files, metadata), and names as exclusive files under <store>/names.
import { chmodSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, writeSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { removeTree, replaceFile } from "../state/atomic.ts";
import type { ProcessIdentity } from "./liveness.ts";
import type { Limits } from "../cgroups/types.ts";

export type RestartPolicyName = "no" | "on-failure" | "always" | "unless-stopped";
export interface RestartPolicy { name: RestartPolicyName; maximumRetryCount: number }

/** What was recorded; "running" and "paused" are never trusted from here but derived (see status.ts). */
export interface ContainerState {
  status: "created" | "running" | "exited";
  /** The container's init as seen from the host, with what makes it unique across pid reuse. */
  process?: ProcessIdentity;
  /** Who will record the exit (the container's parent, or the monitor that adopted it): monitor area. */
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

  /** Takes the name atomically (O_EXCL): of concurrent claims exactly one wins. */
  claimName(name: string, id: string): void {
    mkdirSync(this.namesDir, { recursive: true });
    let fd: number;
    try {
      fd = openSync(join(this.namesDir, name), "wx", 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let owner = "";
      try { owner = readFileSync(join(this.namesDir, name), "utf8"); } catch { /* being written */ }
      throw new UserError(`Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    writeSync(fd, id);
    closeSync(fd);
  }

  /** Frees the name, unless another container took it meanwhile (after a rename or removal). */
  releaseName(name: string, ownerId?: string): void {
    const path = join(this.namesDir, name);
    try {
      if (ownerId !== undefined && readFileSync(path, "utf8") !== ownerId) return;
      unlinkSync(path);
    } catch { /* already gone */ }
  }

  create(record: ContainerRecord): string {
    const dir = this.dir(record.id);
    for (const sub of ["rootfs", "upper", "work"]) mkdirSync(join(dir, sub), { recursive: true, mode: 0o700 });
    // The upper dir's mode becomes the mode of the container's "/": 0700 would lock out every non-root user.
    chmodSync(join(dir, "upper"), 0o755);
    this.save(record);
    return dir;
  }

  save(record: ContainerRecord): void {
    replaceFile(join(this.dir(record.id), "container.json"), JSON.stringify(record, null, 2));
  }

  load(id: string): ContainerRecord {
    return JSON.parse(readFileSync(join(this.dir(id), "container.json"), "utf8")) as ContainerRecord;
  }

  list(): ContainerRecord[] {
    let ids: string[];
    try { ids = readdirSync(this.containersDir); } catch { return []; }
    return ids.flatMap((id) => { try { return [this.load(id)]; } catch { return []; } });
  }

  remove(record: Pick<ContainerRecord, "id" | "name">): void {
    // Out of sight first: the container's parent may still be finishing a write in the directory (the
    // temp dir of an atomic save), and a recursive delete racing with it stops half-way without an error.
    const tmp = join(this.root, "tmp");
    mkdirSync(tmp, { recursive: true });
    removeTree(this.dir(record.id), tmp);
    this.releaseName(record.name, record.id);
  }
}
