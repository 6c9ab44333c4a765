// The store-wide lock between creating containers and removing images (issue #9): `create` holds it
// shared from the moment it has checked its image until the container's record names that image;
// `rmi`, `image prune` and `system check --repair` hold it exclusive while they decide what is unused
// and delete it. So a removal either sees the new container's record (and keeps the layers) or runs
// before the create checks its image (which then fails cleanly with "no such image").
// flock(2) on <root>/store.lock: the kernel drops it when the holder dies, even by SIGKILL, so there is
// never a stale lock to guess about. Nested use in one process is counted (flock on a second open file
// description of the same file would wait for ourselves).
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { lockExclusive, lockShared, unlock } from "../sys/flock.ts";

export type StoreLockMode = "shared" | "exclusive";

export interface StoreLock {
  release(): void;
  [Symbol.dispose](): void;
}

interface Held { fd: number; mode: StoreLockMode; depth: number }
const held = new Map<string, Held>();

export function storeLockPath(root: string): string {
  return join(root, "store.lock");
}

/** Takes the lock (waiting for it); release it, or let `using` do so. */
export function acquireStoreLock(root: string, mode: StoreLockMode): StoreLock {
  const path = storeLockPath(root);
  const current = held.get(path);
  if (current) {
    if (mode === "exclusive" && current.mode === "shared") throw new Error(`store lock ${path}: cannot upgrade a shared lock held by this process`);
    current.depth++;
  } else {
    mkdirSync(root, { recursive: true });
    const fd = openSync(path, "a+", 0o600);
    try {
      if (mode === "shared") lockShared(fd, path);
      else lockExclusive(fd, path);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    held.set(path, { fd, mode, depth: 1 });
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    const h = held.get(path)!;
    if (--h.depth > 0) return;
    held.delete(path);
    unlock(h.fd);
    closeSync(h.fd);
  };
  return { release, [Symbol.dispose]: release };
}

export function withStoreLock<T>(root: string, mode: StoreLockMode, fn: () => T): T {
  const lock = acquireStoreLock(root, mode);
  try {
    return fn();
  } finally {
    lock.release();
  }
}

export async function withStoreLockAsync<T>(root: string, mode: StoreLockMode, fn: () => Promise<T>): Promise<T> {
  const lock = acquireStoreLock(root, mode);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
