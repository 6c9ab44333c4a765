// flock(2) on a lock file that a holder may unlink when it is done (a blob's lock) or remove with its
// directory (a container's): a waiter that opened the file before that and then gets the lock holds a lock
// nobody else will ever see. It notices by comparing inodes, and must not keep it.
import { closeSync, fstatSync, openSync, statSync } from "node:fs";
import { tryLockExclusive, unlock } from "../sys/flock.ts";

/**
 * Opens (creating) `path` and takes an exclusive lock without waiting. The fd when the lock is ours on the
 * file still linked at `path`; null when another open file holds it; "unlinked" when the file we locked was
 * removed meanwhile. Opening throws as node:fs does (ENOENT: the directory is gone).
 */
export function tryLockLinkedFile(path: string): number | null | "unlinked" {
  const fd = openSync(path, "a+", 0o600);
  let linked = false;
  try {
    if (!tryLockExclusive(fd, path)) {
      closeSync(fd);
      return null;
    }
    linked = statSync(path).ino === fstatSync(fd).ino;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") {
      closeSync(fd);
      throw e;
    }
  }
  if (linked) return fd;
  unlock(fd);
  closeSync(fd);
  return "unlinked";
}
