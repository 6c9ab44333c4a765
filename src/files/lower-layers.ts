// Looking names up in image layers (directories in the store, with the image's own content): without
// following any symlink and without leaving the layer, so a layer's symlinks cannot point the lookup at
// the host.
import { fstatSync } from "node:fs";
import { O, RESOLVE, openat2 } from "../sys/at.ts";
import { Errno, SyscallError } from "../sys/errno.ts";
import { closeFd } from "../sys/fs.ts";

export interface LowerStat { mode: number; uid: number; gid: number; mtime: number }

/** The topmost layer's version of `path`, looked up without following any symlink. */
export function lowerStat(layers: number[], path: string): LowerStat | undefined {
  for (const layer of layers) {
    const fd = openBeneath(layer, path);
    if (fd === undefined) continue;
    try {
      const st = fstatSync(fd);
      if ((st.mode & 0o170000) === 0o020000 && st.rdev === 0) return undefined; // whiteout in that layer
      return { mode: st.mode, uid: st.uid, gid: st.gid, mtime: Math.trunc(st.mtimeMs / 1000) };
    } finally {
      closeFd(fd);
    }
  }
  return undefined;
}

export function openBeneath(dirFd: number, path: string): number | undefined {
  try {
    return openat2(dirFd, path || ".", O.PATH | O.NOFOLLOW | O.CLOEXEC, RESOLVE.BENEATH | RESOLVE.NO_SYMLINKS | RESOLVE.NO_XDEV);
  } catch (e) {
    if (e instanceof SyscallError && (e.errno === Errno.ENOENT || e.errno === Errno.ENOTDIR || e.errno === Errno.ELOOP || e.errno === 18 /* EXDEV */)) return undefined;
    throw e;
  }
}

