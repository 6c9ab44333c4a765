// Resolves a path the image or a volume controls as if the container's root were "/", to an O_PATH fd.
// Symlinks (absolute or with "..") never lead out of the root, and the object is held by an fd from then
// on: a container racing renames on a shared volume can change which object we get, never make us act
// outside the root, because nothing is ever looked up again by a path string (CVE-2021-30465 class).
//
// openat2(RESOLVE_IN_ROOT) does it in the kernel; where that is missing (ENOSYS: kernels before 5.6, or a
// seccomp profile that does not know it) a walk one component at a time with O_NOFOLLOW does the same.
// The walk also creates missing components (mkdirat / O_CREAT|O_EXCL|O_NOFOLLOW relative to the parent
// fd it holds), so a mount target is made where the resolution says and nowhere else.
import type { InitSyscalls } from "../sys/init-syscalls.ts";
import { O, RESOLVE, isDir, isSymlink } from "../sys/at.ts";
import { Errno, SyscallError } from "../sys/errno.ts";

export interface InRootOptions {
  /** Create what is missing: intermediate components as directories, the last one as `create`. */
  create?: "dir" | "file";
  /** Refuse any symlink on the way (for /proc and /sys, which must be real directories). */
  noSymlinks?: boolean;
  /** Skip openat2 (tests of the fallback walk). */
  walkOnly?: boolean;
}

const MAX_LINKS = 40; // the kernel's own limit for one lookup
const MAX_RETRIES = 32; // EAGAIN from openat2, or a racer re-creating an entry between our mkdirat and open

/** An O_PATH, close-on-exec fd of `path` inside the root `rootFd`; the last component's symlink is followed. */
export function openInRoot(sys: InitSyscalls, rootFd: number, path: string, opts: InRootOptions = {}): number {
  if (!opts.walkOnly) {
    const resolve = RESOLVE.IN_ROOT | RESOLVE.NO_MAGICLINKS | (opts.noSymlinks ? RESOLVE.NO_SYMLINKS : 0);
    const relative = split(path).join("/") || ".";
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      try {
        return sys.openat2(rootFd, relative, O.PATH | O.CLOEXEC, resolve);
      } catch (e) {
        if (!(e instanceof SyscallError)) throw e;
        if (e.errno === Errno.EAGAIN) continue; // a rename somewhere in the root raced the ".." check
        if (e.errno === Errno.ENOSYS) break;
        if (e.errno === Errno.ENOENT && opts.create) break;
        throw new SyscallError("openat2", e.errno, path);
      }
    }
  }
  return walkInRoot(sys, rootFd, path, opts);
}

/** The fallback (and the creating) resolution: one openat(O_NOFOLLOW) per component. */
export function walkInRoot(sys: InitSyscalls, rootFd: number, path: string, opts: InRootOptions = {}): number {
  // stack[0] is the root; ".." pops but never below it, exactly as RESOLVE_IN_ROOT treats "..".
  const stack = [sys.openat(rootFd, ".", O.PATH | O.DIRECTORY | O.CLOEXEC)];
  let pending = split(path);
  let links = 0, retries = 0;
  try {
    while (pending.length > 0) {
      const part = pending[0]!;
      if (part === "..") {
        pending.shift();
        if (stack.length > 1) sys.close(stack.pop()!);
        continue;
      }
      const parent = stack[stack.length - 1]!;
      let fd: number;
      try {
        fd = sys.openat(parent, part, O.PATH | O.NOFOLLOW | O.CLOEXEC);
      } catch (e) {
        if (!(e instanceof SyscallError) || e.errno !== Errno.ENOENT || !opts.create || ++retries > MAX_RETRIES) {
          throw e instanceof SyscallError ? new SyscallError("openat", e.errno, path) : e;
        }
        createEntry(sys, parent, part, pending.length === 1 ? opts.create : "dir");
        continue; // open what is there now: ours, or whatever a racer put there, through the same checks
      }
      pending.shift();
      const st = sys.fstatx(fd);
      if (isSymlink(st)) {
        const target = opts.noSymlinks || ++links > MAX_LINKS ? undefined : sys.readlinkat(fd, "");
        sys.close(fd);
        if (target === undefined) throw new SyscallError("openat", Errno.ELOOP, path);
        if (target.startsWith("/")) while (stack.length > 1) sys.close(stack.pop()!);
        pending = [...split(target), ...pending];
        continue;
      }
      if (pending.length > 0 && !isDir(st)) {
        sys.close(fd);
        throw new SyscallError("openat", Errno.ENOTDIR, path);
      }
      stack.push(fd);
    }
    return stack.pop()!;
  } finally {
    for (const fd of stack) sys.close(fd);
  }
}

/** mkdirat or an exclusive, no-follow create relative to `dirFd`; EEXIST means a racer was first: fine. */
function createEntry(sys: InitSyscalls, dirFd: number, name: string, kind: "dir" | "file"): void {
  try {
    if (kind === "dir") sys.mkdirat(dirFd, name, 0o755);
    else sys.close(sys.openat(dirFd, name, O.CREAT | O.EXCL | O.NOFOLLOW | O.WRONLY | O.CLOEXEC, 0o644));
  } catch (e) {
    if (!(e instanceof SyscallError) || e.errno !== Errno.EEXIST) throw e;
  }
}

function split(path: string): string[] {
  return path.split("/").filter((p) => p !== "" && p !== ".");
}
