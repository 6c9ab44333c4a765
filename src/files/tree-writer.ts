// Writes archive entries under a directory held by an fd. Every name is created relative to the fd of its
// verified parent (mkdirat, openat(O_CREAT|O_EXCL|O_NOFOLLOW), symlinkat, mknodat, linkat), parents are
// entered with O_NOFOLLOW|O_DIRECTORY, and owners and modes are set on the created object's own fd. A
// symlink in the way (put there by the archive itself or by a racing container) makes the copy fail; it
// is never followed.
import { chmodSync, fchmodSync, fchownSync, futimesSync, writeSync } from "node:fs";
import { AT, O, fchownat, fdPath, fstatx, isDir, linkFdAt, mkdirat, mknodat, openat, symlinkat, unlinkat } from "../sys/at.ts";
import { Errno, SyscallError } from "../sys/errno.ts";
import { closeFd, S_IFBLK, S_IFCHR, S_IFIFO } from "../sys/fs.ts";
import type { CopyEntry } from "./walk.ts";
import { CopyError } from "./errors.ts";
import { writePortableXattrs } from "./xattrs.ts";

export type Ownership = "keep" | { uid: number; gid: number };

interface OpenDir { name: string; fd: number; mtime?: number }

const MAX_REPLACE = 8;

export class TreeWriter {
  private readonly stack: OpenDir[];

  /** `rootFd` is any fd of the destination directory; it is not closed. */
  constructor(rootFd: number, private readonly owner: Ownership) {
    this.stack = [{ name: "", fd: openat(rootFd, ".", O.RDONLY | O.DIRECTORY | O.CLOEXEC) }];
  }

