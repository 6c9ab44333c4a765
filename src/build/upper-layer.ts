// A RUN step's overlay upper directory → the entries of a layer tar: overlay whiteouts (char 0/0)
// become `.wh.<name>`, opaque directories get `.wh..wh..opq`, hard links inside the layer stay links.
// The mount points the engine itself created for the container (/proc, /dev, /sys, the /etc files it
// bind-mounts) are left out when the image did not have them, as BuildKit does.
// (The "files" helper is writing the same conversion for `minibox commit`; this one should give way
// to it once both are merged.)
import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import type { TarWriteEntry } from "../image/tar/writer.ts";
import { lgetxattr } from "../sys/fs.ts";
import { clampMtime, entryFromStat } from "./tar-entries.ts";

const ENGINE_MOUNT_POINTS = ["proc", "dev", "sys", "etc/hostname", "etc/hosts", "etc/resolv.conf"];

export interface UpperOptions {
  /** Whether the path existed in the image the step ran on (decides whether a mount stub is kept). */
  existedBefore(path: string): boolean;
}

function isOpaque(path: string): boolean {
  const value = lgetxattr(path, "trusted.overlay.opaque");
  return value !== null && value.toString() === "y";
}

export function upperDirEntries(upper: string, opts: UpperOptions): TarWriteEntry[] {
  const skip = new Set(ENGINE_MOUNT_POINTS.filter((p) => !opts.existedBefore(p)));
  const entries: TarWriteEntry[] = [];
  const links = new Map<string, string>();
  const walk = (rel: string) => {
    const names = readdirSync(join(upper, rel)).sort();
    for (const name of names) {
      const path = rel === "" ? name : `${rel}/${name}`;
      const host = join(upper, path);
      const st = lstatSync(host);
      if (skip.has(path) && (st.isDirectory() ? readdirSync(host).length === 0 : st.isFile() && st.size === 0)) continue;
      if (st.isCharacterDevice() && st.rdev === 0) {
        const at = rel === "" ? "" : `${rel}/`;
        entries.push({ name: `${at}.wh.${name}`, type: "file", mode: 0o600, mtime: clampMtime(st.mtimeMs / 1000) });
        continue;
      }
      if (st.isFile() && st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        const first = links.get(key);
        if (first !== undefined) {
          entries.push({ name: path, type: "hardlink", linkname: first, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: clampMtime(st.mtimeMs / 1000) });
          continue;
        }
        links.set(key, path);
      }
      entries.push(entryFromStat(path, host, st, () => readlinkSync(host)));
      if (st.isDirectory()) {
        if (isOpaque(host)) entries.push({ name: `${path}/.wh..wh..opq`, type: "file", mode: 0o600, mtime: clampMtime(st.mtimeMs / 1000) });
        walk(path);
      }
    }
  };
  walk("");
  // An /etc the engine created only to hold its stubs is left out too.
  if (!opts.existedBefore("etc")) {
    const onlyEtc = entries.filter((e) => e.name === "etc" || e.name.startsWith("etc/"));
    if (onlyEtc.length === 1) entries.splice(entries.indexOf(onlyEtc[0]!), 1);
  }
  return entries;
}
