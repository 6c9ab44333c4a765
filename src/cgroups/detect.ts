// Which cgroup layout the host has, read once from /proc/self/mountinfo:
// - v2 ("unified"): a cgroup2 mount with its controllers listed in cgroup.controllers;
// - v1: one cgroup mount per controller (or per group, like "cpu,cpuacct").
// Hybrid hosts (systemd's default before v2, and this test machine) mount v1 controllers and an empty
// cgroup2 at /sys/fs/cgroup/unified: as soon as any v1 controller is mounted, controllers live in v1, so
// the layout is v1 and the unified mount is ignored for limits.
import { readFileSync } from "node:fs";
import { CgroupError } from "./errors.ts";

/** v1 controllers minibox sets or reads; others (net_cls, hugetlb, …) are left alone. */
export const V1_CONTROLLERS = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

export interface Mount {
  /** Path inside the cgroup hierarchy that is mounted here ("/" on a host; deeper inside a container). */
  root: string;
  /** Where it is mounted, with the injected filesystem prefix applied. */
  mountpoint: string;
}

export type Layout =
  | { version: 2; mount: Mount; controllers: string[] }
  | { version: 1; hierarchies: Map<V1Controller, Mount> };

export interface DetectOptions {
  /** Text of /proc/self/mountinfo; read from the system when absent. */
  mountinfo?: string;
  /** Prefix for every mount point, so tests can point the manager at a directory tree mirroring cgroupfs. */
  fsRoot?: string;
}

interface MountEntry { root: string; mountpoint: string; fstype: string; superOptions: string[] }

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    // id parent maj:min root mountpoint options [optional fields...] - fstype source superoptions
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(" ");
    const post = line.slice(sep + 3).split(" ");
    if (pre.length < 5 || post.length < 3) continue;
    out.push({ root: unescape(pre[3]!), mountpoint: unescape(pre[4]!), fstype: post[0]!, superOptions: post[2]!.split(",") });
  }
  return out;
}

/** mountinfo writes space, tab, newline and backslash as octal escapes (\040). */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function detectLayout(opts: DetectOptions = {}): Layout {
  const prefix = opts.fsRoot ?? "";
  const text = opts.mountinfo ?? readFileSync("/proc/self/mountinfo", "utf8");
  const mounts = parseMountinfo(text);

  const hierarchies = new Map<V1Controller, Mount>();
  for (const m of mounts) {
    if (m.fstype !== "cgroup") continue;
    for (const c of V1_CONTROLLERS) {
      // The first mount of a hierarchy wins; bind mounts of the same one elsewhere are duplicates.
      if (m.superOptions.includes(c) && !hierarchies.has(c)) hierarchies.set(c, { root: m.root, mountpoint: prefix + m.mountpoint });
    }
  }
  if (hierarchies.size > 0) return { version: 1, hierarchies };

  const v2 = mounts.filter((m) => m.fstype === "cgroup2");
  const chosen = v2.find((m) => m.mountpoint === "/sys/fs/cgroup") ?? v2[0];
  if (!chosen) throw new CgroupError("cgroup", "/proc/self/mountinfo", undefined, "no cgroup v1 controller or cgroup2 mount found");
  const mount = { root: chosen.root, mountpoint: prefix + chosen.mountpoint };
  let controllers: string[] = [];
  try {
    controllers = readFileSync(`${mount.mountpoint}/cgroup.controllers`, "utf8").trim().split(/\s+/).filter(Boolean);
  } catch {
    // A cgroup2 mount without the file is not a usable hierarchy; treat it as one without controllers.
  }
  return { version: 2, mount, controllers };
}
