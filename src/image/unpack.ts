// Unpacks one layer (gzip, zstd or plain tar) into an empty directory, and digests it on the way: the
// sha256 of the raw input (the blob digest) and of the uncompressed tar (the diffID). OCI whiteouts
// become overlayfs whiteouts, so the directory can serve as an overlay lowerdir as it is.
import {
  closeSync, constants, linkSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, rmSync, symlinkSync,
  chmodSync, writeSync, type Stats,
} from "node:fs";
import { join } from "node:path";
import { S_IFBLK, S_IFCHR, S_IFIFO, lsetxattr, mknod } from "../sys/fs.ts";
import { Errno, SyscallError } from "../sys/errno.ts";
import { decompress } from "./compression.ts";
import { UnsafeLayerError, entryComponents } from "./safe-path.ts";
import { readTar, type ByteInput, type TarEntry } from "./tar/reader.ts";

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";
const OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";

export interface UnpackResult {
  /** sha256 of the input as given (compressed or not): the blob digest. */
  digest: string;
  /** sha256 of the uncompressed tar stream. */
  diffId: string;
  /** Bytes of regular file content, the layer's size as Docker reports it. */
  size: number;
  /** Length of the uncompressed tar stream. */
  tarSize: number;
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

async function* tap(input: AsyncIterable<Uint8Array>, hasher: Bun.CryptoHasher, count?: { n: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of input) {
    hasher.update(chunk);
    if (count) count.n += chunk.length;
    yield chunk;
  }
}

/** Writes entries below `root`, never through a symlink and never outside. */
class LayerWriter {
  // Relative paths already checked to be real directories; cleared whenever something is replaced.
  private readonly knownDirs = new Set<string>();
  private readonly dirTimes: [path: string, mtime: number][] = [];
  size = 0;

  constructor(private readonly root: string, private readonly label: string) {}

  private refuse(entry: string, why: string): never {
    throw new UnsafeLayerError(this.label, entry, why);
  }

  /** Makes sure every parent of `parts` is a real directory inside the layer (creating missing ones). */
  private parents(parts: string[], entry: string, create: boolean): void {
    for (let i = 1; i < parts.length; i++) {
      const rel = parts.slice(0, i).join("/");
      if (this.knownDirs.has(rel)) continue;
      const abs = join(this.root, rel);
      const st = lstatOrNull(abs);
      if (!st) {
        if (!create) this.refuse(entry, `${rel} does not exist in the layer`);
        mkdirSync(abs, 0o755);
      } else if (st.isSymbolicLink()) {
        this.refuse(entry, `parent ${rel} is a symbolic link`);
      } else if (!st.isDirectory()) {
        this.refuse(entry, `parent ${rel} is not a directory`);
      }
      this.knownDirs.add(rel);
    }
  }

  /** Removes what is at `abs` unless both it and the new entry are directories. Returns true if kept. */
  private clear(abs: string, rel: string, keepDir: boolean): boolean {
    const st = lstatOrNull(abs);
    if (!st) return false;
    if (keepDir && st.isDirectory()) return true;
    rmSync(abs, { recursive: true, force: true });
    if (st.isDirectory()) this.knownDirs.clear();
    else this.knownDirs.delete(rel);
    return false;
  }

  async add(e: TarEntry): Promise<void> {
    const parts = entryComponents(e.name, this.label);
    if (parts.length === 0) {
      if (e.type !== "dir") this.refuse(e.name, "the layer root must be a directory");
      this.metadata(this.root, e);
      return;
    }
    const base = parts[parts.length - 1]!;
    if (base.startsWith(WHITEOUT)) return this.whiteout(e, parts, base);
    this.parents(parts, e.name, true);
    const rel = parts.join("/");
    const abs = join(this.root, rel);
    const kept = this.clear(abs, rel, e.type === "dir");
    switch (e.type) {
      case "dir":
        if (!kept) mkdirSync(abs, 0o700);
        this.knownDirs.add(rel);
        break;
      case "file":
        await this.writeFile(abs, e);
        break;
      case "symlink":
        symlinkSync(e.linkname, abs);
        break;
      case "hardlink":
        return this.hardlink(abs, e);
      case "char":
      case "block":
        mknod(abs, (e.type === "char" ? S_IFCHR : S_IFBLK) | 0o600, e.devmajor, e.devminor);
        break;
      case "fifo":
        mknod(abs, S_IFIFO | 0o600);
        break;
    }
    this.metadata(abs, e);
  }

  private async writeFile(abs: string, e: TarEntry): Promise<void> {
    const fd = openSync(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      for await (const chunk of e.body()) {
        for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
      }
    } finally {
      closeSync(fd);
    }
    this.size += e.size;
  }

