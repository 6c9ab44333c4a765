// Unpacks one layer (gzip, zstd or plain tar) into an empty directory, and digests it on the way: the
// sha256 of the raw input (the blob digest) and of the uncompressed tar (the diffID). OCI whiteouts
// become overlayfs whiteouts, so the directory can serve as an overlay lowerdir as it is.
import {
  closeSync, constants, fchmodSync, fchownSync, futimesSync, linkSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync,
  rmSync, symlinkSync, chmodSync, writeSync, type Stats,
} from "node:fs";
import { join } from "node:path";
import { Errno, SyscallError } from "../sys/errno.ts";
import { decompress } from "./compression.ts";
import { UnsafeLayerError, entryComponents } from "./safe-path.ts";
import { readTar, type ByteInput, type TarEntry } from "./tar/reader.ts";
import { isPortableXattr } from "./tar/xattrs.ts";

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";
const OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";
const S_IFCHR = 0o020000, S_IFBLK = 0o060000, S_IFIFO = 0o010000;
const FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

// The libc bindings (mknod, lsetxattr) are loaded on first use only: their dlopen costs tens of ms per
// thread, and most layers need neither (each unpack worker would otherwise pay it up front).
let sysFs: typeof import("../sys/fs.ts") | undefined;
const sys = async () => (sysFs ??= await import("../sys/fs.ts"));

function exists(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "EEXIST";
}

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

