// Builds the container's root inside its own mount namespace: overlay, the spec's mounts, /dev, masked and
// read-only paths; then pivot_root. Everything is mounted in the private namespace, so it all disappears
// with the container and nothing ever shows on the host.
import { lstatSync, mkdirSync, statSync, writeFileSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import { mount, umount, pivotRoot, MS, MNT_DETACH } from "../sys/mount.ts";
import { chdir } from "../sys/fs.ts";
import { ANNOTATION, type Mount, type Spec } from "../oci/spec.ts";
import { parseMountOptions } from "../oci/mount-options.ts";
import { secureJoin } from "./secure-join.ts";
import { populateDev } from "./devices.ts";
import { mountCgroupFs } from "./cgroupfs.ts";

export class RootfsError extends Error {}

export function makePrivate(): void {
  mount(null, "/", null, MS.REC | MS.PRIVATE);
}

export function mountOverlay(spec: Spec): void {
  const a = spec.annotations ?? {};
  const lower = a[ANNOTATION.lowerdirs];
  if (!lower) {
    // A plain bundle (runc-style): root.path is ready; bind it so that it is a mount point for pivot_root.
    mount(spec.root.path, spec.root.path, null, MS.BIND | MS.REC);
    return;
  }
  const lowerdirs = JSON.parse(lower) as string[];
  const data = `lowerdir=${lowerdirs.join(":")},upperdir=${a[ANNOTATION.upperdir]},workdir=${a[ANNOTATION.workdir]}`;
  if (data.length > 4000) throw new RootfsError(`overlay mount options too long (${lowerdirs.length} layers)`);
  mount("overlay", spec.root.path, "overlay", 0, data);
}

/** Refuses images whose /proc or /sys is a symlink: mounting there would follow it. */
function refuseSymlinkedKernelDirs(root: string): void {
  for (const dir of ["proc", "sys"]) {
    try {
      if (lstatSync(`${root}/${dir}`).isSymbolicLink()) throw new RootfsError(`rootfs /${dir} is a symlink; refusing to mount over it`);
    } catch (e) {
      if (e instanceof RootfsError) throw e;
    }
  }
}

export function mountAll(spec: Spec): void {
  const root = spec.root.path;
  refuseSymlinkedKernelDirs(root);
  for (const m of spec.mounts) {
    if (m.type === "cgroup") mountCgroupFs(secureJoin(root, m.destination));
    else mountOne(root, m);
    if (m.destination === "/dev" && m.type === "tmpfs") populateDev(secureJoin(root, "/dev"));
  }
  for (const p of spec.linux.maskedPaths ?? []) maskPath(root, p);
  for (const p of spec.linux.readonlyPaths ?? []) readonlyPath(root, p);
}

function mountOne(root: string, m: Mount): void {
  const opts = parseMountOptions(m.options, m.type);
  const target = secureJoin(root, m.destination);
  const isBind = opts.bind;
  const sourceIsDir = !isBind || statSync(m.source!).isDirectory();
  ensureMountPoint(target, sourceIsDir);
  if (isBind) {
    mount(m.source!, target, null, opts.flags | MS.BIND);
    if (opts.remountFlags) mount(null, target, null, MS.BIND | MS.REMOUNT | opts.remountFlags);
  } else {
    mount(m.source ?? m.type!, target, m.type!, opts.flags, opts.data || undefined);
  }
  if (opts.propagation) mount(null, target, null, opts.propagation);
}

function ensureMountPoint(target: string, directory: boolean): void {
  if (directory) { mkdirSync(target, { recursive: true, mode: 0o755 }); return; }
  mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
  if (!existsSync(target)) writeFileSync(target, "", { mode: 0o644 });
}

function maskPath(root: string, path: string): void {
  const target = secureJoin(root, path);
  let isDir: boolean;
  try {
    isDir = lstatSync(target).isDirectory();
  } catch {
    return; // nothing there to hide
  }
  if (isDir) mount("tmpfs", target, "tmpfs", MS.RDONLY, "size=0");
  else mount(`${root}/dev/null`, target, null, MS.BIND);
}

function readonlyPath(root: string, path: string): void {
  const target = secureJoin(root, path);
  if (!existsSync(target)) return;
  mount(target, target, null, MS.BIND | MS.REC);
  mount(null, target, null, MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC);
}

/** Creates the working directory, as Docker does when the image's WorkingDir does not exist yet. */
export function ensureWorkdir(spec: Spec): void {
  const target = secureJoin(spec.root.path, spec.process.cwd);
  if (!existsSync(target)) mkdirSync(target, { recursive: true, mode: 0o755 });
}

/** pivot_root(".", ".") then detach the old root: no path to the host's tree is left. */
export function enterRoot(root: string, readonly: boolean): void {
  chdir(root);
  pivotRoot(".", ".");
  umount(".", MNT_DETACH);
  chdir("/");
  if (readonly) mount(null, "/", null, MS.BIND | MS.REMOUNT | MS.RDONLY);
}
