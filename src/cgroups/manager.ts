// openCgroupManager(): detects the layout once, then creates and opens containers' cgroups at
// <hierarchy>/<parent>/<id> (parent "minibox" unless --cgroup-parent says otherwise), creating the parent
// on demand in every hierarchy.
import { existsSync } from "node:fs";
import { totalmem } from "node:os";
import { detectLayout, type Layout, type V1Controller } from "./detect.ts";
import { hasFile, readCgroupFile, writeCgroupFile } from "./file.ts";
import { defaultKill } from "./kill.ts";
import { cgroupPath, joinRoot, mkdirIfMissing, parentComponents, removeEmptyParents } from "./paths.ts";
import { V1Cgroup } from "./v1.ts";
import { V2Cgroup } from "./v2.ts";
import type { ManagerOptions, Settings } from "./options.ts";
import type { Cgroup, CgroupManager } from "./types.ts";

/** Controllers minibox enables for its subtree on v2 (those the host has). */
const V2_CONTROLLERS = ["cpuset", "cpu", "io", "memory", "pids"];

export function openCgroupManager(opts: ManagerOptions = {}): CgroupManager {
  const layout = detectLayout(opts);
  const settings: Settings = {
    kill: opts.kill ?? defaultKill,
    freezeTimeoutMs: opts.freezeTimeoutMs ?? 5000,
    killTimeoutMs: opts.killTimeoutMs ?? 10_000,
    hostMemory: opts.hostMemory ?? totalmem(),
  };
  return layout.version === 1 ? new V1Manager(layout, settings) : new V2Manager(layout, settings);
}

class V1Manager implements CgroupManager {
  readonly version = 1;
  constructor(private readonly layout: Extract<Layout, { version: 1 }>, private readonly settings: Settings) {}

  private dirs(id: string, parent?: string): Map<V1Controller, string> {
    const path = cgroupPath(id, parent);
    return new Map([...this.layout.hierarchies].map(([c, m]) => [c, m.mountpoint + path]));
  }

  create(id: string, parent?: string): Cgroup {
    const levels = [...parentComponents(parent), id];
    cgroupPath(id, parent); // validates
    const done = new Set<string>();
    for (const [controller, mount] of this.layout.hierarchies) {
      if (done.has(mount.mountpoint)) continue; // cpu and cpuacct may share one hierarchy
      done.add(mount.mountpoint);
      const cpuset = this.hierarchyHas(mount.mountpoint, "cpuset");
      let dir = mount.mountpoint;
      for (const name of levels) {
        const parentDir = dir;
        dir = `${dir}/${name}`;
        mkdirIfMissing(dir, controller);
        // A new cpuset cgroup starts with empty cpus and mems, and the kernel refuses tasks (ENOSPC)
        // until both are set: copy them from the parent, level by level.
        if (cpuset) for (const f of ["cpuset.cpus", "cpuset.mems"]) inheritIfEmpty(parentDir, dir, f);
      }
    }
    return new V1Cgroup(id, this.dirs(id, parent), this.settings);
  }

  private hierarchyHas(mountpoint: string, controller: V1Controller): boolean {
    return this.layout.hierarchies.get(controller)?.mountpoint === mountpoint;
  }

  open(id: string, parent?: string): Cgroup | undefined {
    const dirs = this.dirs(id, parent);
    // Present in any hierarchy counts: a half-created cgroup must still be found to be destroyed.
    const present = new Map([...dirs].filter(([, d]) => existsSync(d)));
    return present.size > 0 ? new V1Cgroup(id, present, this.settings) : undefined;
  }

  relativePath(id: string, parent?: string): string {
    const memory = this.layout.hierarchies.get("memory") ?? [...this.layout.hierarchies.values()][0]!;
    return joinRoot(memory.root, cgroupPath(id, parent));
  }

  removeParent(parent?: string): boolean {
    let all = true;
    for (const mountpoint of new Set([...this.layout.hierarchies.values()].map((m) => m.mountpoint))) {
      all = removeEmptyParents(mountpoint, parent, "cgroup") && all;
    }
    return all;
  }
}

function inheritIfEmpty(parentDir: string, dir: string, file: string): void {
  if (readCgroupFile(dir, file).trim() !== "") return;
  writeCgroupFile(dir, file, readCgroupFile(parentDir, file).trim());
}

class V2Manager implements CgroupManager {
  readonly version = 2;
  constructor(private readonly layout: Extract<Layout, { version: 2 }>, private readonly settings: Settings) {}

  create(id: string, parent?: string): Cgroup {
    const wanted = V2_CONTROLLERS.filter((c) => this.layout.controllers.includes(c));
    let dir = this.layout.mount.mountpoint;
    for (const name of parentComponents(parent)) {
      enableControllers(dir, wanted);
      dir = `${dir}/${name}`;
      mkdirIfMissing(dir, "cgroup");
    }
    // The container's own cgroup holds processes, so by the no-internal-processes rule it cannot give
    // controllers to children; only its ancestors enable them.
    enableControllers(dir, wanted);
    const leaf = this.layout.mount.mountpoint + cgroupPath(id, parent);
    mkdirIfMissing(leaf, "cgroup");
    return new V2Cgroup(id, leaf, this.settings);
  }

  open(id: string, parent?: string): Cgroup | undefined {
    const dir = this.layout.mount.mountpoint + cgroupPath(id, parent);
    return existsSync(dir) ? new V2Cgroup(id, dir, this.settings) : undefined;
  }

  relativePath(id: string, parent?: string): string {
    return joinRoot(this.layout.mount.root, cgroupPath(id, parent));
  }

  removeParent(parent?: string): boolean {
    return removeEmptyParents(this.layout.mount.mountpoint, parent, "cgroup");
  }
}

/** Adds the missing ones of `wanted` to dir's cgroup.subtree_control, in one write. */
function enableControllers(dir: string, wanted: string[]): void {
  if (wanted.length === 0 || !hasFile(dir, "cgroup.subtree_control")) return;
  const enabled = readCgroupFile(dir, "cgroup.subtree_control").trim().split(/\s+/);
  const missing = wanted.filter((c) => !enabled.includes(c));
  if (missing.length > 0) writeCgroupFile(dir, "cgroup.subtree_control", missing.map((c) => `+${c}`).join(" "), "cgroup");
}
