// `cp`: Docker's copy rules (trailing "/" and "/.", rename on a missing destination, overwrite of a file,
// copy into a directory) between a container and the host or a tar stream. Inside the container every
// path is resolved with openInRoot (RESOLVE_IN_ROOT) to an fd, and everything below is read (walk.ts) or
// written (tree-writer.ts) relative to fds: no path string is ever resolved twice, no container code runs.
import { AT, O, fstatx, isDir, openat } from "../sys/at.ts";
import { Errno, SyscallError } from "../sys/errno.ts";
import { closeFd } from "../sys/fs.ts";
import { realSyscalls } from "../sys/init-syscalls.ts";
import { openInRoot } from "../init/secure-join.ts";
import { readTar, TarFormatError, type ByteInput } from "../image/tar/reader.ts";
import { decompress } from "../image/compression.ts";
import { UserError } from "../errors.ts";
import { findContainer } from "../container/lookup.ts";
import type { ContainerStore } from "../container/store.ts";
import { openContainerRoot, type RootView } from "./container-root.ts";
import { walkTree, type CopyEntry } from "./walk.ts";
import { TreeWriter, type Ownership } from "./tree-writer.ts";
import { CopyError } from "./errors.ts";
import { packTar } from "./pack.ts";

export type Endpoint =
  | { kind: "stream" }
  | { kind: "host"; path: string }
  | { kind: "container"; ref: string; path: string };

export interface CopyOptions {
  /** -a: keep uid/gid from the source. */
  archive: boolean;
  /** -L: follow a symlink given as SRC. */
  followLink: boolean;
}

export interface CopyIo {
  stdin: () => ByteInput;
  stdout: (chunks: AsyncIterable<Uint8Array>) => Promise<void>;
}

/** Docker's rule: "-" is a stream, a path starting with "/" or "." is local, else CONTAINER:PATH if it has a colon. */
export function parseEndpoint(arg: string): Endpoint {
  if (arg === "-") return { kind: "stream" };
  if (arg.startsWith("/") || arg.startsWith(".")) return { kind: "host", path: arg };
  const colon = arg.indexOf(":");
  if (colon <= 0) return { kind: "host", path: arg };
  return { kind: "container", ref: arg.slice(0, colon), path: arg.slice(colon + 1) || "/" };
}

/** One side of the copy, as a place to look names up in. */
interface Side {
  /** O_PATH fd of `path`; follows a final symlink only with `follow`. Throws CopyError when missing. */
  open(path: string, follow: boolean): number;
  /** What Docker says when `path` is not there. */
  missing(path: string): string;
  owner(archive: boolean): Ownership;
}

function hostSide(): Side {
  return {
    open(path, follow) {
      try {
        return openat(AT.FDCWD, path, O.PATH | O.CLOEXEC | (follow ? 0 : O.NOFOLLOW));
      } catch (e) {
        throw translate(e, path, this.missing(path));
      }
    },
    missing: (path) => `lstat ${path}: no such file or directory`,
    owner: (archive) => (archive ? "keep" : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }),
  };
}

function containerSide(root: RootView, ref: string): Side {
  return {
    open(path, follow) {
      const missing = this.missing(path);
      if (follow) {
        try { return openInRoot(realSyscalls, root.fd, path); } catch (e) { throw translate(e, path, missing); }
      }
      const { dir, base } = splitPath(path);
      let parent: number;
      try { parent = openInRoot(realSyscalls, root.fd, dir); } catch (e) { throw translate(e, path, missing); }
      if (base === "") return parent;
      try {
        return openat(parent, base, O.PATH | O.NOFOLLOW | O.CLOEXEC);
      } catch (e) {
        throw translate(e, path, missing);
      } finally {
        closeFd(parent);
      }
    },
    missing: (path) => `Could not find the file ${path} in container ${ref}`,
    owner: (archive) => (archive ? "keep" : { uid: 0, gid: 0 }),
  };
}

function translate(e: unknown, path: string, missing: string): unknown {
  if (!(e instanceof SyscallError)) return e;
  if (e.errno === Errno.ENOENT) return new CopyError(missing);
  if (e.errno === Errno.ENOTDIR) return new CopyError(`${path}: not a directory`);
  if (e.errno === Errno.ELOOP) return new CopyError(`${path}: too many levels of symbolic links`);
  return e;
}

/** Directory part and last component of a path, "." and trailing slashes aside. */
function splitPath(path: string): { dir: string; base: string } {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  const base = parts.pop() ?? "";
  return { dir: "/" + parts.join("/"), base: base === ".." ? "" : base };
}

