// The new mount API (Linux ≥ 5.12 for mount_setattr): a filesystem or a bind is built as a detached mount
// held by an fd, checked or filled through that fd, and attached onto a target fd with move_mount. No path
// string is resolved by the kernel, so nothing a container controls can redirect the mount.
import { ptr } from "bun:ffi";
import { libc } from "./libc.ts";
import { lastErrno } from "./call.ts";
import { cstr } from "./cstr.ts";
import { SyscallError } from "./errno.ts";
import { AT, O } from "./at.ts";
import { MS } from "./mount.ts";

// Same numbers on x86_64 and aarch64 (added after the syscall tables were unified).
const SYS = { open_tree: 428, move_mount: 429, fsopen: 430, fsconfig: 431, fsmount: 432, mount_setattr: 442 } as const;

export const MOUNT_ATTR = {
  RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, ATIME_MASK: 0x70, NOATIME: 0x10, STRICTATIME: 0x20, NODIRATIME: 0x80,
} as const;

const OPEN_TREE_CLONE = 1;
const MOVE_MOUNT_F_EMPTY_PATH = 0x4, MOVE_MOUNT_T_EMPTY_PATH = 0x40;
const FSCONFIG_SET_FLAG = 0, FSCONFIG_SET_STRING = 1, FSCONFIG_CMD_CREATE = 6;

function sys(nr: number, a = 0, b = 0, c = 0, d = 0, e = 0): number {
  return Number(libc.syscall(nr, a, b, c, d, e));
}

/** mount(2)'s per-mount MS_* flags as MOUNT_ATTR_* bits; MS_RELATIME is the default (0). */
export function mountAttrFromFlags(flags: number): number {
  let attr = 0;
  if (flags & MS.RDONLY) attr |= MOUNT_ATTR.RDONLY;
  if (flags & MS.NOSUID) attr |= MOUNT_ATTR.NOSUID;
  if (flags & MS.NODEV) attr |= MOUNT_ATTR.NODEV;
  if (flags & MS.NOEXEC) attr |= MOUNT_ATTR.NOEXEC;
  if (flags & MS.NOATIME) attr |= MOUNT_ATTR.NOATIME;
  else if (flags & MS.STRICTATIME) attr |= MOUNT_ATTR.STRICTATIME;
  return attr;
}

/** The kernel's own explanation of a failed fsconfig (read from the fs context fd), if any. */
function contextMessages(fsfd: number): string | undefined {
  const out: string[] = [];
  const buf = Buffer.alloc(1024);
  for (let i = 0; i < 8; i++) {
    const n = Number(libc.read(fsfd, buf, buf.length));
    if (n <= 0) break;
    out.push(buf.toString("utf8", 0, n));
  }
  return out.length ? out.join("; ") : undefined;
}

/**
 * A new, detached instance of filesystem `fstype` with mount(2)-style `data` ("mode=755,size=64k,newinstance":
 * each key=value is a string parameter and each bare word a flag, exactly as the kernel splits mount data),
 * returned as a mount fd. `attr` is MOUNT_ATTR_* bits for the mount.
 */
export function fsMount(fstype: string, source: string, data: string, attr: number): number {
  const name = cstr(fstype); // kept in a variable: the buffer must outlive the call
  const fsfd = sys(SYS.fsopen, ptr(name), 1 /* FSOPEN_CLOEXEC */);
  if (fsfd === -1) throw new SyscallError("fsopen", lastErrno(), fstype);
  try {
    // "source" is what /proc/mounts shows as the device ("shm", "proc"); every filesystem takes it.
    for (const opt of [`source=${source}`, ...data.split(",").filter(Boolean)]) {
      const eq = opt.indexOf("=");
      const key = cstr(eq < 0 ? opt : opt.slice(0, eq));
      const value = eq < 0 ? null : cstr(opt.slice(eq + 1));
      const ret = value
        ? sys(SYS.fsconfig, fsfd, FSCONFIG_SET_STRING, ptr(key), ptr(value), 0)
        : sys(SYS.fsconfig, fsfd, FSCONFIG_SET_FLAG, ptr(key), 0, 0);
      if (ret === -1) throw new SyscallError("fsconfig", lastErrno(), `${fstype} ${opt}`, contextMessages(fsfd));
    }
    if (sys(SYS.fsconfig, fsfd, FSCONFIG_CMD_CREATE, 0, 0, 0) === -1) {
      throw new SyscallError("fsconfig(create)", lastErrno(), fstype, contextMessages(fsfd));
    }
    const mfd = sys(SYS.fsmount, fsfd, 1 /* FSMOUNT_CLOEXEC */, attr);
    if (mfd === -1) throw new SyscallError("fsmount", lastErrno(), fstype);
    return mfd;
  } finally {
    libc.close(fsfd);
  }
}

/** A detached copy (bind) of the mount at `fd`; with `recursive`, of its submounts too. */
export function openTreeClone(fd: number, recursive: boolean): number {
  const flags = OPEN_TREE_CLONE | O.CLOEXEC | AT.EMPTY_PATH | (recursive ? AT.RECURSIVE : 0);
  const empty = cstr("");
  const tree = sys(SYS.open_tree, fd, ptr(empty), flags);
  if (tree === -1) throw new SyscallError("open_tree", lastErrno(), `fd ${fd}`);
  return tree;
}

/** Attaches the detached mount `mountFd` onto the object `targetFd` refers to. */
export function moveMount(mountFd: number, targetFd: number, what = ""): void {
  const empty = cstr("");
  const ret = sys(SYS.move_mount, mountFd, ptr(empty), targetFd, ptr(empty), MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
  if (ret === -1) throw new SyscallError("move_mount", lastErrno(), what || `fd ${targetFd}`);
}

/** mount_setattr(2) on the mount `fd` refers to: set/clear MOUNT_ATTR_* bits, and/or change propagation. */
export function mountSetattr(fd: number, opts: { set?: number; clear?: number; propagation?: number; recursive?: boolean }): void {
  const attr = new BigUint64Array([BigInt(opts.set ?? 0), BigInt(opts.clear ?? 0), BigInt(opts.propagation ?? 0), 0n]);
  const flags = AT.EMPTY_PATH | (opts.recursive ? AT.RECURSIVE : 0);
  const empty = cstr("");
  if (sys(SYS.mount_setattr, fd, ptr(empty), flags, ptr(attr), 32) === -1) {
    throw new SyscallError("mount_setattr", lastErrno(), `fd ${fd}`);
  }
}
