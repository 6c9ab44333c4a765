// The host side of `RUN --mount`: what each mount adds to the step's cache key, and, for a step that
// runs, the directories the RUN container gets as binds and tmpfs (the container's own mounts, so
// nothing written there reaches the step's upper dir and layer).
//
// - cache: a persistent directory, <store>/build-cache/mounts/<sha256(id)>/, created with uid/gid/mode
//   on first use and removed by `builder prune`. sharing=locked waits for a lock; private takes a fresh
//   directory when another step holds the shared one.
// - bind from the context: the source resolved inside the context by our own code (no link leaving it).
// - bind from a stage or image: its layers as a read-only overlay in a work dir of ours; the source is
//   resolved inside that merged view by our own code (LayeredFs, links clamped at its root), and the
//   kernel gets a path whose every component is a real directory of a read-only mount nobody writes.
// - rw binds get an overlay with a scratch upper dir, thrown away afterwards (BuildKit's rule).
//
// Work dirs are tmp/build-mount-<random> with a lock file beside them held while the step runs: one
// whose lock is free belongs to a dead build (kill -9) and is unmounted and removed by the next build.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, unlinkSync, chownSync, chmodSync } from "node:fs";
import { join } from "node:path";
import type { MountRequest } from "../../volume/mount-request.ts";
import { mountDetachedOverlay } from "../../image/detached-overlay.ts";
import { moveMount, MOUNT_ATTR } from "../../sys/mount-api.ts";
import { MNT_DETACH, umount } from "../../sys/mount.ts";
import { AT, O, openat } from "../../sys/at.ts";
import { closeFd } from "../../sys/fs.ts";
import { Errno, SyscallError } from "../../sys/errno.ts";
import { tryLockExclusive, unlock } from "../../sys/flock.ts";
import { BuildError } from "../errors.ts";
import { LayeredFs } from "./layered-fs.ts";
import type { RunMount } from "./run-mount-spec.ts";

export interface MountSources {
  /** The store's root (cache dirs) and tmp dir (work dirs). */
  root: string;
  tmp: string;
  context: { fs: LayeredFs; confine: (path: string) => Error };
  /** A stage or image named in from=: its layer dirs (bottom first) and what identifies its content. */
  resolveFrom(ref: string): Promise<{ layers: string[]; key: string }>;
  /** The content digest of a context path (for the cache key). */
  contextDigest(source: string): Promise<string>;
}

export interface PreparedMounts { requests: MountRequest[]; release(): void }

const WORK = /^build-mount-[0-9a-f]{16}\.lock$/;

/** What each mount contributes to the step's cache key (a cache mount's content never does). */
export async function mountKeys(mounts: readonly RunMount[], src: MountSources): Promise<unknown[]> {
  const keys: unknown[] = [];
  for (const m of mounts) {
    if (m.type !== "bind") { keys.push(m); continue; }
    const from = m.from === undefined ? `context:${await src.contextDigest(m.source)}` : (await src.resolveFrom(m.from)).key;
    keys.push({ ...m, from });
  }
  return keys;
}

export function cacheMountsDir(root: string): string {
  return join(root, "build-cache", "mounts");
}

export async function prepareRunMounts(mounts: readonly RunMount[], src: MountSources): Promise<PreparedMounts> {
  const work = createWork(src.tmp);
  const held: number[] = [];
  const mounted: string[] = [];
  const release = () => {
    for (const dir of mounted.reverse()) detach(dir);
    for (const fd of held) { unlock(fd); closeSync(fd); }
    work.dispose();
  };
  try {
    const requests: MountRequest[] = [];
    let n = 0;
    for (const m of mounts) {
      const here = join(work.path, `m${n++}`);
      if (m.type === "tmpfs") {
        requests.push({ type: "tmpfs", destination: m.target, readonly: false, ...(m.sizeBytes !== undefined && { sizeBytes: m.sizeBytes }) });
        continue;
      }
      let source: string;
      if (m.type === "cache") {
        source = await cacheDir(src.root, m, here, held);
      } else if (m.from === undefined) {
        const node = src.context.fs.resolve(m.source, { followLast: true, confine: src.context.confine });
        if (!node) throw new BuildError(`failed to compute cache key: "/${m.source.replace(/^\/+/, "")}": not found`);
        source = node.hostPath;
        if (!m.readonly) {
          mountOverlay([node.hostPath], here, true);
          mounted.push(join(here, "merged"));
          source = join(here, "merged");
        }
      } else {
        const { layers } = await src.resolveFrom(m.from);
        const node = new LayeredFs(layers).resolve(m.source, { followLast: true });
        if (!node) throw new BuildError(`failed to compute cache key: "/${m.source.replace(/^\/+/, "")}": not found in ${m.from}`);
        mountOverlay([...layers].reverse(), here, !m.readonly);
        mounted.push(join(here, "merged"));
        source = node.path === "" ? join(here, "merged") : join(here, "merged", node.path);
      }
      requests.push({ type: "bind", source, destination: m.target, readonly: m.readonly, createSource: false, mode: m.readonly ? "ro" : "rw" });
    }
    return { requests, release };
  } catch (error) {
    release();
    throw error;
  }
}

