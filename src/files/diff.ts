// `diff`: what a container changed, read from its overlay upper dir: A (only in upper), C (also in a
// layer; a directory only if its mode, owner or mtime differ), D (an overlay whiteout, or a name of a layer
// hidden by an opaque directory). Everything is opened through fds with O_NOFOLLOW / RESOLVE_NO_SYMLINKS,
// so the container's own symlinks never lead the walk outside its layers.
import { readdirSync } from "node:fs";
import { AT, O, fdPath, openat } from "../sys/at.ts";
import { Errno, SyscallError } from "../sys/errno.ts";
import { closeFd } from "../sys/fs.ts";
import type { ContainerRecord, ContainerStore } from "../container/store.ts";
import { containerLayers } from "./container-root.ts";
import { walkTree } from "./walk.ts";
import { lowerStat, openBeneath } from "./lower-layers.ts";

export type ChangeKind = "A" | "C" | "D";
export interface Change { kind: ChangeKind; path: string }

export async function containerChanges(store: ContainerStore, record: ContainerRecord): Promise<Change[]> {
  const dirs = containerLayers(store, record);
  const mountPoints = new Set(dirs.mountPoints);
  const upper = openat(AT.FDCWD, dirs.upperdir, O.PATH | O.DIRECTORY | O.CLOEXEC);
  const layers = dirs.lowerdirs.map((d) => openat(AT.FDCWD, d, O.PATH | O.DIRECTORY | O.CLOEXEC));
  const changes = new Map<string, ChangeKind>();
  try {
    // Mount points the init created for the container (/etc/resolv.conf, …) are not changes: skipped, as
    // Docker keeps them in its init layer.
    const skip = (name: string) => mountPoints.has(name) && !lowerStat(layers, name);
    for await (const entry of walkTree(upper, "", { overlayWhiteouts: true, skip })) {
      const slash = entry.name.lastIndexOf("/");
      const dir = entry.name.slice(0, slash + 1);
      const base = entry.name.slice(slash + 1);
      if (base === ".wh..wh..opq") {
        const upperNames = new Set(listNames(upper, dir));
        for (const layer of layers) {
          for (const n of listNames(layer, dir)) if (!upperNames.has(n) && !n.startsWith(".wh.")) changes.set(`/${dir}${n}`, "D");
        }
        continue;
      }
      if (base.startsWith(".wh.")) { changes.set(`/${dir}${base.slice(4)}`, "D"); continue; }
      const lower = lowerStat(layers, entry.name);
      if (!lower) { changes.set(`/${entry.name}`, "A"); continue; }
      if (entry.type === "dir" && (lower.mode & 0o170000) === 0o040000 && (lower.mode & 0o7777) === entry.mode
        && lower.uid === entry.uid && lower.gid === entry.gid && lower.mtime === entry.mtime) continue;
      changes.set(`/${entry.name}`, "C");
    }
  } finally {
    closeFd(upper);
    for (const l of layers) closeFd(l);
  }
  return [...changes].map(([path, kind]) => ({ kind, path })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function listNames(dirFd: number, dir: string): string[] {
  const fd = openBeneath(dirFd, dir.replace(/\/$/, ""));
  if (fd === undefined) return [];
  try {
    const rd = openat(fd, ".", O.RDONLY | O.DIRECTORY | O.CLOEXEC);
    try { return readdirSync(fdPath(rd)); } finally { closeFd(rd); }
  } catch (e) {
    if (e instanceof SyscallError && e.errno === Errno.ENOTDIR) return [];
    throw e;
  } finally {
    closeFd(fd);
  }
}
