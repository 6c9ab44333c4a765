// The seam between the init's root-filesystem code and the kernel: every call it makes to build a root
// goes through one object of this shape. The real one is below; unit tests pass a recording double
// (test/unit/rootfs-sequence.test.ts) to assert the exact sequence of mounts and fd-relative operations
// without root.
import { fdPath, fchownat, fstatfsType, fstatx, mkdirat, mknodat, openat, openat2, readlinkat, symlinkat, type FileStat } from "./at.ts";
import { fsMount, mountSetattr, moveMount, openTreeClone } from "./mount-api.ts";
import { mount } from "./mount.ts";
import { closeFd, umask } from "./fs.ts";

export interface InitSyscalls {
  openat2(dirfd: number, path: string, flags: number, resolve: number): number;
  openat(dirfd: number, path: string, flags: number, mode?: number): number;
  mkdirat(dirfd: number, name: string, mode: number): void;
  mknodat(dirfd: number, name: string, mode: number, major: number, minor: number): void;
  symlinkat(target: string, dirfd: number, name: string): void;
  fchownat(dirfd: number, name: string, uid: number, gid: number, flags: number): void;
  readlinkat(fd: number, name: string): string;
  fstatx(fd: number): FileStat;
  fstatfsType(fd: number): number;
  close(fd: number): void;
  umask(mask: number): number;
  /** mount(2) with path strings: only for paths minibox owns (the bundle's rootfs dir, "/"). */
  mount(source: string | null, target: string, fstype: string | null, flags: number, data?: string): void;
  fsMount(fstype: string, source: string, data: string, attr: number): number;
  openTreeClone(fd: number, recursive: boolean): number;
  moveMount(mountFd: number, targetFd: number, what?: string): void;
  mountSetattr(fd: number, opts: { set?: number; clear?: number; propagation?: number; recursive?: boolean }): void;
  /** How the kernel names `fd` for calls that only take paths (/proc/self/fd/N). */
  fdPath(fd: number): string;
}

export const realSyscalls: InitSyscalls = {
  openat2, openat, mkdirat, mknodat, symlinkat, fchownat, readlinkat, fstatx, fstatfsType,
  close: closeFd, umask, mount, fsMount, openTreeClone, moveMount, mountSetattr, fdPath,
};
