// Resolves a path the image controls as if `root` were "/": symlinks (absolute or with "..") can never
// lead out of it. The container is not running yet, so its tree cannot change under us between the
// resolution and the mount.
import { lstatSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { SyscallError, Errno } from "../sys/errno.ts";

const MAX_SYMLINKS = 255;

export function secureJoin(root: string, unsafePath: string): string {
  let pending = split(unsafePath);
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === "..") { resolved.pop(); continue; }
    const candidate = join(root, ...resolved, part);
    let isLink = false;
    try {
      isLink = lstatSync(candidate).isSymbolicLink();
    } catch {
      // Missing: the rest is created later as plain directories, so it cannot hide a link.
    }
    if (!isLink) { resolved.push(part); continue; }
    if (++links > MAX_SYMLINKS) throw new SyscallError("secure-join", Errno.ELOOP, unsafePath);
    const target = readlinkSync(candidate);
    if (target.startsWith("/")) resolved.length = 0;
    pending = [...split(target), ...pending];
  }
  return join(root, ...resolved);
}

function split(path: string): string[] {
  return path.split("/").filter((p) => p !== "" && p !== ".");
}
