// --device as Docker parses it, and the host's device nodes behind it
// (stat on host paths the user named: the container has no say in them).
import { lstatSync, readdirSync, statSync, type Stats } from "node:fs";
import { join, posix } from "node:path";
import { UserError } from "../errors.ts";
import type { LinuxDevice } from "../oci/spec.ts";
import type { DeviceMapping } from "../oci/hardening.ts";


const MODE = /^[rwm]{1,3}$/;

/** `HOST[:CTR][:rwm]` (moby's parseDevice): the middle part is a mode when it looks like one. */
export function parseDeviceFlag(spec: string): DeviceMapping {
  const parts = spec.split(":");
  if (parts.length > 3 || parts[0] === "") throw new UserError(`invalid device specification: ${spec}`);
  let permissions = "rwm";
  let dst = "";
  if (parts.length === 3) permissions = parts[2]!;
  if (parts.length >= 2) {
    if (parts.length === 2 && MODE.test(parts[1]!)) permissions = parts[1]!;
    else dst = parts[1]!;
  }
  const src = parts[0]!;
  if (!MODE.test(permissions)) throw new UserError(`bad mode specified: ${permissions}`);
  if (!src.startsWith("/")) throw new UserError(`${src} is not an absolute path`);
  const target = dst || src;
  checkContainerPath(target);
  return { PathOnHost: src, PathInContainer: target, CgroupPermissions: permissions };
}

/**
 * The node is made in the container's /dev tmpfs, nowhere else: that keeps its creation inside a tree
 * that only minibox has written to (Docker allows any path; minibox refuses the others).
 */
function checkContainerPath(path: string): void {
  if (!path.startsWith("/")) throw new UserError(`${path} is not an absolute path`);
  if (path.split("/").includes("..")) throw new UserError(`invalid device path in the container: ${path} (no ".." allowed)`);
  const clean = posix.normalize(path);
  if (!clean.startsWith("/dev/") || clean === "/dev/") throw new UserError(`invalid device path in the container: ${path} (minibox creates devices under /dev only)`);
}

/** The nodes behind one --device: the device itself, or every device under a directory (as Docker). */
export function resolveHostDevices(mapping: DeviceMapping): LinuxDevice[] {
  const failure = (why: string) => new UserError(`error gathering device information while adding custom device "${mapping.PathOnHost}": ${why}`);
  let st: Stats;
  try {
    st = statSync(mapping.PathOnHost);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw failure("no such file or directory");
    if (code === "EACCES") throw failure("permission denied");
    throw e;
  }
  const dst = posix.normalize(mapping.PathInContainer);
  if (st.isDirectory()) return walkDevices(mapping.PathOnHost, dst, new Set());
  const device = deviceFromStats(st, dst);
  if (!device) throw failure("not a device node");
  return [device];
}

function deviceFromStats(st: Stats, path: string): LinuxDevice | undefined {
  const type = st.isCharacterDevice() ? "c" : st.isBlockDevice() ? "b" : undefined;
  if (!type) return undefined;
  return { path, type, major: major(st.rdev), minor: minor(st.rdev), fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

// Linux's dev_t encoding (glibc's gnu_dev_major/minor).
const major = (dev: number) => Number(((BigInt(dev) >> 8n) & 0xfffn) | ((BigInt(dev) >> 32n) & ~0xfffn));
const minor = (dev: number) => Number((BigInt(dev) & 0xffn) | ((BigInt(dev) >> 12n) & ~0xffn));

/** Device nodes below `hostDir` (symlinks are not followed), each at the same relative place under `dst`. */
function walkDevices(hostDir: string, dst: string, skip: ReadonlySet<string>): LinuxDevice[] {
  const out: LinuxDevice[] = [];
  for (const name of readdirSync(hostDir).sort()) {
    if (skip.has(name)) continue;
    const host = join(hostDir, name);
    let st: Stats;
    try { st = lstatSync(host); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // went away while we walked
      throw e;
    }
    if (st.isDirectory()) out.push(...walkDevices(host, `${dst}/${name}`, new Set()));
    else {
      const device = deviceFromStats(st, `${dst}/${name}`);
      if (device) out.push(device);
    }
  }
  return out;
}

// runc's HostDevices skips these; ptmx and console too, since the container's own are its devpts' and
// the terminal's.
const PRIVILEGED_SKIP = new Set(["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev", "console", "ptmx"]);

/** --privileged: every device node of the host's /dev, at the same path. */
export function allHostDevices(): LinuxDevice[] {
  return walkDevices("/dev", "/dev", PRIVILEGED_SKIP);
}
