// The spec's linux.sysctl (--sysctl), written by the init while it is already in the container's
// namespaces but before any mount of the container's: through the /proc it inherited from the host
// side (never the container's tree), and a namespaced sysctl file resolves to the namespace of the
// process that opens it. Each name becomes a path beneath /proc/sys opened with openat2 that follows no
// symlink and leaves no mount; the names were validated by create, and are checked here again.
import { closeSync, writeSync } from "node:fs";
import * as at from "../sys/at.ts";

const NAME = /^[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*$/;

export class SysctlError extends Error {}

export function applySysctls(sysctl: Record<string, string> | undefined): void {
  const entries = Object.entries(sysctl ?? {});
  if (entries.length === 0) return;
  const procSys = at.openat2(at.AT_FDCWD, "/proc/sys", at.O.PATH | at.O.DIRECTORY | at.O.CLOEXEC, at.RESOLVE.NO_SYMLINKS);
  try {
    for (const [name, value] of entries) {
      if (!NAME.test(name)) throw new SysctlError(`invalid sysctl name ${JSON.stringify(name)}`);
      const fd = at.openat2(procSys, name.replaceAll(".", "/"), at.O.WRONLY | at.O.CLOEXEC,
        at.RESOLVE.BENEATH | at.RESOLVE.NO_SYMLINKS | at.RESOLVE.NO_MAGICLINKS | at.RESOLVE.NO_XDEV);
      try {
        writeSync(fd, value);
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    closeSync(procSys);
  }
}
