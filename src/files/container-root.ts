// A container's root filesystem as a directory fd, never as a path: for a running container its own view
// (/proc/<pid>/root, so volumes and bind mounts are included), the pid's start time checked before and
// after the open so a recycled pid is never used; for a stopped one, or for `export`, a detached overlay
// built with the new mount API (fsopen/fsmount), with the container's bind mounts moved onto it (not for
// `export`, which is the container's own filesystem only). A detached mount is attached nowhere: it exists only
// while we hold its fd, so kill -9 at any moment leaves nothing mounted.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AT, O, fstatx, isDir, openat } from "../sys/at.ts";
import { closeFd } from "../sys/fs.ts";
import { MOUNT_ATTR, mountSetattr, moveMount, openTreeClone } from "../sys/mount-api.ts";
import { mountDetachedOverlay } from "../image/detached-overlay.ts";
import { Errno, SyscallError } from "../sys/errno.ts";
import { realSyscalls } from "../sys/init-syscalls.ts";
import { openInRoot } from "../init/secure-join.ts";
import { ANNOTATION } from "../oci/spec.ts";
import { processStartTime } from "../container/liveness.ts";
import { currentState } from "../container/status.ts";
import { ContainerLock } from "../container/lock.ts";
import type { ContainerRecord, ContainerStore } from "../container/store.ts";
import { UserError } from "../errors.ts";

export interface RootView {
  /** O_PATH fd of the container's "/". */
  fd: number;
  /** True when this is the running container's own mount namespace view. */
  live: boolean;
  close(): void;
}

export type RootPurpose = "read" | "write" | "export";

/**
 * Opened under the container's lock, taken before its state is read: a view on the container's own overlay
 * dirs (stopped, or any `export`) keeps the lock until it is closed, so a `start` waits for the copy instead
 * of mounting the same upper/work dirs, and an `rm` cannot delete them under it. A running container's own
 * view (/proc/<pid>/root) releases it at once: the mount namespace it pins lives as long as our fd.
 */
export async function openContainerRoot(store: ContainerStore, record: ContainerRecord, purpose: RootPurpose): Promise<RootView> {
  const lock = await ContainerLock.acquireIn(store.dir(record.id), record.id);
  let held = false;
  try {
    Object.assign(record, store.load(record.id)); // started, stopped or renamed since it was looked up
    const state = currentState(record);
    if (purpose !== "export" && state.running && record.state.process) {
      const live = openLiveRoot(record.state.process.pid, record.state.process.startTime);
      if (live !== undefined) return { fd: live, live: true, close: () => closeFd(live) };
      // it exited between the status check and the open: it is stopped now, use its layers
    }
    const fd = mountOverlay(store, record, purpose === "write");
    try {
      if (purpose !== "export") attachBinds(fd, store, record, purpose === "write");
    } catch (e) {
      closeFd(fd);
      throw e;
    }
    held = true;
    return {
      fd, live: false,
      close: () => {
        try { closeFd(fd); } finally { lock.release(); }
      },
    };
  } finally {
    if (!held) lock.release();
  }
}

function openLiveRoot(pid: number, startTime: number): number | undefined {
  if (processStartTime(pid) !== startTime) return undefined;
  let fd: number;
  try {
    fd = openat(AT.FDCWD, `/proc/${pid}/root`, O.PATH | O.DIRECTORY | O.CLOEXEC);
  } catch (e) {
    if ((e as { errno?: number }).errno === 2 || (e as { errno?: number }).errno === 3) return undefined;
    throw e;
  }
  // The same start time after the open: the fd is the root of the process we checked, not of a newcomer.
  if (processStartTime(pid) !== startTime) { closeFd(fd); return undefined; }
  return fd;
}

interface SpecMount { destination: string; type?: string; source?: string; options?: string[] }

/**
 * The container's bind mounts (its -v binds and volumes, its /etc files) on the detached overlay, as a
 * start would place them: detached clones of the sources (open_tree) moved onto targets resolved inside
 * the overlay's root. Nothing is attached to the host's tree; it all goes with the overlay's fd.
 */
function attachBinds(rootFd: number, store: ContainerStore, record: ContainerRecord, writable: boolean): void {
  const spec = JSON.parse(readFileSync(join(store.dir(record.id), "config.json"), "utf8")) as { mounts?: SpecMount[] };
  for (const m of spec.mounts ?? []) {
    const options = m.options ?? [];
    const isBind = m.type === "bind" || options.includes("bind") || options.includes("rbind");
    if (!isBind || !m.source?.startsWith("/")) continue;
    const src = openat(AT.FDCWD, m.source, O.PATH | O.CLOEXEC);
    let target: number | undefined;
    try {
      try {
        // A write view makes a missing mount point as the init would; a read view has nothing to show there.
        target = openInRoot(realSyscalls, rootFd, m.destination, writable ? { create: isDir(fstatx(src)) ? "dir" : "file" } : {});
      } catch (e) {
        if (e instanceof SyscallError && e.errno === Errno.ENOENT && !writable) continue;
        throw e;
      }
      const bind = openTreeClone(src, options.includes("rbind"));
      try {
        if (options.includes("ro")) mountSetattr(bind, { set: MOUNT_ATTR.RDONLY, recursive: true });
        moveMount(bind, target, m.destination);
      } finally {
        closeFd(bind);
      }
    } finally {
      closeFd(src);
      if (target !== undefined) closeFd(target);
    }
  }
}

interface OverlayDirs {
  lowerdirs: string[];
  upperdir: string;
  workdir: string;
  /** The spec's mount destinations, relative ("etc/resolv.conf"): the init may have created them in upper. */
  mountPoints: string[];
}

function overlayDirs(store: ContainerStore, record: ContainerRecord): OverlayDirs {
  const dir = store.dir(record.id);
  const spec = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { annotations?: Record<string, string>; mounts?: { destination: string }[] };
  const a = spec.annotations ?? {};
  const lower = a[ANNOTATION.lowerdirs];
  if (!lower) throw new UserError(`container ${record.id.slice(0, 12)} has no overlay root`);
  const mountPoints = (spec.mounts ?? []).map((m) => m.destination.split("/").filter((p) => p !== "" && p !== ".").join("/")).filter(Boolean);
  return { lowerdirs: JSON.parse(lower) as string[], upperdir: join(dir, "upper"), workdir: join(dir, "work"), mountPoints };
}

/** The paths of the container's layers, top first, and its upper dir (all minibox's own paths). */
export function containerLayers(store: ContainerStore, record: ContainerRecord): OverlayDirs {
  return overlayDirs(store, record);
}

function mountOverlay(store: ContainerStore, record: ContainerRecord, writable: boolean): number {
  const d = overlayDirs(store, record);
  // Read-only: the upper dir is simply the top lower layer (its whiteouts and opaque dirs still apply),
  // so nothing competes with a running container for its upper and work dirs.
  const lowers = writable ? d.lowerdirs : [d.upperdir, ...d.lowerdirs];
  return mountDetachedOverlay(lowers, writable ? 0 : MOUNT_ATTR.RDONLY, writable ? d : undefined);
}