async function* tap(input: AsyncIterable<Uint8Array>, hasher: Bun.CryptoHasher, count: { n: number }, skipHash: () => boolean): AsyncGenerator<Uint8Array> {
  for await (const chunk of input) {
    if (!skipHash()) hasher.update(chunk);
    count.n += chunk.length;
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
      await this.metadata(this.root, e);
      return;
    }
    const base = parts[parts.length - 1]!;
    if (base.startsWith(WHITEOUT)) return this.whiteout(e, parts, base);
    this.parents(parts, e.name, true);
    const rel = parts.join("/");
    const abs = join(this.root, rel);
    // Create first and look only on EEXIST: almost every entry is new, so this saves an lstat per entry.
    // Every call below refuses to follow or replace an existing name (O_EXCL|O_NOFOLLOW, mkdir, symlink,
    // link, mknod), so what is there is only ever removed by clear(), never written through.
    switch (e.type) {
      case "dir":
        try {
          mkdirSync(abs, 0o700);
        } catch (error) {
          if (!exists(error)) throw error;
          if (!this.clear(abs, rel, true)) mkdirSync(abs, 0o700);
        }
        this.knownDirs.add(rel);
        break;
      case "file":
        return this.writeFile(abs, rel, e);
      case "symlink":
        this.create(abs, rel, () => symlinkSync(e.linkname, abs));
        break;
      case "hardlink":
        return this.hardlink(abs, rel, e);
      case "char":
      case "block": {
        const { mknod } = await sys();
        this.create(abs, rel, () => mknod(abs, (e.type === "char" ? S_IFCHR : S_IFBLK) | 0o600, e.devmajor, e.devminor));
        break;
      }
      case "fifo": {
        const { mknod } = await sys();
        this.create(abs, rel, () => mknod(abs, S_IFIFO | 0o600));
        break;
      }
    }
    await this.metadata(abs, e);
  }

  /** Runs `make`; if the name is taken, removes what is there (it is never a directory kept) and retries. */
  private create(abs: string, rel: string, make: () => void): void {
    try {
      make();
    } catch (error) {
      if (!exists(error)) throw error;
      this.clear(abs, rel, false);
      make();
    }
  }

  /**
   * A regular file, its owner, mode and times set through the open descriptor (no path lookups). The
   * owner goes first: chown clears setuid/setgid, so the mode comes after it.
   */
  private async writeFile(abs: string, rel: string, e: TarEntry): Promise<void> {
    let fd: number;
    try {
      fd = openSync(abs, FILE_FLAGS, 0o600);
    } catch (error) {
      if (!exists(error)) throw error;
      this.clear(abs, rel, false);
      fd = openSync(abs, FILE_FLAGS, 0o600);
    }
    try {
      for await (const chunk of e.body()) {
        for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
      }
      fchownSync(fd, e.uid, e.gid);
      if (Object.keys(e.xattrs).length) await this.xattrs(abs, e);
      fchmodSync(fd, e.mode);
      futimesSync(fd, e.mtime, e.mtime);
    } finally {
      closeSync(fd);
    }
    this.size += e.size;
  }

  private async hardlink(abs: string, rel: string, e: TarEntry): Promise<void> {
    const target = entryComponents(e.linkname, this.label);
    if (target.length === 0) this.refuse(e.name, "hard link to the layer root");
    this.parents(target, e.name, false);
    const targetAbs = join(this.root, ...target);
    const st = lstatOrNull(targetAbs);
    if (!st) this.refuse(e.name, `hard link target ${e.linkname} is not in the layer`);
    if (st.isDirectory()) this.refuse(e.name, `hard link target ${e.linkname} is a directory`);
    // A link to itself: clearing the name first would remove the target (the old code refused it later).
    if (targetAbs === abs) this.refuse(e.name, `hard link target ${e.linkname} is not in the layer`);
    this.create(abs, rel, () => linkSync(targetAbs, abs));
  }

  private async whiteout(e: TarEntry, parts: string[], base: string): Promise<void> {
    this.parents(parts, e.name, true);
    const dir = join(this.root, ...parts.slice(0, -1));
    const { lsetxattr, mknod } = await sys();
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

  private async xattrs(abs: string, e: TarEntry): Promise<void> {
    const { lsetxattr } = await sys();
    for (const [key, value] of Object.entries(e.xattrs)) {
      // A layer must not steer overlayfs (opaque dirs, redirects) except through whiteout files, nor set
      // LSM labels: user.* and security.capability only (tar/xattrs.ts).
      if (!isPortableXattr(key)) continue;
      try {
        lsetxattr(abs, key, value);
      } catch (error) {
        if (!(error instanceof SyscallError && error.errno === Errno.EOPNOTSUPP)) throw error;
      }
    }
  }

  /** Owner first: chown clears setuid/setgid, so the mode comes after it. */
  private async metadata(abs: string, e: TarEntry): Promise<void> {
    lchownSync(abs, e.uid, e.gid);
    // user.* cannot be set on a symlink (EPERM) and a capability on one means nothing
    if (e.type !== "symlink" && Object.keys(e.xattrs).length) await this.xattrs(abs, e);
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
 * What unpacking the uncompressed side yields; the blob digest is computed by whoever reads the input.
 * `diffId` is absent for an input that was not compressed: it is then the blob digest, hashed once.
 */
export type TarResult = Omit<UnpackResult, "digest" | "diffId"> & { diffId?: string };

/**
 * Decompresses `compressed` and writes its tar into `dest`, hashing the tar on the way (the diffID) unless
 * it was not compressed. Shared by the in-thread unpackLayer and the unpack worker (unpack-worker.ts).
 */
export async function unpackTar(compressed: AsyncIterable<Uint8Array>, dest: string, label: string): Promise<TarResult> {
  const plain = new Bun.CryptoHasher("sha256");
  const writer = new LayerWriter(dest, label);
  const tarSize = { n: 0 };
  let uncompressed = false;
  const input = decompress(compressed, label, (kind) => { uncompressed = kind === "none"; });
  for await (const entry of readTar(tap(input, plain, tarSize, () => uncompressed))) await writer.add(entry);
  writer.finish();
  return { ...(!uncompressed && { diffId: `sha256:${plain.digest("hex")}` }), size: writer.size, tarSize: tarSize.n };
}

/**
 * Unpacks a layer into `dest` (an existing, empty directory), on this thread. On error `dest` is left
 * partly written: the caller unpacks into a temporary directory and discards it. When the content is
 * malformed (bad gzip, bad tar), the rest of the input is still read and hashed, and the error carries
 * the digest: a corrupt download is then reported as a digest mismatch, its real cause.
 */
export async function unpackLayer(input: ByteInput, dest: string, label = dest): Promise<UnpackResult> {
  const raw = new Bun.CryptoHasher("sha256");
  const source = (input as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const state = { inputFailed: false };
  let got: TarResult;
  try {
    got = await unpackTar(hashing(source, raw, state), dest, label);
  } catch (error) {
    if (state.inputFailed) throw error;
    const rawDigest = await drainDigest(source, raw);
    await source.return?.();
    throw rawDigest === undefined ? error : new UnpackError(error, rawDigest);
  }
  const digest = `sha256:${raw.digest("hex")}`;
  return { digest, ...got, diffId: got.diffId ?? digest };
}

/** Reads the rest of `source` into `raw`; the digest of the whole input, or undefined if the input fails. */
export async function drainDigest(source: AsyncIterator<Uint8Array>, raw: Bun.CryptoHasher): Promise<string | undefined> {
  try {
    for (let next = await source.next(); !next.done; next = await source.next()) raw.update(next.value);
    return `sha256:${raw.digest("hex")}`;
  } catch {
    return undefined; // the input itself failed: no digest to offer
  }
}