export async function copy(store: ContainerStore, src: Endpoint, dst: Endpoint, opts: CopyOptions, io: CopyIo): Promise<void> {
  if (src.kind === "container" && dst.kind === "container") throw new CopyError("copying between containers is not supported");
  if (src.kind !== "container" && dst.kind !== "container") throw new CopyError("must specify at least one container source");
  const views: RootView[] = [];
  try {
    const sideOf = async (e: Endpoint, purpose: "read" | "write"): Promise<Side> => {
      if (e.kind !== "container") return hostSide();
      const record = findContainer(store, e.ref);
      const view = await openContainerRoot(store, record, purpose);
      views.push(view);
      return containerSide(view, e.ref);
    };
    const srcSide = src.kind === "stream" ? undefined : await sideOf(src, "read");
    const dstSide = dst.kind === "stream" ? undefined : await sideOf(dst, "write");
    const srcPath = src.kind === "stream" ? "" : src.path;

    // The source: an fd and the name its tree gets, or the entries of a tar on stdin.
    let srcFd = -1, srcIsDir = false, contentsOnly = false, srcBase = "";
    if (srcSide) {
      contentsOnly = /(^|\/)\.$/.test(srcPath);
      srcFd = srcSide.open(srcPath, opts.followLink);
      srcIsDir = isDir(fstatx(srcFd));
      if (!srcIsDir && (srcPath.endsWith("/") || contentsOnly)) { closeFd(srcFd); throw new CopyError(`${srcPath}: not a directory`); }
      srcBase = splitPath(srcPath).base;
    }
    try {
      if (!dstSide) {
        await io.stdout(packTar(walkTree(srcFd, contentsOnly ? "" : srcBase)));
        return;
      }
      const dstPath = (dst as { path: string }).path;
      const target = placeDestination(dstSide, dstPath, srcSide ? { isDir: srcIsDir, contentsOnly, base: srcBase } : undefined);
      try {
        const writer = new TreeWriter(target.dirFd, dstSide.owner(opts.archive));
        try {
          if (srcSide) {
            for await (const entry of walkTree(srcFd, target.name)) await writer.write(entry);
          } else {
            await extractStream(writer, io.stdin());
          }
        } finally {
          writer.finish();
        }
      } finally {
        closeFd(target.dirFd);
      }
    } finally {
      if (srcFd >= 0) closeFd(srcFd);
    }
  } finally {
    for (const v of views) v.close();
  }
}

interface SourceShape { isDir: boolean; contentsOnly: boolean; base: string }

/** Docker's table: which directory receives the tree, and under which name ("" = the tree's contents). */
function placeDestination(side: Side, path: string, src: SourceShape | undefined): { dirFd: number; name: string } {
  let fd: number | undefined;
  try {
    fd = side.open(path, true);
  } catch (e) {
    if (!(e instanceof CopyError)) throw e;
  }
  if (fd !== undefined) {
    if (isDir(fstatx(fd))) return { dirFd: fd, name: !src || src.contentsOnly ? "" : src.base };
    closeFd(fd);
    if (!src) throw new CopyError(`destination "${path}" must be a directory`);
    if (src.isDir) throw new CopyError(`cannot copy a directory to a file: ${path}`);
    if (path.endsWith("/")) throw new CopyError(`${path}: not a directory`);
    return parentOf(side, path);
  }
  if (!src) throw new CopyError(side.missing(path));
  if (path.endsWith("/") && !src.isDir) throw new CopyError(`no such directory: ${path} (the destination directory must exist)`);
  return parentOf(side, path);
}

function parentOf(side: Side, path: string): { dirFd: number; name: string } {
  const trimmed = path.replace(/\/+$/, "");
  const slash = trimmed.lastIndexOf("/");
  const dir = slash < 0 ? "." : slash === 0 ? "/" : trimmed.slice(0, slash);
  const base = trimmed.slice(slash + 1);
  if (base === "" || base === "." || base === "..") throw new CopyError(`invalid destination path: ${path}`);
  const fd = side.open(dir, true);
  if (!isDir(fstatx(fd))) { closeFd(fd); throw new CopyError(`${dir}: not a directory`); }
  return { dirFd: fd, name: base };
}

/** A tar on stdin, plain or compressed as Docker's archive package detects it (gzip and zstd here). */
async function extractStream(writer: TreeWriter, input: ByteInput): Promise<void> {
  try {
    for await (const entry of tarEntries(decompress(input, "stdin"))) await writer.write(entry);
  } catch (e) {
    // The archive itself is bad (format, compression): Docker's one line, exit 1. CopyErrors of the
    // writer are already that; an unreadable compression is a plain UserError of decompress().
    if (e instanceof TarFormatError || (e instanceof UserError && !(e instanceof CopyError))) {
      throw new CopyError(`Error processing tar file: ${e.message}`);
    }
    throw e;
  }
}

async function* tarEntries(input: ByteInput): AsyncGenerator<CopyEntry> {
  for await (const e of readTar(input)) {
    yield {
      name: e.name, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, mtime: Math.trunc(e.mtime),
      linkname: e.linkname, devmajor: e.devmajor, devminor: e.devminor, size: e.size, stream: e.body,
      ...(Object.keys(e.xattrs).length > 0 && { xattrs: e.xattrs }),
    };
  }
}
