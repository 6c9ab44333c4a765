// A recording double of InitSyscalls (src/sys/init-syscalls.ts): a tiny in-memory tree for the container's
// root, an fd table, and a log of every call in terms of the objects the fds name. Lets unit tests assert
// the exact sequence the rootfs code makes, and that it only ever acts on fds, without root.
import type { InitSyscalls } from "../../src/sys/init-syscalls.ts";
import { AT, FS_MAGIC, O, S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG, type FileStat } from "../../src/sys/at.ts";
import { Errno, SyscallError } from "../../src/sys/errno.ts";

type Node = { kind: "dir" | "file" | "link" | "chr"; target?: string; rdev?: [number, number] };
/** What an fd refers to: a path in the container's tree, a host object, or a detached mount. */
interface FdEntry { name: string; path?: string; node: Node; fs: string }

export interface FakeOptions {
  rootPath: string;
  /** The container's tree: "/etc": "dir", "/dev": "link:/tmp/x", ... ("/" is implicit). */
  tree: Record<string, string>;
  /** Host paths that are directories (bind sources); any other host path is a regular file. */
  hostDirs?: string[];
  openat2Enosys?: boolean;
  /** A racer: runs after every mkdirat with the created path and may rewrite the tree (see `replace`). */
  afterMkdirat?: (path: string, fake: FakeInitSyscalls) => void;
}

export class FakeInitSyscalls implements InitSyscalls {
  readonly log: string[] = [];
  private readonly nodes = new Map<string, Node>();
  private readonly fds = new Map<number, FdEntry>();
  /** Mount points of the container's tree → filesystem type, in mount order. */
  private readonly mounts = new Map<string, string>();
  private nextFd = 10;

  constructor(private readonly opts: FakeOptions) {
    this.nodes.set("/", { kind: "dir" });
    for (const [path, spec] of Object.entries(opts.tree)) {
      this.nodes.set(path, spec.startsWith("link:") ? { kind: "link", target: spec.slice(5) } : { kind: spec as "dir" | "file" });
    }
  }

  /** The label of an fd in the log. */
  name(fd: number): string {
    return this.fds.get(fd)?.name ?? `fd${fd}`;
  }

  openFds(): string[] {
    return [...this.fds.values()].map((e) => e.name);
  }

  private fsAt(path: string): string {
    let best = "", fs = "overlay";
    for (const [mp, type] of this.mounts) {
      if ((path === mp || path.startsWith(mp === "/" ? "/" : `${mp}/`)) && mp.length >= best.length) { best = mp; fs = type; }
    }
    return fs;
  }

  private add(entry: FdEntry): number {
    const fd = this.nextFd++;
    this.fds.set(fd, entry);
    return fd;
  }

  private entry(fd: number): FdEntry {
    const e = this.fds.get(fd);
    if (!e) throw new SyscallError("fake", Errno.EBADF, `fd ${fd}`);
    return e;
  }

  private openPath(path: string, call: string): number {
    const node = this.nodes.get(path);
    if (!node) throw new SyscallError(call, Errno.ENOENT, path);
    return this.add({ name: path, path, node, fs: this.fsAt(path) });
  }

  private child(dirfd: number, name: string): string {
    const parent = this.entry(dirfd).path!;
    return name === "." ? parent : parent === "/" ? `/${name}` : `${parent}/${name}`;
  }

  openat2(dirfd: number, path: string, _flags: number, resolve: number): number {
    this.log.push(`openat2 ${this.name(dirfd)} ${path} resolve=${resolve}`);
    if (this.opts.openat2Enosys) throw new SyscallError("openat2", Errno.ENOSYS, path);
    // The fake resolves without links; tests that need links use the walk (openat2Enosys).
    const full = path === "." ? "/" : `/${path}`;
    if (![...this.nodes.keys()].some((p) => p === full)) throw new SyscallError("openat2", Errno.ENOENT, path);
    if (this.nodes.get(full)!.kind === "link") throw new Error("fake openat2 does not follow links; use openat2Enosys");
    return this.openPath(full, "openat2");
  }

  openat(dirfd: number, path: string, flags: number, mode?: number): number {
    if (dirfd === AT.FDCWD) {
      this.log.push(`openat host ${path}`);
      if (path === this.opts.rootPath) return this.add({ name: "root", path: "/", node: this.nodes.get("/")!, fs: "overlay" });
      if (path === "/dev/null") return this.add({ name: "host:/dev/null", node: { kind: "chr", rdev: [1, 3] }, fs: "devtmpfs" });
      return this.add({ name: `host:${path}`, node: { kind: this.opts.hostDirs?.includes(path) ? "dir" : "file" }, fs: "ext4" });
    }
    this.log.push(`openat ${this.name(dirfd)} ${path}${flags & O.CREAT ? " create" : ""}`);
    const dir = this.entry(dirfd);
    if (dir.path === undefined) return this.add({ name: `${dir.name}/${path}`, node: { kind: "file" }, fs: dir.fs }); // inside a detached mount
    const full = this.child(dirfd, path);
    if (flags & O.CREAT) {
      if (this.nodes.has(full)) throw new SyscallError("openat", Errno.EEXIST, path);
      this.nodes.set(full, { kind: "file" });
      void mode;
    }
    return this.openPath(full, "openat");
  }

