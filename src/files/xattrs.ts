// Extended attributes of the objects cp/commit/export copy, read from and written to open descriptors
// (never a path looked up again). Only the portable names travel (image/tar/xattrs.ts).
import { Errno, SyscallError } from "../sys/errno.ts";
import { fgetxattr, flistxattr, fsetxattr } from "../sys/xattr.ts";
import { isPortableXattr, portableXattrValue } from "../image/tar/xattrs.ts";

export type Xattrs = Record<string, Uint8Array | string>;

/** The portable attributes of `fd` (a real descriptor, not O_PATH), names sorted so archives are deterministic. */
export function readPortableXattrs(fd: number): Record<string, Uint8Array> | undefined {
  const names = flistxattr(fd).filter(isPortableXattr).sort();
  if (names.length === 0) return undefined;
  const out: Record<string, Uint8Array> = {};
  for (const name of names) {
    const value = fgetxattr(fd, name);
    if (value !== undefined) out[name] = portableXattrValue(name, value); // undefined: removed since the listing
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * Sets the portable attributes of an archive entry on `fd`. Call it after the body is written and after
 * fchown: both clear security.capability. A file system without xattrs skips them, as Docker's cp does.
 */
export function writePortableXattrs(fd: number, xattrs: Xattrs | undefined): void {
  if (!xattrs) return;
  for (const [name, value] of Object.entries(xattrs)) {
    if (!isPortableXattr(name)) continue;
    try {
      fsetxattr(fd, name, typeof value === "string" ? new TextEncoder().encode(value) : value);
    } catch (e) {
      if (!(e instanceof SyscallError && e.errno === Errno.EOPNOTSUPP)) throw e;
    }
  }
}
