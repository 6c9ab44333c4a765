// Turns OCI mount options ("ro", "nosuid", "mode=755", "rbind") into mount(2) flags and a data string.
import { MS } from "../sys/mount.ts";

export interface ParsedMountOptions {
  flags: number;
  /** Flags that need a second, remount pass (a bind mount ignores them on the first call). */
  remountFlags: number;
  propagation: number;
  data: string;
  bind: boolean;
}

const FLAGS: Record<string, [set: boolean, flag: number]> = {
  ro: [true, MS.RDONLY], rw: [false, MS.RDONLY], nosuid: [true, MS.NOSUID], suid: [false, MS.NOSUID],
  nodev: [true, MS.NODEV], dev: [false, MS.NODEV], noexec: [true, MS.NOEXEC], exec: [false, MS.NOEXEC],
  noatime: [true, MS.NOATIME], strictatime: [true, MS.STRICTATIME], atime: [false, MS.NOATIME],
  relatime: [true, MS.RELATIME], norelatime: [false, MS.RELATIME],
};

const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC, slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC, unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

/** `type` is the mount's OCI type: "bind" makes it a bind mount even without a "bind"/"rbind" option. */
export function parseMountOptions(options: readonly string[] = [], type?: string): ParsedMountOptions {
  let flags = 0, propagation = 0, bind = type === "bind";
  const data: string[] = [];
  for (const opt of options) {
    const f = FLAGS[opt];
    if (f) { flags = f[0] ? flags | f[1] : flags & ~f[1]; continue; }
    const p = PROPAGATION[opt];
    if (p !== undefined) { propagation = p; continue; }
    if (opt === "bind") { bind = true; flags |= MS.BIND; continue; }
    if (opt === "rbind") { bind = true; flags |= MS.BIND | MS.REC; continue; }
    data.push(opt);
  }
  const remountFlags = bind ? flags & (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.NOATIME | MS.RELATIME | MS.STRICTATIME) : 0;
  return { flags, remountFlags, propagation, data: data.join(","), bind };
}

// volumes: parents before children (/data before /data/logs), whatever order the flags came in; stable.
export function byDepth<T>(items: readonly T[], destination: (t: T) => string): T[] {
  const depth = (p: string) => p.split("/").filter((c) => c !== "" && c !== ".").length;
  return [...items].sort((a, b) => depth(destination(a)) - depth(destination(b)));
}
