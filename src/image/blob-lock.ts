// One lock file per blob under the store's tmp/, so concurrent pulls of the same image fetch each blob
// once: the first takes the lock and downloads, the others wait and then find the layer in place. The
// lock is flock(2), which the kernel releases when its holder dies, so `kill -9` never leaves a lock
// behind that needs guessing about; the file itself is unlinked by its holder (or by a cleanup that
// manages to lock it), and a waiter that locked an unlinked file notices by its inode and tries again.
import { closeSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { unlock } from "../sys/flock.ts";
import { tryLockLinkedFile } from "../state/linked-lock.ts";

export class BlobLock {
  private constructor(readonly path: string, private fd: number | undefined) {}

  static pathFor(tmpDir: string, hex: string): string {
    return join(tmpDir, `pull-${hex}.lock`);
  }

  /** Takes the lock now, or returns null when someone else holds it. */
  static tryAcquire(path: string): BlobLock | null {
    for (;;) {
      const fd = tryLockLinkedFile(path);
      if (fd === null) return null;
      if (fd !== "unlinked") return new BlobLock(path, fd); // else: unlinked by the previous holder, again
    }
  }

  /** Waits (polling, at most 250 ms apart) until the lock is ours. */
  static async acquire(path: string, opts: { signal?: AbortSignal; onWait?: () => void } = {}): Promise<BlobLock> {
    let delay = 20;
    let told = false;
    for (;;) {
      const lock = BlobLock.tryAcquire(path);
      if (lock) return lock;
      opts.signal?.throwIfAborted();
      if (!told) { opts.onWait?.(); told = true; }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 250);
    }
  }

  release(): void {
    if (this.fd === undefined) return;
    try { unlinkSync(this.path); } catch { /* already gone */ }
    unlock(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}
