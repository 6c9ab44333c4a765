// The spec's linux.devices (--device, --privileged) as nodes in the container's /dev. Everything goes
// through fds: /dev is opened inside the root with RESOLVE_IN_ROOT, each subdirectory beneath it without
// following any symlink, and the node is made with mknodat() in that directory. It runs before the
// pivot, while the container has no process yet, so nothing can change the tree under us.
import { closeSync } from "node:fs";
import type { LinuxDevice } from "../oci/spec.ts";
import { SyscallError, Errno } from "../sys/errno.ts";
import * as at from "../sys/at.ts";
import { S_IFBLK, S_IFCHR } from "../sys/fs.ts";

/** The calls used, as a seam for unit tests (a recording fake). */
export interface DeviceOps {
  openat2(dirfd: number, path: string, flags: number, resolve: number): number;
  mkdirat(dirfd: number, name: string, mode: number): void;
  mknodat(dirfd: number, name: string, mode: number, major: number, minor: number): void;
  unlinkat(dirfd: number, name: string): void;
  fchmodat(dirfd: number, name: string, mode: number): void;
  fchownat(dirfd: number, name: string, uid: number, gid: number): void;
  close(fd: number): void;
}

const realOps: DeviceOps = {
  openat2: at.openat2, mkdirat: at.mkdirat, mknodat: at.mknodat, unlinkat: (d, n) => at.unlinkat(d, n),
  fchmodat: at.fchmodat, fchownat: (d, n, u, g) => at.fchownat(d, n, u, g), close: closeSync,
};

const DIR_FLAGS = at.O.PATH | at.O.DIRECTORY | at.O.CLOEXEC;
const BENEATH = at.RESOLVE.BENEATH | at.RESOLVE.NO_SYMLINKS | at.RESOLVE.NO_MAGICLINKS | at.RESOLVE.NO_XDEV;

export class DevicePathError extends Error {}

/** `root`: the container's root (ours, before the pivot), with /dev already mounted. */
export function createSpecDevices(root: string, devices: readonly LinuxDevice[] | undefined, ops: DeviceOps = realOps): void {
  if (!devices || devices.length === 0) return;
  const rootFd = ops.openat2(at.AT_FDCWD, root, DIR_FLAGS, 0);
  let devFd: number;
  try {
    devFd = ops.openat2(rootFd, "dev", DIR_FLAGS, at.RESOLVE.IN_ROOT | at.RESOLVE.NO_MAGICLINKS);
  } finally {
    ops.close(rootFd);
  }
  try {
    for (const d of devices) createNode(devFd, d, ops);
  } finally {
    ops.close(devFd);
  }
}

/** "/dev/snd/controlC0" → ["snd", "controlC0"]; anything not plainly below /dev is refused. */
export function devPathParts(path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "");
  if (!path.startsWith("/") || parts[0] !== "dev" || parts.length < 2 || parts.some((p) => p === "." || p === "..")) {
    throw new DevicePathError(`device path ${JSON.stringify(path)} is not below /dev`);
  }
  return parts.slice(1);
}

function createNode(devFd: number, d: LinuxDevice, ops: DeviceOps): void {
  const parts = devPathParts(d.path);
  const name = parts.pop()!;
  let dirFd = devFd;
  try {
    for (const dir of parts) {
      try {
        ops.mkdirat(dirFd, dir, 0o755);
      } catch (e) {
        if (!(e instanceof SyscallError && e.errno === Errno.EEXIST)) throw e;
      }
      const next = ops.openat2(dirFd, dir, DIR_FLAGS, BENEATH);
      if (dirFd !== devFd) ops.close(dirFd);
      dirFd = next;
    }
    const perm = (d.fileMode ?? 0o666) & 0o7777;
    const mode = (d.type === "b" ? S_IFBLK : S_IFCHR) | perm;
    try {
      ops.mknodat(dirFd, name, mode, d.major, d.minor);
    } catch (e) {
      if (!(e instanceof SyscallError && e.errno === Errno.EEXIST)) throw e;
      // One of the default nodes (or a file of the image's /dev tmpfs-less layout): replace it. unlinkat
      // without AT_REMOVEDIR refuses a directory (EISDIR), and removes a symlink itself, never its target.
      ops.unlinkat(dirFd, name);
      ops.mknodat(dirFd, name, mode, d.major, d.minor);
    }
    ops.fchmodat(dirFd, name, perm); // mknod applied the umask
    ops.fchownat(dirFd, name, d.uid ?? 0, d.gid ?? 0);
  } finally {
    if (dirFd !== devFd) ops.close(dirFd);
  }
}
