// Crash-safe file operations for the stores: nothing is ever visible half-written, because everything is
// built under the store's tmp/ (same filesystem) and renamed into place.
import { closeSync, fsyncSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

function syncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/** tmp file + fsync + rename; `tmpDir` must be on the same filesystem as `path`. */
export function writeFileAtomic(path: string, data: Uint8Array | string, tmpDir = dirname(path)): void {
  const dir = mkdtempSync(join(tmpDir, `${basename(path)}-`));
  const tmp = join(dir, "data");
  try {
    const fd = openSync(tmp, "wx", 0o644);
    try {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    syncDir(dirname(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * tmp file + rename, without fsync: readers never see a torn file, but a power cut may lose the latest
 * write. For state that is rewritten on every container start and exit, where two fsyncs would be a
 * good part of the start-up time; image data uses writeFileAtomic.
 */
export function replaceFile(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}`);
  try {
    writeFileSync(tmp, data, { mode: 0o644, flag: "wx" });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function makeTempDir(tmpDir: string, prefix: string): string {
  return mkdtempSync(join(tmpDir, prefix));
}

/** Moves the tree out of sight first, so a crash mid-delete never leaves a half tree under its name. */
export function removeTree(path: string, tmpDir: string): void {
  const graveyard = mkdtempSync(join(tmpDir, "rm-"));
  try {
    renameSync(path, join(graveyard, "x"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  } finally {
    rmSync(graveyard, { recursive: true, force: true });
  }
}
