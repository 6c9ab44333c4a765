// The device nodes and links of a container's /dev, as Docker provides them. Created relative to the fd of
// the tmpfs the init has just made (still detached, so nothing of the image or a volume can be in it).
import type { InitSyscalls } from "../sys/init-syscalls.ts";
import { AT, FS_MAGIC, O, S_IFCHR } from "../sys/at.ts";
import { Errno, SyscallError } from "../sys/errno.ts";
import { RootfsError } from "./root-context.ts";

const NODES: [name: string, major: number, minor: number][] = [
  ["null", 1, 3], ["zero", 1, 5], ["full", 1, 7], ["random", 1, 8], ["urandom", 1, 9], ["tty", 5, 0],
];

const LINKS: [name: string, target: string][] = [
  ["fd", "/proc/self/fd"], ["stdin", "/proc/self/fd/0"], ["stdout", "/proc/self/fd/1"], ["stderr", "/proc/self/fd/2"],
  ["core", "/proc/kcore"], ["ptmx", "pts/ptmx"],
];

export function populateDev(sys: InitSyscalls, devFd: number): void {
  if (sys.fstatfsType(devFd) !== FS_MAGIC.TMPFS) throw new RootfsError("the container's /dev is not the tmpfs minibox mounted");
  const oldMask = sys.umask(0); // the nodes are 0666 as Docker makes them, whatever our umask
  try {
    for (const [name, major, minor] of NODES) {
      sys.mknodat(devFd, name, S_IFCHR | 0o666, major, minor);
      sys.fchownat(devFd, name, 0, 0, AT.SYMLINK_NOFOLLOW);
    }
    for (const [name, target] of LINKS) {
      try {
        sys.symlinkat(target, devFd, name);
      } catch (e) {
        if (!(e instanceof SyscallError) || e.errno !== Errno.EEXIST) throw e;
      }
    }
    // A mount point for the terminal, bound over it when the container has one.
    sys.close(sys.openat(devFd, "console", O.CREAT | O.EXCL | O.NOFOLLOW | O.WRONLY | O.CLOEXEC, 0o600));
  } finally {
    sys.umask(oldMask);
  }
}
