// The device nodes and links of a container's /dev (a fresh tmpfs), as Docker provides them.
import { chownSync, chmodSync, existsSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mknod, S_IFCHR } from "../sys/fs.ts";

const NODES: [name: string, major: number, minor: number][] = [
  ["null", 1, 3], ["zero", 1, 5], ["full", 1, 7], ["random", 1, 8], ["urandom", 1, 9], ["tty", 5, 0],
];

const LINKS: [name: string, target: string][] = [
  ["fd", "/proc/self/fd"], ["stdin", "/proc/self/fd/0"], ["stdout", "/proc/self/fd/1"], ["stderr", "/proc/self/fd/2"],
  ["core", "/proc/kcore"], ["ptmx", "pts/ptmx"],
];

export function populateDev(devDir: string): void {
  for (const [name, major, minor] of NODES) {
    const path = join(devDir, name);
    mknod(path, S_IFCHR | 0o666, major, minor);
    chmodSync(path, 0o666); // mknod applies the umask
    chownSync(path, 0, 0);
  }
  for (const [name, target] of LINKS) {
    if (!existsSync(join(devDir, name))) symlinkSync(target, join(devDir, name));
  }
  // A mount point for the terminal, bound over it when the container has one.
  writeFileSync(join(devDir, "console"), "", { mode: 0o600 });
}