  private hardlink(abs: string, e: TarEntry): void {
    const target = entryComponents(e.linkname, this.label);
    if (target.length === 0) this.refuse(e.name, "hard link to the layer root");
    this.parents(target, e.name, false);
    const targetAbs = join(this.root, ...target);
    const st = lstatOrNull(targetAbs);
    if (!st) this.refuse(e.name, `hard link target ${e.linkname} is not in the layer`);
    if (st.isDirectory()) this.refuse(e.name, `hard link target ${e.linkname} is a directory`);
    linkSync(targetAbs, abs);
  }

  private whiteout(e: TarEntry, parts: string[], base: string): void {
    this.parents(parts, e.name, true);
    const dir = join(this.root, ...parts.slice(0, -1));
    if (base === OPAQUE) {
      lsetxattr(dir, OVERLAY_OPAQUE_XATTR, "y");
      return;
    }
    const name = base.slice(WHITEOUT.length);
    // Other ".wh..wh." names are AUFS bookkeeping (hard link dirs), meaningless for overlayfs.
    if (name.startsWith(WHITEOUT)) return;
    if (name === "" || name === "." || name === "..") this.refuse(e.name, "malformed whiteout");
    const abs = join(dir, name);
    this.clear(abs, [...parts.slice(0, -1), name].join("/"), false);
    mknod(abs, S_IFCHR, 0, 0);
    lchownSync(abs, e.uid, e.gid);
  }

  /** Owner first: chown clears setuid/setgid, so the mode comes after it. */
  private metadata(abs: string, e: TarEntry): void {
    lchownSync(abs, e.uid, e.gid);
    for (const [key, value] of Object.entries(e.xattrs)) {
      // A layer must not steer overlayfs (opaque dirs, redirects) except through whiteout files.
      if (key.startsWith("trusted.overlay.")) continue;
      try {
        lsetxattr(abs, key, value);
      } catch (error) {
        if (!(error instanceof SyscallError && error.errno === Errno.EOPNOTSUPP)) throw error;
      }
    }
    if (e.type !== "symlink") chmodSync(abs, e.mode);
    if (e.type === "dir") this.dirTimes.push([abs, e.mtime]);
    else lutimesSync(abs, e.mtime, e.mtime);
  }

  /** Directory times last: creating children updates them. lutimes, because a path may since be a symlink. */
  finish(): void {
    for (const [abs, mtime] of this.dirTimes) lutimesSync(abs, mtime, mtime);
  }
}

/** An unpack failure, with the digest of the whole raw input when it could still be read to its end. */
export class UnpackError extends Error {
  constructor(readonly original: unknown, readonly rawDigest: string | undefined) {
    super(original instanceof Error ? original.message : String(original));
    this.name = "UnpackError";
  }
}

/** Hashes chunks from an iterator that stays open when the consumer stops, so it can be drained later. */
async function* hashing(it: AsyncIterator<Uint8Array>, hasher: Bun.CryptoHasher, state: { inputFailed: boolean }): AsyncGenerator<Uint8Array> {
  for (;;) {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await it.next();
    } catch (error) {
      state.inputFailed = true;
      throw error;
    }
    if (next.done) return;
    hasher.update(next.value);
    yield next.value;
  }
}

/**
 * Unpacks a layer into `dest` (an existing, empty directory). On error `dest` is left partly written:
 * the caller unpacks into a temporary directory and discards it. When the content is malformed (bad
 * gzip, bad tar), the rest of the input is still read and hashed, and the error carries the digest: a
 * corrupt download is then reported as a digest mismatch, its real cause.
 */
export async function unpackLayer(input: ByteInput, dest: string, label = dest): Promise<UnpackResult> {
  const raw = new Bun.CryptoHasher("sha256");
  const plain = new Bun.CryptoHasher("sha256");
  const writer = new LayerWriter(dest, label);
  const tarSize = { n: 0 };
  const source = (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const state = { inputFailed: false };
  const tar = tap(decompress(hashing(source, raw, state), label), plain, tarSize);
  try {
    for await (const entry of readTar(tar)) await writer.add(entry);
  } catch (error) {
    let rawDigest: string | undefined;
    if (state.inputFailed) throw error;
    try {
      for (let next = await source.next(); !next.done; next = await source.next()) raw.update(next.value);
      rawDigest = `sha256:${raw.digest("hex")}`;
    } catch {
      // the input itself failed: no digest to offer
    }
    await source.return?.();
    throw rawDigest === undefined ? error : new UnpackError(error, rawDigest);
  }
  writer.finish();
  return { digest: `sha256:${raw.digest("hex")}`, diffId: `sha256:${plain.digest("hex")}`, size: writer.size, tarSize: tarSize.n };
}
