// Reads a tree as archive entries through file descriptors only: every child is opened relative to the fd
// of its parent with O_NOFOLLOW, a regular file is re-opened for reading through the very fd that was
// checked (/proc/self/fd/N), so a container swapping names while we read can change what we copy, never
// make us read outside the tree we started from. Entries come depth-first, children sorted by name.
import { closeSync, fstatSync, readSync, readdirSync, type BigIntStats } from "node:fs";
import { AT, O, fdPath, openat, readlinkat } from "../sys/at.ts";
import { fgetxattr } from "../sys/xattr.ts";
import { closeFd } from "../sys/fs.ts";
import { readPortableXattrs } from "./xattrs.ts";
import type { TarWriteEntry } from "../image/tar/writer.ts";

export type CopyEntry = TarWriteEntry & {
  size?: number;
  /**
   * A regular file's body read into `buf` (pack.ts); valid until the walk moves on, as `stream`, whose
   * chunks share one buffer: consume (or copy) each one before asking for the next.
   */
  readInto?: (buf: Uint8Array, offset: number, length: number) => number;
};

export interface WalkOptions {
  /** Overlay upper dir → layer: 0:0 char devices become `.wh.NAME`, opaque dirs get `.wh..wh..opq`. */
  overlayWhiteouts?: boolean;
  /** Leaves out this entry (not its children) when true. */
  skip?: (name: string) => boolean;
}

const CHUNK = 1 << 20;

/**
 * Entries of the object `fd` (an O_PATH fd, not consumed) named `name`; with name "" a directory's
 * children come without an entry for the directory itself (Docker's "SRC/." form).
 */
export async function* walkTree(fd: number, name: string, opts: WalkOptions = {}): AsyncGenerator<CopyEntry> {
  const walk: Walk = { opts, links: new Map(), scratch: undefined };
  yield* walkObject(fd, name, walk);
}

/** One walk's state: hard links seen, and the one buffer every body chunk of `stream` is read into. */
interface Walk { opts: WalkOptions; links: Map<string, string>; scratch: Uint8Array | undefined }

async function* walkObject(fd: number, name: string, walk: Walk): AsyncGenerator<CopyEntry> {
  const { opts, links } = walk;
  const st = fstatSync(fd, { bigint: true });
  const kind = Number(st.mode) & 0o170000;
  const base = header(st, name);
  const skipped = name !== "" && opts.skip?.(name) === true;
  if (skipped && kind !== 0o040000) return;
  if (kind === 0o040000) {
    const dirFd = openat(fd, ".", O.RDONLY | O.DIRECTORY | O.CLOEXEC);
    try {
      if (name !== "" && !skipped) {
        const xattrs = readPortableXattrs(dirFd);
        yield { ...base, type: "dir", ...(xattrs && { xattrs }) };
      }
      if (opts.overlayWhiteouts && fgetxattr(dirFd, "trusted.overlay.opaque")?.toString() === "y") {
        yield { ...base, type: "file", mode: Number(st.mode) & 0o777, name: join(name, ".wh..wh..opq"), size: 0 };
      }
      const children = readdirSync(fdPath(dirFd)).sort();
      for (const child of children) {
        let childFd: number;
        try {
          childFd = openat(dirFd, child, O.PATH | O.NOFOLLOW | O.CLOEXEC);
        } catch (e) {
          if ((e as { errno?: number }).errno === 2) continue; // removed since the listing: not there any more
          throw e;
        }
        try {
          yield* walkObject(childFd, join(name, child), walk);
        } finally {
          closeFd(childFd);
        }
      }
    } finally {
      closeFd(dirFd);
    }
    return;
  }
  if (kind === 0o100000) {
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1n ? links.get(key) : undefined;
    if (first !== undefined) { yield { ...base, type: "hardlink", linkname: first }; return; }
    if (st.nlink > 1n) links.set(key, name);
    const size = Number(st.size);
    // Opened through the very fd that was checked: a device or fifo swapped in since is never opened.
    const rd = openat(AT.FDCWD, fdPath(fd), O.RDONLY | O.CLOEXEC);
    try {
      const xattrs = readPortableXattrs(rd);
      // Reads past `size` are cut by the callers: a file that grew keeps the size its header says.
      const readInto = (buf: Uint8Array, offset: number, length: number) => readSync(rd, buf, offset, length, null);
      yield { ...base, type: "file", size, ...(xattrs && { xattrs }), stream: () => readBody(rd, size, (walk.scratch ??= Buffer.allocUnsafeSlow(CHUNK))), readInto };
    } finally {
      closeSync(rd);
    }
    return;
  }
  if (kind === 0o120000) { yield { ...base, type: "symlink", linkname: readlinkat(fd, "") }; return; }
  const rdev = st.rdev;
  const devmajor = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const devminor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  if (kind === 0o020000 && opts.overlayWhiteouts && devmajor === 0 && devminor === 0) {
    const slash = name.lastIndexOf("/");
    yield { ...base, type: "file", mode: Number(st.mode) & 0o777, name: `${name.slice(0, slash + 1)}.wh.${name.slice(slash + 1)}`, size: 0 };
    return;
  }
  if (kind === 0o020000) yield { ...base, type: "char", devmajor, devminor };
  else if (kind === 0o060000) yield { ...base, type: "block", devmajor, devminor };
  else if (kind === 0o010000) yield { ...base, type: "fifo" };
  // sockets cannot be archived (tar has no type for them): skipped, as tar and Docker do
}

function header(st: BigIntStats, name: string): CopyEntry {
  return {
    name, mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid),
    mtime: Number(st.mtimeMs / 1000n),
  };
}

function join(dir: string, child: string): string {
  return dir === "" ? child : `${dir}/${child}`;
}

/**
 * Exactly `size` bytes of the open regular file `rd` (closed by the walk): a file that shrinks while being
 * read is padded with zeros and one that grows is cut, so the archive header written before stays true.
 * Every chunk is a view of `scratch`, valid until the next one is asked for (TreeWriter writes each one
 * at once): one buffer for the whole walk instead of fresh memory per file, whose page faults cost more
 * than the copy.
 */
async function* readBody(rd: number, size: number, scratch: Uint8Array): AsyncGenerator<Uint8Array> {
  let left = size;
  while (left > 0) {
    const n = readSync(rd, scratch, 0, Math.min(scratch.length, left), null);
    if (n === 0) { yield new Uint8Array(left); return; }
    left -= n;
    yield scratch.subarray(0, n);
  }
}
