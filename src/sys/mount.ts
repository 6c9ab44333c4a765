import { ptr } from "bun:ffi";
import { libc } from "./libc.ts";
import { check } from "./call.ts";
import { cstr } from "./cstr.ts";

export const MS = {
  RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, REMOUNT: 0x20, NOATIME: 0x400, BIND: 0x1000,
  MOVE: 0x2000, REC: 0x4000, UNBINDABLE: 0x20000, PRIVATE: 0x40000, SLAVE: 0x80000, SHARED: 0x100000,
  RELATIME: 0x200000, STRICTATIME: 0x1000000,
} as const;
export const MNT_DETACH = 0x2;

const SYS_PIVOT_ROOT = process.arch === "arm64" ? 41 : 155;

export function mount(source: string | null, target: string, fstype: string | null, flags: number, data?: string): void {
  check(
    libc.mount(source === null ? null : cstr(source), cstr(target), fstype === null ? null : cstr(fstype), flags, data ? cstr(data) : null),
    `mount(${fstype ?? (flags & MS.BIND ? "bind" : "flags")})`,
    target,
  );
}

export function umount(target: string, flags = 0): void {
  check(libc.umount2(cstr(target), flags), "umount2", target);
}

export function pivotRoot(newRoot: string, putOld: string): void {
  const a = cstr(newRoot);
  const b = cstr(putOld);
  check(Number(libc.syscall(SYS_PIVOT_ROOT, ptr(a), ptr(b), 0, 0, 0)), "pivot_root", newRoot);
}
