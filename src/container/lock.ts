// One lock per container: flock(2) on <container dir>/lock, held by every verb that changes the container's
// state on disk (create, start, stop's marks, rm, pause/unpause, rename, update, recording an exit), each
// time only for the few steps of its change: never while waiting for the container to exit. The kernel
// drops the lock when its holder dies, so after a kill -9 a free lock means "nobody is working on this
// container": what its journal says was half-done can be finished or rolled back (see reconcile.ts).
import { closeSync } from "node:fs";
import { join } from "node:path";
import { unlock } from "../sys/flock.ts";
import { tryLockLinkedFile } from "../state/linked-lock.ts";
import { UserError } from "../errors.ts";

/** The container's directory vanished (removed) before or while we waited for its lock. */
export class ContainerGoneError extends UserError {
  constructor(readonly id: string) {
    super(`No such container: ${id}`, 1);
  }
}

export class ContainerBusyError extends UserError {
  constructor(id: string) {
    super(`container ${id.slice(0, 12)} is busy: another minibox command holds its lock`, 1);
  }
}

const WAIT_MS = 30_000;

export class ContainerLock {
  private constructor(readonly path: string, private fd: number | undefined) {}

  static pathIn(dir: string): string {
    return join(dir, "lock");
  }

  /** The lock now, null when another open file holds it; throws ContainerGoneError when the dir is gone. */
  static tryAcquireIn(dir: string, id: string): ContainerLock | null {
    const path = ContainerLock.pathIn(dir);
    let fd: number | null | "unlinked";
    try {
      fd = tryLockLinkedFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new ContainerGoneError(id);
      throw e;
    }
    // "unlinked": the holder before us removed the container (the lock file goes with the directory).
    if (fd === "unlinked") throw new ContainerGoneError(id);
    return fd === null ? null : new ContainerLock(path, fd);
  }

  /** Waits (polling, at most 50 ms apart, bounded) until the lock is ours. */
  static async acquireIn(dir: string, id: string, waitMs = WAIT_MS): Promise<ContainerLock> {
    const deadline = Date.now() + waitMs;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      const lock = ContainerLock.tryAcquireIn(dir, id);
      if (lock) return lock;
      if (Date.now() > deadline) throw new ContainerBusyError(id);
      await Bun.sleep(delay);
    }
  }

  /** The lock file stays: it lives and dies with the container's directory. */
  release(): void {
    if (this.fd === undefined) return;
    unlock(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Runs `fn` holding the container's lock. */
export async function withContainerLock<T>(dir: string, id: string, fn: () => T | Promise<T>): Promise<T> {
  const lock = await ContainerLock.acquireIn(dir, id);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
