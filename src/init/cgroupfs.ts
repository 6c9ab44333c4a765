// /sys/fs/cgroup inside the container, read-only, in the layout the host has. Mounted after the init
// entered its own cgroup namespace, so every hierarchy shows the container's cgroup as its root. Each
// hierarchy is a fresh mount attached onto a directory fd of the tmpfs made here, never a path.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { InitSyscalls } from "../sys/init-syscalls.ts";
import { O } from "../sys/at.ts";
import { MOUNT_ATTR } from "../sys/mount-api.ts";
import { Errno, SyscallError } from "../sys/errno.ts";
import { parseMountinfo } from "../cgroups/detect.ts";

const RO = MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV | MOUNT_ATTR.NOEXEC | MOUNT_ATTR.RDONLY;

export function mountCgroupFs(sys: InitSyscalls, targetFd: number): void {
  // Read before pivot_root: this is our namespace's copy of the host's mount table.
  const mounts = parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"))
    .filter((m) => m.mountpoint.startsWith("/sys/fs/cgroup/") || m.mountpoint === "/sys/fs/cgroup");
  if (!mounts.some((m) => m.fstype === "cgroup")) {
    attach(sys, sys.fsMount("cgroup2", "cgroup2", "", RO), targetFd, "/sys/fs/cgroup");
    return;
  }
  const tmpfs = sys.fsMount("tmpfs", "tmpfs", "mode=755,size=64k", MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV | MOUNT_ATTR.NOEXEC);
  try {
    sys.moveMount(tmpfs, targetFd, "/sys/fs/cgroup");
    for (const m of mounts) {
      if (m.mountpoint === "/sys/fs/cgroup" || (m.fstype !== "cgroup" && m.fstype !== "cgroup2")) continue;
      const name = basename(m.mountpoint);
      try {
        sys.mkdirat(tmpfs, name, 0o755);
      } catch (e) {
        if (!(e instanceof SyscallError) || e.errno !== Errno.EEXIST) throw e;
      }
      const dir = sys.openat(tmpfs, name, O.PATH | O.NOFOLLOW | O.DIRECTORY | O.CLOEXEC);
      try {
        const data = m.fstype === "cgroup" ? m.superOptions.filter((o) => o !== "rw" && o !== "ro").join(",") : "";
        attach(sys, sys.fsMount(m.fstype, m.fstype, data, RO), dir, `/sys/fs/cgroup/${name}`);
      } finally {
        sys.close(dir);
      }
    }
    sys.mountSetattr(tmpfs, { set: MOUNT_ATTR.RDONLY });
  } finally {
    sys.close(tmpfs);
  }
}

function attach(sys: InitSyscalls, mountFd: number, targetFd: number, what: string): void {
  try {
    sys.moveMount(mountFd, targetFd, what);
  } finally {
    sys.close(mountFd);
  }
}
