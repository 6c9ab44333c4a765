// Builds the container's root inside its own mount namespace: overlay, the spec's mounts, /dev, masked and
// read-only paths; then pivot_root. Everything is mounted in the private namespace, so it all disappears
// with the container and nothing ever shows on the host.
//
// Every path inside the root is resolved to an fd (secure-join.ts) and every mount is attached onto such
// an fd (move_mount): the image and the volumes decide what a path means, so a path string is never handed
// to the kernel twice. Masks bind the host's /dev/null, opened before anything of the container exists.
import { MS, MNT_DETACH, umount, pivotRoot, mount } from "../sys/mount.ts";
import { chdir } from "../sys/fs.ts";
import { AT, FS_MAGIC, O, isCharDev, isDir } from "../sys/at.ts";
import { MOUNT_ATTR, mountAttrFromFlags } from "../sys/mount-api.ts";
import { Errno, SyscallError } from "../sys/errno.ts";
import { realSyscalls, type InitSyscalls } from "../sys/init-syscalls.ts";
import { ANNOTATION, type Mount, type Spec } from "../oci/spec.ts";
import { parseMountOptions, type ParsedMountOptions } from "../oci/mount-options.ts";
import { openInRoot } from "./secure-join.ts";
import { populateDev } from "./devices.ts";
import { mountCgroupFs } from "./cgroupfs.ts";
import { attachConsoleBeforePivot } from "./console.ts";
import { RootfsError, type RootContext } from "./root-context.ts";

export { RootfsError };

/**
 * Everything before pivot_root: overlay, mounts, /dev, masks, read-only paths, the working directory and,
 * with a terminal, the console. Returns the console's slave fd when there is one.
 */
export function buildRoot(spec: Spec, sys: InitSyscalls = realSyscalls): number | undefined {
  sys.mount(null, "/", null, MS.REC | MS.PRIVATE);
  const devNull = openHostDevNull(sys);
  mountOverlay(spec, sys);
  const rootFd = sys.openat(AT.FDCWD, spec.root.path, O.PATH | O.DIRECTORY | O.CLOEXEC);
  const ctx: RootContext = { sys, rootFd, rootStat: sys.fstatx(rootFd), devNull };
  try {
    mountAll(spec, ctx);
    ensureWorkdir(spec, ctx);
    return spec.process.terminal ? attachConsoleBeforePivot(ctx, spec.process.consoleSize) : undefined;
  } finally {
    sys.close(rootFd);
    sys.close(devNull);
  }
}

/** The host's /dev/null (we have not pivoted yet), checked to be the null device: what masked files become. */
function openHostDevNull(sys: InitSyscalls): number {
  const fd = sys.openat(AT.FDCWD, "/dev/null", O.PATH | O.CLOEXEC);
  if (!isCharDev(sys.fstatx(fd), 1, 3)) {
    sys.close(fd);
    throw new RootfsError("the host's /dev/null is not the null device (char 1:3)");
  }
  return fd;
}

function mountOverlay(spec: Spec, sys: InitSyscalls): void {
  const a = spec.annotations ?? {};
  const lower = a[ANNOTATION.lowerdirs];
  // Paths here are minibox's own (the bundle and the store), not the container's.
  if (!lower) {
    // A plain bundle (runc-style): root.path is ready; bind it so that it is a mount point for pivot_root.
    sys.mount(spec.root.path, spec.root.path, null, MS.BIND | MS.REC);
    return;
  }
  const lowerdirs = JSON.parse(lower) as string[];
  const data = `lowerdir=${lowerdirs.join(":")},upperdir=${a[ANNOTATION.upperdir]},workdir=${a[ANNOTATION.workdir]}`;
  if (data.length > 4000) throw new RootfsError(`overlay mount options too long (${lowerdirs.length} layers)`);
  sys.mount("overlay", spec.root.path, "overlay", 0, data);
}

export function mountAll(spec: Spec, ctx: RootContext): void {
  for (const m of spec.mounts) mountOne(ctx, m);
  for (const p of spec.linux.maskedPaths ?? []) maskPath(ctx, p);
  for (const p of spec.linux.readonlyPaths ?? []) readonlyPath(ctx, p);
}

function mountOne(ctx: RootContext, m: Mount): void {
  const opts = parseMountOptions(m.options, m.type);
  if (opts.bind) return bindMount(ctx, m, opts);
  const { sys } = ctx;
  // /proc and /sys must be real directories of the image: mounting through a link would put them elsewhere.
  const target = mountTarget(ctx, m.destination, "dir", m.type === "proc" || m.type === "sysfs");
  try {
    if (m.type === "cgroup") return mountCgroupFs(sys, target);
    const mnt = sys.fsMount(m.type!, m.source ?? m.type!, opts.data, mountAttrFromFlags(opts.flags));
    try {
      // Filled while still detached, through the fd of the very tmpfs we made: nothing else can be there.
      if (m.destination === "/dev" && m.type === "tmpfs") populateDev(sys, mnt);
      sys.moveMount(mnt, target, m.destination);
      if (opts.propagation) setPropagation(sys, mnt, opts.propagation);
    } finally {
      sys.close(mnt);
    }
  } finally {
    sys.close(target);
  }
}

