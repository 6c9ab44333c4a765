// Docker's copy-up: a new, empty volume gets the image's content at the mount path, with owners, modes,
// times, xattrs, symlinks and device nodes kept. It runs on the host when the container is created,
// before any of its code runs, and reads only the image: the layers are immutable and nobody can race us.
//
// The image is read through one read-only, detached overlay of its layers (fsopen/fsmount: never attached
// anywhere, gone when its fd is closed), the mount path is resolved inside it with RESOLVE_IN_ROOT, and
// the walk opens every entry relative to its parent's fd with O_NOFOLLOW: an image symlink is copied as a
// symlink, never followed, so nothing outside the image is ever read. Writes go into a fresh directory of
// ours (the volume's data dir before it is published), again relative to fds.
import { fchmodSync, fchownSync, fstatSync, futimesSync, readSync, readdirSync, writeSync, type Stats } from "node:fs";
import { AT, O, fdPath, fstatx, isDir, mkdirat, mknodat, openat, readlinkat, symlinkat, fchownat } from "../sys/at.ts";
import { MOUNT_ATTR } from "../sys/mount-api.ts";
import { mountDetachedOverlay } from "../image/detached-overlay.ts";
import { Errno, SyscallError } from "../sys/errno.ts";
import { closeFd } from "../sys/fs.ts";
import { fgetxattr, flistxattr, fsetxattr } from "../sys/xattr.ts";
import { realSyscalls } from "../sys/init-syscalls.ts";
import { openInRoot } from "../init/secure-join.ts";

const S_IFMT = 0o170000, S_IFDIR = 0o040000, S_IFREG = 0o100000, S_IFLNK = 0o120000;
const S_IFCHR = 0o020000, S_IFBLK = 0o060000, S_IFIFO = 0o010000;
const O_NONBLOCK = 0o4000;
const CHUNK = 1 << 20;

/** An fd on the image's merged root: the single layer itself, or a detached read-only overlay of all. */
function openImageRoot(layers: readonly string[]): { fd: number; rawLayer: boolean } {
  if (layers.length === 1) return { fd: openat(AT.FDCWD, layers[0]!, O.PATH | O.DIRECTORY | O.CLOEXEC), rawLayer: true };
  const top = [...layers].reverse(); // overlayfs lists the top layer first; the store's paths are ours
  return { fd: mountDetachedOverlay(top, MOUNT_ATTR.RDONLY | MOUNT_ATTR.NODEV | MOUNT_ATTR.NOSUID), rawLayer: false };
}

/**
 * Copies the image's directory at `path` (bottom layer first in `layers`) into the directory `dataDir`.
 * Nothing is copied when the path does not exist in the image or is not a directory (Docker's rule).
 */
export function copyUpFromImage(layers: readonly string[], path: string, dataDir: string): void {
  if (layers.length === 0) return;
  const image = openImageRoot(layers);
  try {
    let source: number;
    try {
      source = openInRoot(realSyscalls, image.fd, path);
    } catch (e) {
      if (e instanceof SyscallError && (e.errno === Errno.ENOENT || e.errno === Errno.ENOTDIR)) return;
      throw e;
    }
    try {
      if (!isDir(fstatx(source))) return;
      const target = openat(AT.FDCWD, dataDir, O.RDONLY | O.DIRECTORY | O.NOFOLLOW | O.CLOEXEC);
      try {
        const src = openat(source, ".", O.RDONLY | O.DIRECTORY | O.CLOEXEC);
        try {
          const copier = new TreeCopier(image.rawLayer);
          copier.copyChildren(src, target);
          copier.copyMetadata(src, target, fstatSync(src)); // the volume's root takes the image dir's owner and mode
        } finally {
          closeFd(src);
        }
      } finally {
        closeFd(target);
      }
    } finally {
      closeFd(source);
    }
  } finally {
    closeFd(image.fd);
  }
}

class TreeCopier {
  private readonly buffer = Buffer.allocUnsafe(CHUNK);
  /** Reading one layer directly: its overlay whiteouts and overlay xattrs are not content. */
  constructor(private readonly rawLayer: boolean) {}

  copyChildren(srcDir: number, dstDir: number): void {
    // The listing goes through the fd's magic link: the very directory we hold, not a path looked up again.
    for (const name of readdirSync(fdPath(srcDir))) this.copyEntry(srcDir, dstDir, name);
  }

  private copyEntry(srcDir: number, dstDir: number, name: string): void {
    const probe = openat(srcDir, name, O.PATH | O.NOFOLLOW | O.CLOEXEC);
    let st: Stats;
    try {
      st = fstatSync(probe);
    } finally {
      closeFd(probe);
    }
    const type = st.mode & S_IFMT;
    if (type === S_IFDIR) return this.copyDir(srcDir, dstDir, name);
    if (type === S_IFREG) return this.copyFile(srcDir, dstDir, name);
    if (type === S_IFLNK) {
      symlinkat(readlinkat(srcDir, name), dstDir, name);
      fchownat(dstDir, name, st.uid, st.gid, AT.SYMLINK_NOFOLLOW);
      return;
    }
    if (type === S_IFCHR || type === S_IFBLK || type === S_IFIFO) {
      if (this.rawLayer && type === S_IFCHR && st.rdev === 0) return; // an overlay whiteout
      mknodat(dstDir, name, st.mode, Number((BigInt(st.rdev) >> 8n) & 0xfffn), Number(BigInt(st.rdev) & 0xffn));
      fchownat(dstDir, name, st.uid, st.gid, AT.SYMLINK_NOFOLLOW);
    }
    // sockets are not content: Docker's copy skips them too
  }

  private copyDir(srcDir: number, dstDir: number, name: string): void {
    const src = openat(srcDir, name, O.RDONLY | O.DIRECTORY | O.NOFOLLOW | O.CLOEXEC);
    try {
      mkdirat(dstDir, name, 0o700);
      const dst = openat(dstDir, name, O.RDONLY | O.DIRECTORY | O.NOFOLLOW | O.CLOEXEC);
      try {
        this.copyChildren(src, dst);
        this.copyMetadata(src, dst, fstatSync(src));
      } finally {
        closeFd(dst);
      }
    } finally {
      closeFd(src);
    }
  }

  private copyFile(srcDir: number, dstDir: number, name: string): void {
    const src = openat(srcDir, name, O.RDONLY | O.NOFOLLOW | O.CLOEXEC | O_NONBLOCK);
    try {
      const dst = openat(dstDir, name, O.WRONLY | O.CREAT | O.EXCL | O.NOFOLLOW | O.CLOEXEC, 0o600);
      try {
        for (;;) {
          const n = readSync(src, this.buffer, 0, CHUNK, null);
          if (n === 0) break;
          for (let at = 0; at < n; ) at += writeSync(dst, this.buffer, at, n - at);
        }
        this.copyMetadata(src, dst, fstatSync(src));
      } finally {
        closeFd(dst);
      }
    } finally {
      closeFd(src);
    }
  }

  /** Owner, then mode (chown clears set-id bits), xattrs, then times (last: the writes above change them). */
  copyMetadata(src: number, dst: number, st: Stats): void {
    fchownSync(dst, st.uid, st.gid);
    fchmodSync(dst, st.mode & 0o7777);
    for (const key of flistxattr(src)) {
      if (this.rawLayer && key.startsWith("trusted.overlay.")) continue;
      const value = fgetxattr(src, key);
      if (value !== undefined) fsetxattr(dst, key, value);
    }
    futimesSync(dst, st.atimeMs / 1000, st.mtimeMs / 1000);
  }
}
