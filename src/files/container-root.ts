// A container's root filesystem as a directory fd, never as a path: for a running container its own view
// (/proc/<pid>/root, so volumes and bind mounts are included), the pid's start time checked before and
// after the open so a recycled pid is never used; for a stopped one, or for `export`, a detached overlay
// built with the new mount API (fsopen/fsmount). A detached mount is attached nowhere: it exists only
// while we hold its fd, so kill -9 at any moment leaves nothing mounted.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AT, O, openat } from "../sys/at.ts";
import { closeFd } from "../sys/fs.ts";
import { fsMount, MOUNT_ATTR } from "../sys/mount-api.ts";
import { ANNOTATION } from "../oci/spec.ts";
import { processStartTime } from "../container/liveness.ts";
import { currentState } from "../container/status.ts";
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

export function openContainerRoot(store: ContainerStore, record: ContainerRecord, purpose: RootPurpose): RootView {
  const state = currentState(record);
  if (purpose !== "export" && state.running && record.state.process) {
    const live = openLiveRoot(record.state.process.pid, record.state.process.startTime);
    if (live !== undefined) return { fd: live, live: true, close: () => closeFd(live) };
    // it exited between the status check and the open: it is stopped now, use its layers
  }
  const fd = mountOverlay(store, record, purpose === "write");
  return { fd, live: false, close: () => closeFd(fd) };
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
  // One "lowerdir+" per layer (Linux 6.8): fsconfig takes at most 256 bytes per value, too few for a list.
  const lowers = writable ? d.lowerdirs : [d.upperdir, ...d.lowerdirs];
  const data = [...lowers.map((l) => `lowerdir+=${l}`), ...(writable ? [`upperdir=${d.upperdir}`, `workdir=${d.workdir}`] : [])].join(",");
  // The mount fd is itself a handle on the overlay's root, and the only thing keeping the mount alive.
  return fsMount("overlay", "overlay", data, writable ? 0 : MOUNT_ATTR.RDONLY);
}
