// Which extended attributes travel in archives (SCHILY.xattr.* PAX records): user.* and
// security.capability, what podman writes into layers (Docker writes only the capability). trusted.* is
// root's and overlayfs's own metadata (trusted.overlay.redirect/metacopy/opaque steer the overlay), and the
// other security.* names are LSM labels (selinux, ima, evm, apparmor): host policy, not content. Neither is
// read from a tree we archive nor written from an archive we extract, whoever made it.

const CAPABILITY = "security.capability";
const VFS_CAP_REVISION_3 = 0x03;
const XATTR_CAPS_SZ_2 = 20;

export function isPortableXattr(name: string): boolean {
  return name === CAPABILITY || (name.startsWith("user.") && name.length > "user.".length);
}

/**
 * The value as it goes into an archive. A v3 file capability carries the root uid of the user namespace
 * it was made in, meaningless anywhere else: written as v2 (the same bits, no root id), as Docker does.
 */
export function portableXattrValue(name: string, value: Uint8Array): Uint8Array {
  if (name !== CAPABILITY || value.length < XATTR_CAPS_SZ_2 || value[3] !== VFS_CAP_REVISION_3) return value;
  const v2 = value.slice(0, XATTR_CAPS_SZ_2);
  v2[3] = 0x02;
  return v2;
}
