// Cgroup names. The id and the parent come from users (--cgroup-parent) and become directory names, so
// they are checked: no "..", no empty components, nothing that could walk out of the hierarchy.
import { rmdirSync, mkdirSync } from "node:fs";
import { CgroupError, fsCode } from "./errors.ts";
import { DEFAULT_PARENT } from "./types.ts";

const COMPONENT = /^[A-Za-z0-9_][A-Za-z0-9_.@:-]*$/;

/** "/a/b/" → ["a", "b"]; throws on anything that is not a plain relative name. */
export function parentComponents(parent: string = DEFAULT_PARENT): string[] {
  const parts = parent.split("/").filter((p) => p !== "");
  for (const p of parts) {
    if (!COMPONENT.test(p)) throw new CgroupError("cgroup", parent, "EINVAL", "invalid cgroup parent");
  }
  return parts;
}

export function checkId(id: string): string {
  if (!COMPONENT.test(id)) throw new CgroupError("cgroup", id, "EINVAL", "invalid cgroup name");
  return id;
}

/** "/minibox/<id>" relative to a hierarchy's mount root. */
export function cgroupPath(id: string, parent?: string): string {
  return "/" + [...parentComponents(parent), checkId(id)].join("/");
}

/** Joins a mount's root ("/" on a host) and a cgroup path as /proc/PID/cgroup shows it. */
export function joinRoot(root: string, path: string): string {
  return root === "/" ? path : root.replace(/\/$/, "") + path;
}

export function mkdirIfMissing(dir: string, controller: string): boolean {
  try {
    mkdirSync(dir);
    return true;
  } catch (e) {
    if (fsCode(e) === "EEXIST") return false;
    throw new CgroupError(controller, dir, fsCode(e), "mkdir");
  }
}

/** rmdir; ENOENT counts as done. EBUSY (tasks still exiting) is retried until the deadline. */
export async function removeDir(dir: string, controller: string, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      const code = fsCode(e);
      if (code === "ENOENT") return;
      if (code !== "EBUSY" || Date.now() >= end) throw new CgroupError(controller, dir, code, "rmdir");
    }
    await Bun.sleep(10);
  }
}

/** Removes the parent's directories bottom-up if empty; false if one is still in use. */
export function removeEmptyParents(base: string, parent: string | undefined, controller: string): boolean {
  const parts = parentComponents(parent);
  for (let n = parts.length; n > 0; n--) {
    const dir = `${base}/${parts.slice(0, n).join("/")}`;
    try {
      rmdirSync(dir);
    } catch (e) {
      const code = fsCode(e);
      if (code === "ENOENT") continue;
      if (code === "EBUSY" || code === "ENOTEMPTY") return false;
      throw new CgroupError(controller, dir, code, "rmdir");
    }
  }
  return true;
}
