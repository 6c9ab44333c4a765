// Turning files on disk into tar entries for a new layer: metadata from lstat, bodies read through an
// fd opened with O_NOFOLLOW, mtimes clamped to SOURCE_DATE_EPOCH when it is set (reproducible output).
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import type { TarWriteEntry } from "../image/tar/writer.ts";
import { BuildError } from "./errors.ts";

const CHUNK = 1 << 20;

export function sourceDateEpoch(env: Record<string, string | undefined> = process.env): number | undefined {
  const v = env.SOURCE_DATE_EPOCH;
  return v !== undefined && /^[0-9]+$/.test(v) ? Number(v) : undefined;
}

export function clampMtime(seconds: number, epoch = sourceDateEpoch()): number {
  const s = Math.floor(seconds);
  return epoch !== undefined && s > epoch ? epoch : s;
}

export function devMajor(rdev: number): number {
  return ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}
export function devMinor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
}

/** Streams a regular file's bytes; fails if it is not the file that was planned (size or type changed). */
export function fileStream(hostPath: string, size: number): () => AsyncIterable<Uint8Array> {
  return async function* () {
    const fd = openSync(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.size !== size) throw new BuildError(`${hostPath}: changed while it was being copied`);
      let left = size;
      while (left > 0) {
        const buf = new Uint8Array(Math.min(CHUNK, left));
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) throw new BuildError(`${hostPath}: changed while it was being copied`);
        left -= n;
        yield buf.subarray(0, n);
      }
    } finally {
      closeSync(fd);
    }
  };
}

/** sha256 of a file's content, read the same safe way. */
export async function fileDigest(hostPath: string, size: number): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of fileStream(hostPath, size)()) hasher.update(chunk);
  return hasher.digest("hex");
}

/** One entry for a file on disk; `name` is its path in the layer (no leading slash). */
export function entryFromStat(name: string, hostPath: string, st: Stats, readLink: () => string): TarWriteEntry {
  const base = { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: clampMtime(st.mtimeMs / 1000) };
  if (st.isDirectory()) return { ...base, type: "dir" };
  if (st.isSymbolicLink()) return { ...base, type: "symlink", linkname: readLink() };
  if (st.isFile()) return { ...base, type: "file", size: st.size, stream: fileStream(hostPath, st.size) };
  if (st.isCharacterDevice()) return { ...base, type: "char", devmajor: devMajor(st.rdev), devminor: devMinor(st.rdev) };
  if (st.isBlockDevice()) return { ...base, type: "block", devmajor: devMajor(st.rdev), devminor: devMinor(st.rdev) };
  if (st.isFIFO()) return { ...base, type: "fifo" };
  throw new BuildError(`${hostPath}: sockets cannot be stored in a layer`);
}