  async write(entry: CopyEntry): Promise<void> {
    const parts = entry.name.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.some((p) => p === "..")) throw new CopyError(`invalid archive entry ${JSON.stringify(entry.name)}: ".." is not allowed`);
    if (parts.length === 0) return; // the destination itself: its owner and mode stay as they are
    const name = parts.pop()!;
    const parent = this.enter(parts);
    const type = entry.type ?? "file";
    const uid = this.owner === "keep" ? entry.uid ?? 0 : this.owner.uid;
    const gid = this.owner === "keep" ? entry.gid ?? 0 : this.owner.gid;
    const mode = entry.mode ?? 0o644;
    switch (type) {
      case "dir": {
        this.replaceable(parent, name, true, () => mkdirat(parent, name, 0o700));
        const fd = openat(parent, name, O.RDONLY | O.DIRECTORY | O.NOFOLLOW | O.CLOEXEC);
        fchownSync(fd, uid, gid);
        fchmodSync(fd, mode & 0o7777);
        writePortableXattrs(fd, entry.xattrs);
        this.stack.push({ name, fd, mtime: entry.mtime });
        return;
      }
      case "file": {
        let fd = -1;
        this.replaceable(parent, name, false, () => { fd = openat(parent, name, O.WRONLY | O.CREAT | O.EXCL | O.NOFOLLOW | O.CLOEXEC, 0o600); });
        try {
          await writeBody(fd, entry);
          fchownSync(fd, uid, gid);
          fchmodSync(fd, mode & 0o7777); // after chown, which clears set-id bits
          writePortableXattrs(fd, entry.xattrs); // after the writes and chown, which clear a file capability
          if (entry.mtime !== undefined) futimesSync(fd, entry.mtime, entry.mtime);
        } finally {
          closeFd(fd);
        }
        return;
      }
      case "symlink":
        this.replaceable(parent, name, false, () => symlinkat(entry.linkname ?? "", parent, name));
        fchownat(parent, name, uid, gid, AT.SYMLINK_NOFOLLOW);
        return;
      case "hardlink": {
        const target = this.openExisting(entry.linkname ?? "");
        try {
          this.replaceable(parent, name, false, () => linkFdAt(target, parent, name));
        } finally {
          closeFd(target);
        }
        return;
      }
      default: {
        const kind = type === "char" ? S_IFCHR : type === "block" ? S_IFBLK : S_IFIFO;
        this.replaceable(parent, name, false, () => mknodat(parent, name, kind | 0o600, entry.devmajor ?? 0, entry.devminor ?? 0));
        fchownat(parent, name, uid, gid, AT.SYMLINK_NOFOLLOW);
        const fd = openat(parent, name, O.PATH | O.NOFOLLOW | O.CLOEXEC);
        try {
          // Through the fd of what we just created: a racer's symlink in its place is detected, not followed.
          if ((fstatx(fd).mode & 0o170000) !== kind) throw new CopyError(`${entry.name} was replaced while being created`);
          chmodSync(fdPath(fd), mode & 0o7777);
        } finally {
          closeFd(fd);
        }
      }
    }
  }

  /** Sets the directories' times (children change them while being written) and closes every fd. */
  finish(): void {
    while (this.stack.length > 0) this.pop();
  }

  private pop(): void {
    const dir = this.stack.pop()!;
    try {
      if (dir.mtime !== undefined) futimesSync(dir.fd, dir.mtime, dir.mtime);
    } finally {
      closeFd(dir.fd);
    }
  }

  /** The fd of directory `parts` below the root: leaves the open dirs that are not on its path, enters the rest. */
  private enter(parts: string[]): number {
    let common = 0;
    while (common < parts.length && common + 1 < this.stack.length && this.stack[common + 1]!.name === parts[common]) common++;
    while (this.stack.length > common + 1) this.pop();
    for (const part of parts.slice(common)) {
      const parent = this.stack[this.stack.length - 1]!.fd;
      let fd: number;
      try {
        fd = openat(parent, part, O.RDONLY | O.DIRECTORY | O.NOFOLLOW | O.CLOEXEC);
      } catch (e) {
        if (e instanceof SyscallError && e.errno === Errno.ENOENT) {
          // A parent the archive did not list (tar allows it): made as a plain directory.
          try { mkdirat(parent, part, 0o755); } catch (m) { if (!(m instanceof SyscallError) || m.errno !== Errno.EEXIST) throw m; }
          fd = openat(parent, part, O.RDONLY | O.DIRECTORY | O.NOFOLLOW | O.CLOEXEC);
        } else if (e instanceof SyscallError && (e.errno === Errno.ELOOP || e.errno === Errno.ENOTDIR)) {
          throw new CopyError(`cannot write below ${[...this.stack.slice(1).map((d) => d.name), part].join("/")}: not a directory`);
        } else throw e;
      }
      this.stack.push({ name: part, fd });
    }
    return this.stack[this.stack.length - 1]!.fd;
  }

  /** An O_PATH fd of an entry written earlier (a hard link's target), resolved without following symlinks. */
  private openExisting(path: string): number {
    const parts = path.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.length === 0 || parts.includes("..")) throw new CopyError(`invalid hard link target ${JSON.stringify(path)}`);
    let fd = openat(this.stack[0]!.fd, ".", O.PATH | O.CLOEXEC);
    for (const part of parts) {
      const next = openat(fd, part, O.PATH | O.NOFOLLOW | O.CLOEXEC);
      closeFd(fd);
      fd = next;
    }
    if (isDir(fstatx(fd))) { closeFd(fd); throw new CopyError(`hard link target ${path} is a directory`); }
    return fd;
  }

  /**
   * Runs `create`; when the name is taken, removes what is there (Docker replaces files, links and
   * nodes) unless it is a directory: a directory stays for a directory and is an error for anything else.
   */
  private replaceable(parent: number, name: string, wantDir: boolean, create: () => void): void {
    for (let attempt = 0; ; attempt++) {
      try {
        create();
        return;
      } catch (e) {
        if (!(e instanceof SyscallError) || e.errno !== Errno.EEXIST || attempt >= MAX_REPLACE) throw e;
      }
      const fd = openat(parent, name, O.PATH | O.NOFOLLOW | O.CLOEXEC);
      let existingIsDir: boolean;
      try { existingIsDir = isDir(fstatx(fd)); } finally { closeFd(fd); }
      if (existingIsDir && wantDir) return;
      if (existingIsDir) throw new CopyError(`cannot overwrite directory "${name}" with non-directory`);
      try {
        unlinkat(parent, name, 0);
      } catch (e) {
        if (!(e instanceof SyscallError) || e.errno !== Errno.ENOENT) throw e;
      }
    }
  }
}

async function writeBody(fd: number, entry: CopyEntry): Promise<void> {
  const chunks = entry.stream ? entry.stream() : [typeof entry.body === "string" ? new TextEncoder().encode(entry.body) : entry.body ?? new Uint8Array(0)];
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
  }
}

