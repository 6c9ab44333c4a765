// What the rootfs code holds while it builds a root, shared by rootfs.ts, console.ts, devices.ts, cgroupfs.ts.
import type { FileStat } from "../sys/at.ts";
import type { InitSyscalls } from "../sys/init-syscalls.ts";

export class RootfsError extends Error {}

export interface RootContext {
  /** The kernel seam (a recording double in unit tests). */
  sys: InitSyscalls;
  /** O_PATH fd of the container's root (the overlay's mount root). */
  rootFd: number;
  rootStat: FileStat;
  /** O_PATH fd of the host's /dev/null, opened before anything of the container was mounted. */
  devNull: number;
}
