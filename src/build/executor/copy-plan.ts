// COPY/ADD → the entries of a new layer, planned before anything is written: sources resolved (with
// wildcards, .dockerignore and the context's confinement), Docker's destination rules applied, parent
// directories carried over from the image with their metadata so the layer does not change them.
import { readlinkSync } from "node:fs";
import { posix } from "node:path";
import type { TarWriteEntry } from "../../image/tar/writer.ts";
import { isIgnored, type IgnorePattern } from "../context/dockerignore.ts";
import { BuildError } from "../errors.ts";
import { clampMtime, entryFromStat, fileDigest, sourceDateEpoch } from "../tar-entries.ts";
import { PathNotFoundError, type LayeredFs, type Node } from "./layered-fs.ts";
import type { Owner } from "./owner.ts";
import { isGitSource, type Download } from "./add-url.ts";

export interface PlannedEntry extends TarWriteEntry {
  /** Where a regular file's bytes come from (for the content digest). */
  hostPath?: string;
}

export interface CopySource {
  fs: LayeredFs;
  /** The build context: refuse paths leaving it; apply .dockerignore. */
  context: boolean;
  ignore: IgnorePattern[];
  /** COPY --from keeps owners; the context's files belong to root unless --chown. */
  preserveOwner: boolean;
}

export interface CopyRequest {
  kind: "COPY" | "ADD";
  sources: string[];
  /** Absolute, expanded. A trailing slash means "a directory". */
  dest: string;
  source: CopySource;
  target: LayeredFs;
  chown?: Owner;
  chmod?: number;
  /** Heredoc sources by name, already expanded. */
  heredocs: Map<string, string>;
  /** --exclude: patterns (.dockerignore syntax) matched against paths relative to each source. */
  excludes?: IgnorePattern[];
  /** --parents: each source keeps its path from the context root (or from a `/./` in it) under dest. */
  parents?: boolean;
  /** ADD: the http(s) sources, downloaded (add-url.ts); copied as files, never unpacked. */
  downloads?: Map<string, Download>;
  /** ADD: local tar archives are unpacked (entries read by the caller). */
  unpackArchive?: (node: Node) => Promise<PlannedEntry[] | null>;
}

