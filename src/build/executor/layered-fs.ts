// A read-only view of an image's merged root filesystem, computed over its unpacked layer directories
// the way overlayfs merges them (whiteouts hide, opaque directories stop the lower layers). Every path
// is resolved here, component by component with lstat, and symlinks are followed inside the root in
// our own code: the kernel is never handed a path with a link a build step could have planted.
import { lstatSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { join } from "node:path";
import { lgetxattr } from "../../sys/fs.ts";
import { BuildError } from "../errors.ts";

export interface Node {
  /** The file in the layer that provides it (read it only after checking `stat`). */
  hostPath: string;
  stat: Stats;
  /** Canonical path inside the root, without leading slash ("" for the root). */
  path: string;
}

const MAX_LINKS = 40;

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw error;
  }
}

export function isWhiteout(stat: Stats): boolean {
  return stat.isCharacterDevice() && stat.rdev === 0;
}

function isOpaque(path: string): boolean {
  const value = lgetxattr(path, "trusted.overlay.opaque");
  return value !== null && value.toString() === "y";
}

export class PathNotFoundError extends BuildError {
  constructor(readonly path: string) {
    super(`"/${path}": not found`);
    this.name = "PathNotFoundError";
  }
}

export class LayeredFs {
  /** Top layer first. */
  private readonly layers: string[];

  /** `layersBottomFirst`: the image's order. */
  constructor(layersBottomFirst: string[], private readonly overlay = true) {
    this.layers = [...layersBottomFirst].reverse();
  }

  /** The merged entry at a canonical path (no symlinks in its directories), or null. */
  lookupExact(parts: string[]): Node | null {
    const path = parts.join("/");
    if (parts.length === 0) {
      const top = this.layers[0];
      return top === undefined ? null : { hostPath: top, stat: lstatSync(top), path };
    }
    for (const layer of this.layers) {
      let hidden = false;
      let opaque = false;
      let missing = false;
      for (let i = 0; i < parts.length - 1; i++) {
        const dir = join(layer, ...parts.slice(0, i + 1));
        const st = lstatOrNull(dir);
        if (st === null) { missing = true; break; }
        if (!st.isDirectory()) { hidden = true; break; } // a file or whiteout here hides every lower layer
        if (this.overlay && isOpaque(dir)) opaque = true;
      }
      if (hidden) return null;
      if (!missing) {
        const hostPath = join(layer, ...parts);
        const st = lstatOrNull(hostPath);
        if (st !== null) return this.overlay && isWhiteout(st) ? null : { hostPath, stat: st, path };
      }
      if (opaque) return null;
    }
    return null;
  }

  /**
   * Resolves `path` inside the root. Symlinks in directories are followed (inside the root); the last
   * one only when `followLast`. With `confine`, a `..` or a link that would leave the root is an error
   * (the build context) instead of being clamped at the root (an image, as the kernel's chroot does).
   */
  resolve(path: string, opts: { followLast: boolean; confine?: (path: string) => Error }): Node | null {
    const pending = path.split("/").filter((p) => p !== "" && p !== ".");
    const parts: string[] = [];
    let links = 0;
    while (pending.length) {
      const name = pending.shift()!;
      if (name === "..") {
        if (parts.length === 0 && opts.confine) throw opts.confine(path);
        parts.pop();
        continue;
      }
      const node = this.lookupExact([...parts, name]);
      if (node === null) {
        if (pending.length) throw new PathNotFoundError([...parts, name, ...pending].join("/"));
        return null;
      }
      if (node.stat.isSymbolicLink() && (pending.length || opts.followLast)) {
        if (++links > MAX_LINKS) throw new BuildError(`/${path}: too many levels of symbolic links`);
        const target = readlinkSync(node.hostPath);
        if (target.startsWith("/")) {
          if (opts.confine) throw opts.confine(path);
          parts.length = 0;
        }
        pending.unshift(...target.split("/").filter((p) => p !== "" && p !== "."));
        continue;
      }
      if (pending.length && !node.stat.isDirectory()) throw new BuildError(`/${[...parts, name].join("/")}: not a directory`);
      parts.push(name);
    }
    return this.lookupExact(parts);
  }

  /** Names in a merged directory (canonical path), sorted. */
  readdir(parts: string[]): string[] {
    const decided = new Map<string, boolean>();
    for (const layer of this.layers) {
      let hidden = false;
      let opaque = false;
      let missing = false;
      for (let i = 0; i < parts.length; i++) {
        const dir = join(layer, ...parts.slice(0, i + 1));
        const st = lstatOrNull(dir);
        if (st === null) { missing = true; break; }
        if (!st.isDirectory()) { hidden = true; break; }
        if (this.overlay && isOpaque(dir)) opaque = true;
      }
      if (hidden) break;
      if (!missing) {
        const dir = join(layer, ...parts);
        for (const name of readdirSync(dir)) {
          if (decided.has(name)) continue;
          const st = lstatSync(join(dir, name));
          decided.set(name, !(this.overlay && isWhiteout(st)));
        }
      }
      if (opaque) break;
    }
    return [...decided].filter(([, present]) => present).map(([name]) => name).sort();
  }
}
