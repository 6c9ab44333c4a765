// Work directories under the store's tmp/ (a layer being unpacked, an archive being spooled) that a
// later command can tell apart from ones whose owner died: each has a lock file beside it, `<dir>.lock`,
// held with flock(2) for the directory's whole life. The kernel drops the lock when its holder dies
// (kill -9 too), so "the lock is free" means "the owner is gone", with no ages or pids to guess from.
// Order: the lock file appears (already locked) before the directory, and goes after it, so a directory
// whose lock file is missing or free is always stale.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { tryLockExclusive, unlock } from "../sys/flock.ts";

export interface WorkDir {
  path: string;
  /** Removes the directory, then its lock. */
  dispose(): void;
}

const WORK_PREFIXES = ["layer-", "input-"] as const;
export type WorkPrefix = (typeof WORK_PREFIXES)[number];
// 12 characters: ours; 6: mkdtemp names of older versions, which had no lock at all.
const WORK_NAME = /^(layer|input)-(?:[0-9a-z]{12}|[0-9A-Za-z]{6})$/;

const randomName = (prefix: string) => `${prefix}${crypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + b.toString(36).padStart(2, "0"), "").slice(0, 12)}`;

/** A fresh, locked work directory tmp/<prefix><random>. */
export function createWorkDir(tmp: string, prefix: WorkPrefix, mode = 0o700): WorkDir {
  for (;;) {
    const path = join(tmp, randomName(prefix));
    const lockPath = `${path}.lock`;
    if (existsSync(lockPath) || existsSync(path)) continue;
    // The lock file is made and locked under a name no cleanup looks at, then renamed into place: a
    // cleanup can never find it unlocked while its owner lives (it would take and delete it).
    const staging = join(tmp, `.${randomName("work-")}`);
    const fd = openSync(staging, "wx", 0o600);
    try {
      if (!tryLockExclusive(fd, staging)) throw new Error(`${staging}: locked by another process`);
      renameSync(staging, lockPath);
    } catch (error) {
      try { rmSync(staging, { force: true }); } finally { closeSync(fd); }
      throw error;
    }
    try {
      mkdirSync(path, mode);
    } catch (error) {
      try { unlinkSync(lockPath); } finally { unlock(fd); closeSync(fd); }
      throw error;
    }
    let disposed = false;
    return {
      path,
      dispose() {
        if (disposed) return;
        disposed = true;
        try {
          rmSync(path, { recursive: true, force: true });
          unlinkSync(lockPath);
        } finally {
          unlock(fd);
          closeSync(fd);
        }
      },
    };
  }
}

/** Removes work dirs (and lock files) under tmp/ whose owner is gone; returns the paths removed. */
export function removeStaleWorkDirs(tmp: string, beforeRemove?: (path: string) => void, opts: { dryRun?: boolean } = {}): string[] {
  let names: string[];
  try {
    names = readdirSync(tmp);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const removed: string[] = [];
  const bases = new Set(names.map((n) => n.replace(/\.lock$/, "")).filter((n) => WORK_NAME.test(n)));
  for (const base of bases) {
    const path = join(tmp, base);
    const lockPath = `${path}.lock`;
    let fd: number | undefined;
    try {
      fd = openSync(lockPath, "r+");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (fd !== undefined && !tryLockExclusive(fd, lockPath)) { closeSync(fd); continue; } // its owner is alive
    try {
      if (names.includes(base)) {
        beforeRemove?.(path);
        if (!opts.dryRun) rmSync(path, { recursive: true, force: true });
        removed.push(path);
      } else if (fd !== undefined) {
        if (!opts.dryRun) rmSync(lockPath, { force: true });
        removed.push(lockPath);
      }
      if (fd !== undefined && !opts.dryRun) rmSync(lockPath, { force: true });
    } finally {
      if (fd !== undefined) { unlock(fd); closeSync(fd); }
    }
  }
  return removed;
}
