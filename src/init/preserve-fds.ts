// runtime area, --preserve-fds: the caller's fds, inherited at whatever numbers spawning gave them, become
// fds 3..3+N-1 of the command. Done last before execve, when every fd of our own is close-on-exec
// (cloexecFrom(3)) and the error pipe is closed, so the copies may land on any of those numbers.
import { dupAtLeast, dupTo } from "../sys/fd-move.ts";

export function placePreservedFds(fds: readonly number[]): void {
  if (fds.length === 0) return;
  // First above every source and target, so that no copy overwrites a source still to be moved.
  const floor = Math.max(3 + fds.length, ...fds) + 1;
  const high = fds.map((fd) => dupAtLeast(fd, floor));
  high.forEach((fd, i) => dupTo(fd, 3 + i));
}
