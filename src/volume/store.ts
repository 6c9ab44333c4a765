// Volumes on disk: <root>/volumes/<name>/{volume.json,_data}. A volume appears only whole: it is built
// under <root>/tmp/volume-<pid>-*/ (record, data dir, copied-up content) and renamed into place, so a
// crash leaves at most a temp dir of a dead process, which the next volume command removes.
import { emitVolumeEvent } from "../events/emit.ts"; // compat-sys: events
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../state/atomic.ts";
import { NoSuchVolumeError } from "./errors.ts";
import { isValidVolumeName } from "./names.ts";

export interface VolumeRecord {
  Name: string;
  Driver: "local";
  Labels: Record<string, string>;
  /** The local driver's options (type, device, o), applied when a container mounts the volume. */
  Options: Record<string, string>;
  CreatedAt: string;
  /** Made for a container (`-v /path`, an image VOLUME): `volume prune` removes it without `-a`. */
  Anonymous: boolean;
}

export interface NewVolume {
  labels?: Record<string, string>;
  options?: Record<string, string>;
  anonymous?: boolean;
}

const RECORD = "volume.json";
const DATA = "_data";
const TMP_PREFIX = "volume-";

const errnoCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

export class VolumeStore {
  readonly dir: string;
  readonly tmp: string;

  constructor(readonly root: string) {
    this.dir = join(root, "volumes");
    this.tmp = join(root, "tmp");
  }

  /** The host directory a volume's content lives in. */
  dataDir(name: string): string {
    return join(this.dir, name, DATA);
  }

  private ensureDirs(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700); // root-only: volume content may be private to the containers using it
    mkdirSync(this.tmp, { recursive: true, mode: 0o700 });
  }

  exists(name: string): boolean {
    if (!isValidVolumeName(name)) return false; // "..", "a/b": never a path under volumes/
    try {
      statSync(join(this.dir, name, RECORD));
      return true;
    } catch (e) {
      if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return false;
      throw e;
    }
  }

  load(name: string): VolumeRecord {
    if (!isValidVolumeName(name)) throw new NoSuchVolumeError(name);
    let text: string;
    try {
      text = readFileSync(join(this.dir, name, RECORD), "utf8");
    } catch (e) {
      if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") throw new NoSuchVolumeError(name);
      throw e;
    }
    this.repairData(name);
    return JSON.parse(text) as VolumeRecord;
  }

  /** A copy-up into an existing volume killed between its rmdir and its rename leaves no _data: an empty one is right. */
  private repairData(name: string): void {
    try {
      mkdirSync(this.dataDir(name), { mode: 0o755 });
    } catch (e) {
      if (errnoCode(e) !== "EEXIST") throw e;
    }
  }

  list(): VolumeRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return [];
      throw e;
    }
    return names.sort().flatMap((n) => {
      try {
        return [this.load(n)];
      } catch (e) {
        if (e instanceof NoSuchVolumeError) return []; // removed meanwhile
        throw e;
      }
    });
  }

  /**
   * Creates the volume unless it exists; `populate` fills the new data dir (copy-up) before anything is
   * visible. Returns the record and whether this call made it.
   */
  create(name: string, spec: NewVolume = {}, populate?: (dataDir: string) => void): { record: VolumeRecord; created: boolean } {
    if (this.exists(name)) return { record: this.load(name), created: false };
    this.ensureDirs();
    this.removeAbandoned();
    const build = mkdtempSync(join(this.tmp, `${TMP_PREFIX}${process.pid}-`));
    try {
      chmodSync(build, 0o700);
      mkdirSync(join(build, DATA), { mode: 0o755 });
      chmodSync(join(build, DATA), 0o755); // not narrowed by the umask: Docker's _data is 0755
      populate?.(join(build, DATA));
      const record: VolumeRecord = {
        Name: name, Driver: "local", Labels: spec.labels ?? {}, Options: spec.options ?? {},
        CreatedAt: new Date().toISOString(), Anonymous: spec.anonymous ?? false,
      };
      writeFileAtomic(join(build, RECORD), JSON.stringify(record, null, 2), build);
      try {
        renameSync(build, join(this.dir, name));
      } catch (e) {
        // Another command created it first: theirs is the volume (same as `volume create` of an existing name).
        if (errnoCode(e) === "EEXIST" || errnoCode(e) === "ENOTEMPTY") return { record: this.load(name), created: false };
        throw e;
      }
      emitVolumeEvent("create", name, {}, this.root); // compat-sys: events
      return { record, created: true };
    } finally {
      rmSync(build, { recursive: true, force: true });
    }
  }

  /**
   * Fills an existing, empty volume: built in a temp dir, then swapped in only if _data is still empty
   * (rmdir refuses otherwise). Returns false when something else wrote into the volume meanwhile.
   */
  populateExisting(name: string, populate: (dataDir: string) => void): boolean {
    this.ensureDirs();
    const build = mkdtempSync(join(this.tmp, `${TMP_PREFIX}${process.pid}-`));
    try {
      const data = join(build, DATA);
      mkdirSync(data, { mode: 0o755 });
      chmodSync(data, 0o755);
      populate(data);
      try {
        rmdirSync(this.dataDir(name));
      } catch (e) {
        if (errnoCode(e) === "ENOTEMPTY" || errnoCode(e) === "EEXIST") return false;
        throw e;
      }
      renameSync(data, this.dataDir(name));
      return true;
    } finally {
      rmSync(build, { recursive: true, force: true });
    }
  }

  isEmpty(name: string): boolean {
    return readdirSync(this.dataDir(name)).length === 0;
  }

  remove(name: string): void {
    this.discard(this.detach(name));
  }

  /**
   * Takes the volume away from its name in one rename (into tmp/), so a caller holding the store lock can
   * decide and detach quickly and delete the content after releasing it. Returns the detached dir.
   */
  detach(name: string): string {
    if (!this.exists(name)) throw new NoSuchVolumeError(name);
    this.ensureDirs();
    const graveyard = mkdtempSync(join(this.tmp, `${TMP_PREFIX}${process.pid}-rm-`));
    try {
      renameSync(join(this.dir, name), join(graveyard, name));
    } catch (e) {
      rmSync(graveyard, { recursive: true, force: true });
      if (errnoCode(e) === "ENOENT") throw new NoSuchVolumeError(name); // removed meanwhile
      throw e;
    }
    emitVolumeEvent("destroy", name, {}, this.root); // compat-sys: events (the name is gone from here on)
    return graveyard;
  }

  /** Deletes what detach() took away; a kill -9 before the end leaves a temp dir the next create removes. */
  discard(detached: string): void {
    rmSync(detached, { recursive: true, force: true });
  }

  /** Temp dirs of volume builds whose process is gone (killed mid-create): never visible, now removed. */
  private removeAbandoned(): void {
    for (const entry of readdirSync(this.tmp)) {
      const m = /^volume-([0-9]+)-/.exec(entry);
      if (!m || Number(m[1]) === process.pid || processExists(Number(m[1]))) continue;
      rmSync(join(this.tmp, entry), { recursive: true, force: true });
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) !== "ESRCH";
  }
}
