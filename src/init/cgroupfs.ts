// /sys/fs/cgroup inside the container, read-only, in the layout the host has. Mounted after the init
// entered its own cgroup namespace, so every hierarchy shows the container's cgroup as its root.
import { mkdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { mount, MS } from "../sys/mount.ts";
import { parseMountinfo } from "../cgroups/detect.ts";

const FLAGS = MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RDONLY;

export function mountCgroupFs(target: string): void {
  const mounts = parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"))
    .filter((m) => m.mountpoint.startsWith("/sys/fs/cgroup/") || m.mountpoint === "/sys/fs/cgroup");
  const v1 = mounts.filter((m) => m.fstype === "cgroup");
  if (v1.length === 0) {
    mount("cgroup2", target, "cgroup2", FLAGS);
    return;
  }
  mount("tmpfs", target, "tmpfs", MS.NOSUID | MS.NODEV | MS.NOEXEC, "mode=755,size=64k");
  for (const m of mounts) {
    if (m.mountpoint === "/sys/fs/cgroup") continue;
    const dir = `${target}/${basename(m.mountpoint)}`;
    mkdirSync(dir, { recursive: true });
    if (m.fstype === "cgroup2") mount("cgroup2", dir, "cgroup2", FLAGS);
    else if (m.fstype === "cgroup") mount("cgroup", dir, "cgroup", FLAGS, m.superOptions.filter((o) => o !== "rw" && o !== "ro").join(","));
  }
  mount(null, target, null, MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC);
}