/** The cache mount's directory: created on first use with its owner and mode; locked or private as asked. */
async function cacheDir(root: string, m: Extract<RunMount, { type: "cache" }>, scratch: string, held: number[]): Promise<string> {
  const base = cacheMountsDir(root);
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const name = new Bun.CryptoHasher("sha256").update(m.id).digest("hex");
  const dir = join(base, name);
  const make = (path: string) => {
    mkdirSync(path, { mode: 0o700 });
    chownSync(path, m.uid, m.gid);
    chmodSync(path, m.mode);
  };
  if (m.sharing !== "shared") {
    const lockPath = `${dir}.lock`;
    const fd = openSync(lockPath, "a+", 0o600);
    if (!tryLockExclusive(fd, lockPath)) {
      if (m.sharing === "private") {
        // In use by another step: this one gets a directory of its own, gone with the step.
        closeSync(fd);
        make(scratch);
        return scratch;
      }
      // locked: wait for the holder (another stage of this build, or another build) without blocking
      // the event loop, which runs the holder when it is this very process.
      while (!tryLockExclusive(fd, lockPath)) await Bun.sleep(50);
    }
    held.push(fd);
  }
  if (existsSync(dir)) return dir;
  // Made under a temporary name and renamed: a concurrent first use or a crash never leaves a
  // directory with the wrong owner or mode under the final name.
  const fresh = `${dir}.new-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
  make(fresh);
  try {
    renameSync(fresh, dir);
  } catch (error) {
    rmSync(fresh, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
  }
  return dir;
}

function mountOverlay(lowersTopFirst: string[], here: string, writable: boolean): void {
  const merged = join(here, "merged");
  mkdirSync(merged, { recursive: true, mode: 0o700 });
  const lowers = [...lowersTopFirst];
  // overlayfs wants two lower layers when it has no upper one; empty ones change nothing.
  for (let i = 0; !writable && lowers.length < 2; i++) {
    const empty = join(here, `empty${i}`);
    mkdirSync(empty, { mode: 0o755 });
    lowers.push(empty);
  }
  let upper: { upperdir: string; workdir: string } | undefined;
  if (writable) {
    upper = { upperdir: join(here, "upper"), workdir: join(here, "work") };
    mkdirSync(upper.upperdir, { mode: 0o755 });
    mkdirSync(upper.workdir, { mode: 0o700 });
  }
  const fd = mountDetachedOverlay(lowers, writable ? MOUNT_ATTR.NODEV : MOUNT_ATTR.RDONLY | MOUNT_ATTR.NODEV, upper);
  const target = openat(AT.FDCWD, merged, O.PATH | O.DIRECTORY | O.CLOEXEC);
  try {
    moveMount(fd, target, merged);
  } finally {
    closeFd(target);
    closeFd(fd);
  }
}

function detach(dir: string): void {
  try {
    umount(dir, MNT_DETACH);
  } catch (error) {
    // Not mounted (a work dir whose mount never happened): nothing to undo.
    if (!(error instanceof SyscallError) || (error.errno !== Errno.EINVAL && error.errno !== Errno.ENOENT)) throw error;
  }
}

function createWork(tmp: string): { path: string; dispose(): void } {
  const name = `build-mount-${Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex")}`;
  const path = join(tmp, name);
  // The lock exists (held) before the directory, and goes after it: a free lock means a dead owner.
  const staging = join(tmp, `.${name}.lock`);
  const fd = openSync(staging, "wx", 0o600);
  if (!tryLockExclusive(fd, staging)) throw new BuildError(`${staging}: locked by another process`);
  renameSync(staging, `${path}.lock`);
  mkdirSync(path, { mode: 0o700 });
  return {
    path,
    dispose() {
      rmSync(path, { recursive: true, force: true });
      unlinkSync(`${path}.lock`);
      closeSync(fd);
    },
  };
}

/** Work dirs of builds killed with -9: their mounts detached, the dirs removed. */
export function removeStaleMountDirs(tmp: string): number {
  let names: string[];
  try {
    names = readdirSync(tmp);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
  let removed = 0;
  for (const lockName of names.filter((n) => WORK.test(n))) {
    const lockPath = join(tmp, lockName);
    const dir = lockPath.slice(0, -".lock".length);
    const fd = openSync(lockPath, "r");
    try {
      if (!tryLockExclusive(fd, lockPath)) continue; // its build is alive
      let subdirs: string[] = [];
      try {
        subdirs = readdirSync(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      for (const s of subdirs) detach(join(dir, s, "merged"));
      rmSync(dir, { recursive: true, force: true });
      unlinkSync(lockPath);
      removed++;
    } finally {
      closeSync(fd);
    }
  }
  return removed;
}