/** A bind of a host path the user chose: opened once, and that very object is what gets mounted. */
function bindMount(ctx: RootContext, m: Mount, opts: ParsedMountOptions): void {
  const { sys } = ctx;
  const source = sys.openat(AT.FDCWD, m.source!, O.PATH | O.CLOEXEC);
  try {
    const target = mountTarget(ctx, m.destination, isDir(sys.fstatx(source)) ? "dir" : "file", false);
    try {
      const tree = sys.openTreeClone(source, (opts.flags & MS.REC) !== 0);
      try {
        const attr = mountAttrFromFlags(opts.remountFlags);
        if (attr) sys.mountSetattr(tree, { set: attr });
        sys.moveMount(tree, target, m.destination);
        if (opts.propagation) setPropagation(sys, tree, opts.propagation);
      } finally {
        sys.close(tree);
      }
    } finally {
      sys.close(target);
    }
  } finally {
    sys.close(source);
  }
}

function setPropagation(sys: InitSyscalls, mountFd: number, propagation: number): void {
  sys.mountSetattr(mountFd, { propagation: propagation & ~MS.REC, recursive: (propagation & MS.REC) !== 0 });
}

/**
 * The fd of a mount destination inside the root, created if missing, checked: the right type, not the
 * root itself, and not inside the container's /proc (an image linking /dev to /proc/sys must not get a
 * writable tmpfs there, nor anything else).
 */
function mountTarget(ctx: RootContext, destination: string, kind: "dir" | "file", noSymlinks: boolean): number {
  const { sys } = ctx;
  let fd: number;
  try {
    fd = openInRoot(sys, ctx.rootFd, destination, { create: kind, noSymlinks });
  } catch (e) {
    if (e instanceof SyscallError && e.errno === Errno.ELOOP && noSymlinks) {
      throw new RootfsError(`rootfs ${destination} is a symlink; refusing to mount over it`);
    }
    throw e;
  }
  try {
    if (sys.fstatfsType(fd) === FS_MAGIC.PROC) throw new RootfsError(`mount destination ${destination} resolves into /proc; refusing to mount over it`);
    const st = sys.fstatx(fd);
    if (kind === "dir" && !isDir(st)) throw new RootfsError(`mount destination ${destination} is not a directory`);
    if (kind === "file" && isDir(st)) throw new RootfsError(`mount destination ${destination} is a directory, but the source is a file`);
    if (st.ino === ctx.rootStat.ino && st.dev === ctx.rootStat.dev) throw new RootfsError(`mount destination ${destination} resolves to the container's root`);
    return fd;
  } catch (e) {
    sys.close(fd);
    throw e;
  }
}

/** A path under /proc or /sys (masks, read-only paths), absent → undefined, and checked to be on that fs. */
function openKernelPath(ctx: RootContext, path: string): number | undefined {
  let fd: number;
  try {
    fd = openInRoot(ctx.sys, ctx.rootFd, path);
  } catch (e) {
    if (e instanceof SyscallError && e.errno === Errno.ENOENT) return undefined; // nothing there to hide
    throw e;
  }
  const expected = path.startsWith("/proc/") ? FS_MAGIC.PROC : path.startsWith("/sys/") ? FS_MAGIC.SYSFS : undefined;
  if (expected !== undefined && ctx.sys.fstatfsType(fd) !== expected) {
    ctx.sys.close(fd);
    throw new RootfsError(`${path} is not on ${expected === FS_MAGIC.PROC ? "procfs" : "sysfs"}; refusing to mask or protect it`);
  }
  return fd;
}

function maskPath(ctx: RootContext, path: string): void {
  const { sys } = ctx;
  const target = openKernelPath(ctx, path);
  if (target === undefined) return;
  try {
    const mnt = isDir(sys.fstatx(target))
      ? sys.fsMount("tmpfs", "tmpfs", "size=0", MOUNT_ATTR.RDONLY)
      : sys.openTreeClone(ctx.devNull, false);
    try {
      sys.moveMount(mnt, target, path);
    } finally {
      sys.close(mnt);
    }
  } finally {
    sys.close(target);
  }
}

function readonlyPath(ctx: RootContext, path: string): void {
  const { sys } = ctx;
  const target = openKernelPath(ctx, path);
  if (target === undefined) return;
  try {
    const tree = sys.openTreeClone(target, true);
    try {
      sys.mountSetattr(tree, { set: MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV | MOUNT_ATTR.NOEXEC, recursive: true });
      sys.moveMount(tree, target, path);
    } finally {
      sys.close(tree);
    }
  } finally {
    sys.close(target);
  }
}

/** Creates the working directory, as Docker does when the image's WorkingDir does not exist yet. */
function ensureWorkdir(spec: Spec, ctx: RootContext): void {
  ctx.sys.close(openInRoot(ctx.sys, ctx.rootFd, spec.process.cwd, { create: "dir" }));
}

/** pivot_root(".", ".") then detach the old root: no path to the host's tree is left. */
export function enterRoot(root: string, readonly: boolean): void {
  chdir(root);
  pivotRoot(".", ".");
  umount(".", MNT_DETACH);
  chdir("/");
  if (readonly) mount(null, "/", null, MS.BIND | MS.REMOUNT | MS.RDONLY);
}
