// Who may enter the store. Layers hold image files as they were shipped (setuid-root binaries, device
// nodes) and container dirs hold their rootfs: a host user who can reach `layers/<id>/fs` could run or open
// them directly. So the store root and its two big subtrees are private to the store's owner (0700). Nothing
// else needs to pass through them: an overlay mount and the bind-mounted /etc files are reached by dentry,
// not by path, once mounted, so container users of any uid are unaffected.
// Run once per command: three open+fstat calls, and a chmod only when a mode is wrong (stores created by
// an older minibox were 0755) — never a tree walk.
import { closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
/** The subtrees that hold image or container files; the rest of the store is covered by the root's mode. */
const PRIVATE_SUBDIRS = ["layers", "containers"];

/** Creates the store's private dirs when missing and tightens their modes when too open. */
export function secureStore(root: string): void {
  secureDir(root, true); // the root may be an admin's symlink (to another disk); our own subdirs may not
  for (const sub of PRIVATE_SUBDIRS) secureDir(join(root, sub), false);
}

function secureDir(path: string, followSymlink: boolean): void {
  try {
    mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (e) {
    if (!isErrno(e, "EEXIST", "EACCES", "EPERM", "EROFS")) throw e;
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | (followSymlink ? 0 : constants.O_NOFOLLOW));
  } catch (e) {
    // Not ours to fix (another user's store, a read-only store): the command itself will say what fails.
    if (isErrno(e, "EACCES", "EPERM", "ENOENT", "ELOOP", "ENOTDIR")) return;
    throw e;
  }
  try {
    const mode = fstatSync(fd).mode & 0o7777;
    if ((mode & 0o077) === 0) return;
    try {
      fchmodSync(fd, mode & ~0o077);
    } catch (e) {
      if (!isErrno(e, "EPERM", "EROFS")) throw e;
    }
  } finally {
    closeSync(fd);
  }
}

function isErrno(e: unknown, ...codes: string[]): boolean {
  return e instanceof Error && codes.includes((e as NodeJS.ErrnoException).code ?? "");
}