const WILDCARD = /[*?[]/;

function matchComponent(pattern: string, name: string): boolean {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\" && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) { re += "\\["; continue; }
      let body = pattern.slice(i + 1, end);
      if (body.startsWith("^") || body.startsWith("!")) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\(?!.)/g, "\\\\")}]`;
      i = end;
    } else re += c.replace(/[.+(){}|^$\]]/g, "\\$&");
  }
  try {
    return new RegExp(`${re}$`, "su").test(name);
  } catch {
    return false;
  }
}

/** The part of a source path that --parents keeps: after a `/./` pivot, else all of it (no leading slash). */
function keptPath(src: string, path: string): string {
  const pivot = src.indexOf("/./");
  const rel = path.replace(/^\/+/, "");
  if (pivot < 0) return rel;
  const prefix = posix.normalize(`/${src.slice(0, pivot)}`).replace(/^\/+/, "");
  return prefix === "" ? rel : rel.slice(prefix.length + 1);
}

/** A source path (maybe with wildcards) → the nodes it names, not following a final symlink's target for names. */
function expandSource(src: string, source: CopySource): { node: Node; base: string; kept: string }[] {
  const confine = source.context ? () => new BuildError(`forbidden path outside the build context: ${src}`) : undefined;
  const cleaned = posix.normalize(`/${src}`);
  if (source.context && posix.normalize(src).startsWith("..")) throw new BuildError(`forbidden path outside the build context: ${src}`);
  const visible = (node: Node) => !(source.context && node.path !== "" && isIgnored(source.ignore, node.path));
  if (!WILDCARD.test(src)) {
    const node = source.fs.resolve(cleaned, { followLast: true, ...(confine && { confine }) });
    if (node === null || !visible(node)) throw new PathNotFoundError(cleaned.slice(1));
    return [{ node, base: posix.basename(cleaned), kept: keptPath(src, cleaned) }];
  }
  // Expand component by component against the merged directories.
  let current: string[] = [""];
  for (const part of cleaned.split("/").filter(Boolean)) {
    const next: string[] = [];
    for (const dir of current) {
      if (!WILDCARD.test(part)) { next.push(`${dir}/${part}`); continue; }
      const node = source.fs.resolve(dir || "/", { followLast: true, ...(confine && { confine }) });
      if (node === null || !node.stat.isDirectory()) continue;
      const parts = node.path === "" ? [] : node.path.split("/");
      for (const name of source.fs.readdir(parts)) if (matchComponent(part, name)) next.push(`${dir}/${name}`);
    }
    current = next;
  }
  const out: { node: Node; base: string; kept: string }[] = [];
  for (const path of current) {
    const node = source.fs.resolve(path, { followLast: true, ...(confine && { confine }) });
    if (node !== null && visible(node)) out.push({ node, base: posix.basename(path), kept: keptPath(src, path) });
  }
  if (out.length === 0) throw new BuildError(`lstat ${src}: no source files were specified (no file matches the pattern)`);
  return out;
}

/** The destination as a canonical path in the image: symlinks of existing directories followed (inside the root). */
function canonicalDest(target: LayeredFs, dest: string): string[] {
  const parts = dest.split("/").filter((p) => p !== "" && p !== ".");
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const probe = `/${[...out, parts[i]!].join("/")}`;
    let node: Node | null;
    try {
      node = target.resolve(probe, { followLast: true });
    } catch (error) {
      if (error instanceof PathNotFoundError) node = null;
      else throw error;
    }
    if (node === null) { out.push(...parts.slice(i).filter((p) => p !== "..")); break; }
    out.length = 0;
    if (node.path !== "") out.push(...node.path.split("/"));
  }
  return out;
}

export async function planCopy(req: CopyRequest): Promise<PlannedEntry[]> {
  // New directories and heredoc files get the build's time, or SOURCE_DATE_EPOCH for reproducible layers.
  const epoch = sourceDateEpoch() ?? Math.floor(Date.now() / 1000);
  const sources: { node?: Node; heredoc?: string; base: string; kept?: string; remote?: boolean }[] = [];
  for (const src of req.sources) {
    const here = /^[0-9]*<<-?["']?([^"'\s]+)["']?$/.exec(src);
    if (here && req.heredocs.has(here[1]!)) { sources.push({ heredoc: req.heredocs.get(here[1]!)!, base: here[1]! }); continue; }
    if (isGitSource(src)) throw new BuildError(`${req.kind} of a git repository is not supported by minibox build: ${src}`);
    const download = req.downloads?.get(src);
    if (download) {
      sources.push({ node: { hostPath: download.hostPath, stat: download.stat, path: download.name }, base: download.name, remote: true });
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(src)) {
      throw new BuildError(req.kind === "COPY" ? `source can't be a URL for COPY: ${src}` : `${req.kind} from a URL with this scheme is not supported by minibox build: ${src}`);
    }
    const excluded = (e: { base: string }) => req.excludes !== undefined && isIgnored(req.excludes, e.base);
    sources.push(...expandSource(src, req.source).filter((e) => !excluded(e)));
  }
  const destIsDirWritten = req.dest.endsWith("/");
  if (sources.length > 1 && !destIsDirWritten) {
    throw new BuildError(`When using ${req.kind} with more than one source file, the destination must be a directory and end with a /`);
  }
  const destParts = canonicalDest(req.target, req.dest);
  const existingDest = req.target.lookupExact(destParts);
  const destIsDir = destIsDirWritten || sources.length > 1 || req.parents === true || (existingDest?.stat.isDirectory() ?? false);

  const planned = new Map<string, PlannedEntry>();
  const owner = (st?: { uid: number; gid: number }) => req.chown ?? (req.source.preserveOwner && st ? { uid: st.uid, gid: st.gid } : { uid: 0, gid: 0 });
  const withMode = (e: PlannedEntry): PlannedEntry => (req.chmod !== undefined && e.type !== "symlink" ? { ...e, mode: req.chmod } : e);
  const put = (e: PlannedEntry) => planned.set(e.name, e);
  // Created parent directories are 0755 (with --chown's owner); --chmod is for what is copied, a
  // 0640 parent would be unusable (buildah and BuildKit agree).
  const newDir = (name: string): PlannedEntry => ({ name, type: "dir", mode: 0o755, ...owner(), mtime: epoch });

  /** `rel`: the path below the source being copied, which --exclude patterns are matched against. */
  const excludedChild = (rel: string) => req.excludes !== undefined && isIgnored(req.excludes, rel);
  const copyNode = (node: Node, to: string, rel = "") => {
    const st = node.stat;
    const entry: PlannedEntry = { ...entryFromStat(to, node.hostPath, st, () => readlinkSync(node.hostPath)), ...owner(st) };
    if (st.isFile()) entry.hostPath = node.hostPath;
    put(withMode(entry));
    if (!st.isDirectory()) return;
    const parts = node.path === "" ? [] : node.path.split("/");
    for (const name of req.source.fs.readdir(parts)) {
      const childPath = [...parts, name].join("/");
      if (req.source.context && isIgnored(req.source.ignore, childPath)) continue;
      const childRel = rel === "" ? name : `${rel}/${name}`;
      if (excludedChild(childRel)) continue;
      const child = req.source.fs.lookupExact([...parts, name]);
      if (child) copyNode(child, to === "" ? name : `${to}/${name}`, childRel);
    }
  };

  const destName = destParts.join("/");
  for (const s of sources) {
    if (s.heredoc !== undefined) {
      const to = destIsDir ? [...destParts, s.base].join("/") : destName;
      put(withMode({ name: to, type: "file", mode: 0o644, ...owner(), mtime: epoch, body: s.heredoc }));
      continue;
    }
    const node = s.node!;
    if (req.parents && s.kept !== undefined) {
      // The source's own path under the destination; its directory contents below that.
      copyNode(node, [...destParts, ...s.kept.split("/").filter(Boolean)].join("/"));
      continue;
    }
    if (node.stat.isDirectory()) {
      // A directory's contents go into the destination, which becomes (or stays) a directory.
      if (existingDest === null && destName !== "") copyNode(node, destName);
      else {
        const parts = node.path === "" ? [] : node.path.split("/");
        for (const name of req.source.fs.readdir(parts)) {
          const childPath = [...parts, name].join("/");
          if (req.source.context && isIgnored(req.source.ignore, childPath)) continue;
          if (excludedChild(name)) continue;
          const child = req.source.fs.lookupExact([...parts, name]);
          if (child) copyNode(child, destName === "" ? name : `${destName}/${name}`, name);
        }
      }
      continue;
    }
    if (req.unpackArchive && node.stat.isFile() && !s.remote) {
      const unpacked = await req.unpackArchive(node);
      if (unpacked) {
        for (const e of unpacked) put({ ...e, name: destName === "" ? e.name : `${destName}/${e.name}`, ...(e.type === "hardlink" && { linkname: destName === "" ? e.linkname! : `${destName}/${e.linkname}` }), ...(req.chown ?? {}) });
        if (destName !== "" && !planned.has(destName) && existingDest === null) put(newDir(destName));
        continue;
      }
    }
    copyNode(node, destIsDir ? [...destParts, s.base].join("/") : destName);
  }

  // Parent directories: existing ones keep their metadata (an entry with other metadata would change
  // them in the merged view), missing ones are created.
  for (const name of [...planned.keys()]) {
    const parts = name.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (planned.has(dir)) continue;
      const existing = req.target.lookupExact(parts.slice(0, i));
      if (existing === null) { put(newDir(dir)); continue; }
      if (!existing.stat.isDirectory()) throw new BuildError(`cannot copy to non-directory: /${dir}`);
      const st = existing.stat;
      put({ name: dir, type: "dir", mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: clampMtime(st.mtimeMs / 1000) });
    }
  }
  return [...planned.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The content checksum of a plan (names, types, modes, owners, link targets, file contents); mtimes are left out. */
export async function planDigest(entries: PlannedEntry[]): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for (const e of entries) {
    const content = e.hostPath !== undefined ? await fileDigest(e.hostPath, e.size ?? 0)
      : e.body !== undefined ? new Bun.CryptoHasher("sha256").update(e.body).digest("hex") : "";
    hasher.update(JSON.stringify([e.name, e.type ?? "file", e.mode, e.uid, e.gid, e.linkname ?? "", e.devmajor ?? 0, e.devminor ?? 0, content]));
    hasher.update("\n");
  }
  return `sha256:${hasher.digest("hex")}`;
}

/**
 * WORKDIR's directory, when the image does not have it: the entries of a layer creating it (and its
 * missing parents) 0755, owned by `owner` (the current USER, as BuildKit does); null when it exists.
 */
export function planMkdir(target: LayeredFs, path: string, owner: Owner): PlannedEntry[] | null {
  const parts = canonicalDest(target, path);
  const existing = target.lookupExact(parts);
  if (existing !== null) {
    if (!existing.stat.isDirectory()) throw new BuildError(`mkdir /${parts.join("/")}: not a directory`);
    return null;
  }
  const epoch = sourceDateEpoch() ?? Math.floor(Date.now() / 1000);
  const out: PlannedEntry[] = [];
  for (let i = 1; i <= parts.length; i++) {
    const st = target.lookupExact(parts.slice(0, i))?.stat;
    if (st && !st.isDirectory()) throw new BuildError(`mkdir /${parts.slice(0, i).join("/")}: not a directory`);
    out.push(st ? { name: parts.slice(0, i).join("/"), type: "dir", mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: clampMtime(st.mtimeMs / 1000) }
      : { name: parts.slice(0, i).join("/"), type: "dir", mode: 0o755, ...owner, mtime: epoch });
  }
  return out;
}
