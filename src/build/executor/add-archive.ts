// ADD of a local tar archive (plain, gzip or zstd): its entries are unpacked into the destination.
// Names are reduced to safe components first; names that would be whiteouts in a layer are refused.
import { closeSync, openSync, readSync } from "node:fs";
import { decompress } from "../../image/compression.ts";
import { entryComponents } from "../../image/safe-path.ts";
import { readTar } from "../../image/tar/reader.ts";
import { BuildError } from "../errors.ts";
import { clampMtime } from "../tar-entries.ts";
import type { Node } from "./layered-fs.ts";
import type { PlannedEntry } from "./copy-plan.ts";

function head(path: string): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const buf = new Uint8Array(512);
    return buf.subarray(0, readSync(fd, buf, 0, 512, 0));
  } finally {
    closeSync(fd);
  }
}

export function isArchive(h: Uint8Array): boolean {
  if (h[0] === 0x1f && h[1] === 0x8b) return true;
  if (h[0] === 0x28 && h[1] === 0xb5 && h[2] === 0x2f && h[3] === 0xfd) return true;
  return h.length >= 262 && new TextDecoder().decode(h.subarray(257, 262)) === "ustar";
}

/** The archive's entries (bodies in memory), or null when the file is not an archive (then it is copied). */
export async function archiveEntries(node: Node, label: string): Promise<PlannedEntry[] | null> {
  if (!isArchive(head(node.hostPath))) return null;
  const out: PlannedEntry[] = [];
  try {
    for await (const e of readTar(decompress(Bun.file(node.hostPath).stream(), label))) {
      const parts = entryComponents(e.name, label);
      if (parts.length === 0) continue;
      if (parts.some((p) => p.startsWith(".wh."))) throw new BuildError(`${label}: archive entry ${e.name} has a name reserved for layer whiteouts`);
      const name = parts.join("/");
      const base = { name, mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, mtime: clampMtime(e.mtime) };
      if (e.type === "file") out.push({ ...base, type: "file", body: await e.bytes() });
      else if (e.type === "hardlink") out.push({ ...base, type: "hardlink", linkname: entryComponents(e.linkname, label).join("/") });
      else if (e.type === "symlink") out.push({ ...base, type: "symlink", linkname: e.linkname });
      else if (e.type === "dir") out.push({ ...base, type: "dir" });
      else out.push({ ...base, type: e.type, devmajor: e.devmajor, devminor: e.devminor });
    }
  } catch (error) {
    if (error instanceof BuildError) throw error;
    throw new BuildError(`${label}: cannot unpack archive: ${error instanceof Error ? error.message : String(error)}`);
  }
  return out;
}
