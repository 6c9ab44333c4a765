// The init's device-node creation, against a recording fake of the *at() calls: /dev is opened inside
// the root (RESOLVE_IN_ROOT), subdirectories beneath it without symlinks, nodes made with mknodat in
// that directory fd, an existing entry replaced, every fd closed.
import { describe, expect, test } from "bun:test";
import { createSpecDevices, devPathParts, DevicePathError, type DeviceOps } from "../../src/init/spec-devices.ts";
import { SyscallError, Errno } from "../../src/sys/errno.ts";
import { RESOLVE, AT_FDCWD } from "../../src/sys/at.ts";
import { S_IFBLK, S_IFCHR } from "../../src/sys/fs.ts";

function recorder(existing: Set<string> = new Set()) {
  const calls: string[] = [];
  const open = new Set<number>();
  let next = 10;
  const ops: DeviceOps = {
    openat2(dirfd, path, _flags, resolve) {
      const fd = next++;
      open.add(fd);
      calls.push(`openat2 ${dirfd} ${path} resolve=${resolve} -> ${fd}`);
      return fd;
    },
    mkdirat(dirfd, name, mode) {
      calls.push(`mkdirat ${dirfd} ${name} ${mode.toString(8)}`);
      if (existing.has(name)) throw new SyscallError("mkdirat", Errno.EEXIST, name);
    },
    mknodat(dirfd, name, mode, major, minor) {
      calls.push(`mknodat ${dirfd} ${name} ${mode.toString(8)} ${major}:${minor}`);
      if (existing.delete(name)) throw new SyscallError("mknodat", Errno.EEXIST, name);
    },
    unlinkat(dirfd, name) { calls.push(`unlinkat ${dirfd} ${name}`); },
    fchmodat(dirfd, name, mode) { calls.push(`fchmodat ${dirfd} ${name} ${mode.toString(8)}`); },
    fchownat(dirfd, name, uid, gid) { calls.push(`fchownat ${dirfd} ${name} ${uid}:${gid}`); },
    close(fd) { open.delete(fd); calls.push(`close ${fd}`); },
  };
  return { ops, calls, open };
}

const BENEATH = RESOLVE.BENEATH | RESOLVE.NO_SYMLINKS | RESOLVE.NO_MAGICLINKS | RESOLVE.NO_XDEV;

describe("createSpecDevices", () => {
  test("nothing to do: no call at all", () => {
    const r = recorder();
    createSpecDevices("/root", [], r.ops);
    createSpecDevices("/root", undefined, r.ops);
    expect(r.calls).toEqual([]);
  });

  test("a node directly in /dev, and one in a subdirectory", () => {
    const r = recorder();
    createSpecDevices("/c/rootfs", [
      { path: "/dev/mynull", type: "c", major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
      { path: "/dev/snd/pcm", type: "b", major: 8, minor: 1, fileMode: 0o660, uid: 5, gid: 29 },
    ], r.ops);
    expect(r.calls).toEqual([
      `openat2 ${AT_FDCWD} /c/rootfs resolve=0 -> 10`,
      `openat2 10 dev resolve=${RESOLVE.IN_ROOT | RESOLVE.NO_MAGICLINKS} -> 11`,
      "close 10",
      `mknodat 11 mynull ${(S_IFCHR | 0o666).toString(8)} 1:3`,
      "fchmodat 11 mynull 666",
      "fchownat 11 mynull 0:0",
      "mkdirat 11 snd 755",
      `openat2 11 snd resolve=${BENEATH} -> 12`,
      `mknodat 12 pcm ${(S_IFBLK | 0o660).toString(8)} 8:1`,
      "fchmodat 12 pcm 660",
      "fchownat 12 pcm 5:29",
      "close 12",
      "close 11",
    ]);
    expect(r.open.size).toBe(0);
  });

  test("an existing directory is entered; an existing node is replaced", () => {
    const r = recorder(new Set(["net", "tun"]));
    createSpecDevices("/r", [{ path: "/dev/net/tun", type: "c", major: 10, minor: 200 }], r.ops);
    expect(r.calls.filter((c) => !c.startsWith("openat2") && !c.startsWith("close"))).toEqual([
      "mkdirat 11 net 755",
      `mknodat 12 tun ${(S_IFCHR | 0o666).toString(8)} 10:200`,
      "unlinkat 12 tun",
      `mknodat 12 tun ${(S_IFCHR | 0o666).toString(8)} 10:200`,
      "fchmodat 12 tun 666",
      "fchownat 12 tun 0:0",
    ]);
    expect(r.open.size).toBe(0);
  });

  test("a failure closes every fd and surfaces", () => {
    const r = recorder();
    r.ops.mknodat = () => { throw new SyscallError("mknodat", Errno.EPERM, "x"); };
    expect(() => createSpecDevices("/r", [{ path: "/dev/a/x", type: "c", major: 1, minor: 1 }], r.ops)).toThrow(SyscallError);
    expect(r.open.size).toBe(0);
  });
});

describe("devPathParts", () => {
  test("paths plainly below /dev", () => {
    expect(devPathParts("/dev/null")).toEqual(["null"]);
    expect(devPathParts("/dev//snd/pcm")).toEqual(["snd", "pcm"]);
  });
  test.each(["/dev", "/dev/", "/etc/passwd", "/dev/../etc/x", "/dev/./x", "dev/x", "/devx/y"])("refuses %p", (p) => {
    expect(() => devPathParts(p)).toThrow(DevicePathError);
  });
});