  mkdirat(dirfd: number, name: string, _mode: number): void {
    const full = this.child(dirfd, name);
    this.log.push(`mkdirat ${this.name(dirfd)} ${name}`);
    if (this.nodes.has(full)) throw new SyscallError("mkdirat", Errno.EEXIST, name);
    this.nodes.set(full, { kind: "dir" });
    this.opts.afterMkdirat?.(full, this);
  }

  /** Replaces a node of the tree, as a container renaming things on a shared volume would. */
  replace(path: string, spec: string): void {
    this.nodes.set(path, spec.startsWith("link:") ? { kind: "link", target: spec.slice(5) } : { kind: spec as "dir" | "file" });
  }

  mknodat(dirfd: number, name: string, _mode: number, major: number, minor: number): void {
    this.log.push(`mknodat ${this.name(dirfd)} ${name} ${major}:${minor}`);
  }

  symlinkat(target: string, dirfd: number, name: string): void {
    this.log.push(`symlinkat ${this.name(dirfd)} ${name} -> ${target}`);
  }

  fchownat(dirfd: number, name: string, uid: number, gid: number): void {
    this.log.push(`fchownat ${this.name(dirfd)} ${name} ${uid}:${gid}`);
  }

  readlinkat(fd: number, _name: string): string {
    const target = this.entry(fd).node.target;
    if (target === undefined) throw new SyscallError("readlinkat", Errno.EINVAL, this.name(fd));
    return target;
  }

  fstatx(fd: number): FileStat {
    const e = this.entry(fd);
    const type = { dir: S_IFDIR, file: S_IFREG, link: S_IFLNK, chr: S_IFCHR }[e.node.kind];
    const ino = e.path === "/" ? 1n : BigInt(fd) + 100n;
    return { mode: type | 0o755, ino, dev: "0:1", rdevMajor: e.node.rdev?.[0] ?? 0, rdevMinor: e.node.rdev?.[1] ?? 0, mntId: 1n };
  }

  fstatfsType(fd: number): number {
    const fs = this.entry(fd).fs;
    return ({ proc: FS_MAGIC.PROC, sysfs: FS_MAGIC.SYSFS, tmpfs: FS_MAGIC.TMPFS, devpts: FS_MAGIC.DEVPTS } as Record<string, number>)[fs] ?? FS_MAGIC.OVERLAYFS;
  }

  close(fd: number): void {
    if (!this.fds.delete(fd)) throw new Error(`fake: close of unknown fd ${fd}`);
  }

  umask(mask: number): number {
    this.log.push(`umask ${mask.toString(8)}`);
    return 0o22;
  }

  mount(source: string | null, target: string, fstype: string | null, flags: number): void {
    this.log.push(`mount ${source ?? "-"} ${target} ${fstype ?? "-"} ${flags.toString(16)}`);
  }

  fsMount(fstype: string, source: string, data: string, attr: number): number {
    this.log.push(`fsMount ${fstype} ${source} "${data}" attr=${attr.toString(16)}`);
    return this.add({ name: `mnt:${fstype}`, node: { kind: "dir" }, fs: fstype });
  }

  openTreeClone(fd: number, recursive: boolean): number {
    this.log.push(`openTreeClone ${this.name(fd)}${recursive ? " recursive" : ""}`);
    const e = this.entry(fd);
    return this.add({ name: `tree:${e.name}`, node: e.node, fs: e.fs });
  }

  moveMount(mountFd: number, targetFd: number): void {
    const target = this.entry(targetFd);
    this.log.push(`moveMount ${this.name(mountFd)} -> ${target.name}`);
    if (target.path) this.mounts.set(target.path, this.entry(mountFd).fs);
  }

  mountSetattr(fd: number, opts: { set?: number; clear?: number; propagation?: number; recursive?: boolean }): void {
    this.log.push(`mountSetattr ${this.name(fd)} set=${(opts.set ?? 0).toString(16)} prop=${(opts.propagation ?? 0).toString(16)}${opts.recursive ? " recursive" : ""}`);
  }

  fdPath(fd: number): string {
    return `/proc/self/fd/${fd}`;
  }
}
