// The size of a container's writable layer (its overlay upper dir), as Docker's SizeRw: the sizes of
// everything but directories, hard links once. The upper dir is the container's to change while we
// count, so the walk goes through fds only: each child opened O_PATH|O_NOFOLLOW relative to its parent's
// fd, never by a path string the container could redirect.
import { fstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { AT, O, fdPath, openat } from "../sys/at.ts";
import { closeFd } from "../sys/fs.ts";
import { SyscallError } from "../sys/errno.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";

const MAX_DEPTH = 4096;

export function writableLayerSize(store: ContainerStore, record: ContainerRecord): number {
  return directorySize(join(store.dir(record.id), "upper"));
}

/** compat-sys: the same fd-only walk for any directory a container may write into (a volume's _data). */
export function directorySize(path: string): number {
  let top: number;
  try {
    top = openat(AT.FDCWD, path, O.PATH | O.DIRECTORY | O.NOFOLLOW | O.CLOEXEC);
  } catch (e) {
    if (e instanceof SyscallError && e.code === "ENOENT") return 0; // removed meanwhile
    throw e;
  }
  try {
    return treeSize(top, new Set(), 0);
  } finally {
    closeFd(top);
  }
}

function treeSize(dirFd: number, seen: Set<string>, depth: number): number {
  if (depth > MAX_DEPTH) return 0;
  let names: string[];
  try {
    names = readdirSync(fdPath(dirFd));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
  let total = 0;
  for (const name of names) {
    let fd: number;
    try {
      fd = openat(dirFd, name, O.PATH | O.NOFOLLOW | O.CLOEXEC);
    } catch (e) {
      if (e instanceof SyscallError && e.code === "ENOENT") continue; // gone since readdir
      throw e;
    }
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) { total += treeSize(fd, seen, depth + 1); continue; }
      const key = `${st.dev}:${st.ino}`;
      if (st.nlink > 1) { if (seen.has(key)) continue; seen.add(key); }
      total += st.size;
    } finally {
      closeFd(fd);
    }
  }
  return total;
}
