// An overlay of minibox's own layer dirs, mounted with the new mount API and attached nowhere: the returned
// fd is a handle on the merged root and the only thing keeping the mount alive, so nothing is left on the
// host whatever happens to the process. Used to read an image (volume copy-up) or a container (cp, diff,
// export, commit) without running it.
import { fsMount } from "../sys/mount-api.ts";
import { Errno, SyscallError } from "../sys/errno.ts";

/**
 * `lowers` top layer first, as overlayfs lists them. One "lowerdir+" per layer (Linux ≥ 6.8): fsconfig
 * takes at most 256 bytes per value and refuses a colon list there (EINVAL, measured on 6.18); the colon
 * list is only the fallback for older kernels.
 */
export function mountDetachedOverlay(lowersWithRepeats: readonly string[], attr: number, writable?: { upperdir: string; workdir: string }): number {
  // build-finish: an image may list one layer twice (two RUNs that changed nothing); its topmost place
  // alone gives the same view, and overlayfs refuses the same dir twice (ELOOP).
  const lowers = [...new Set(lowersWithRepeats)];
  const upper = writable ? [`upperdir=${writable.upperdir}`, `workdir=${writable.workdir}`] : [];
  try {
    return fsMount("overlay", "overlay", [...lowers.map((l) => `lowerdir+=${l}`), ...upper].join(","), attr);
  } catch (e) {
    if (!(e instanceof SyscallError) || e.errno !== Errno.EINVAL) throw e;
    return fsMount("overlay", "overlay", [`lowerdir=${lowers.join(":")}`, ...upper].join(","), attr);
  }
}
