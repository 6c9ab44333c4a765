// Which container paths a user mount (-v, --tmpfs) may cover. /proc and everything below it belong to the
// runtime (its own procfs, masks and read-only binds): a volume there could expose or unprotect kernel
// knobs such as /proc/sys/kernel/core_pattern. Docker (runc) refuses the same.
import { posix } from "node:path";
import { UserError } from "../errors.ts";

/** The destination as the kernel would walk it lexically: "//proc/./sys/../sys/" → "/proc/sys". */
export function normalizeDestination(destination: string): string {
  const clean = posix.normalize(`/${destination}`).replace(/^\/+/, "/");
  return clean.length > 1 ? clean.replace(/\/+$/, "") : clean;
}

/** Throws a UserError (exit 125) for a destination at or under /proc; nothing has been created yet. */
export function refuseMountIntoProc(destination: string): void {
  const clean = normalizeDestination(destination);
  if (clean === "/proc" || clean.startsWith("/proc/")) {
    throw new UserError(`invalid mount config: "${destination}" cannot be mounted because it is inside /proc`);
  }
}
