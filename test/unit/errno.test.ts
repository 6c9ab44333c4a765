import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { constants } from "node:os";
import { ERRNO_NAMES, Errno, errnoName, SyscallError } from "../../src/sys/errno.ts";

// name → number as the platform knows it: node:os first (libuv's table, from the libc headers), then the
// kernel's uapi headers for the few names libuv leaves out (ENOTBLK).
function platformErrno(name: string): number | undefined {
  const fromOs = (constants.errno as Record<string, number | undefined>)[name];
  if (fromOs !== undefined) return fromOs;
  for (const h of ["/usr/include/asm-generic/errno-base.h", "/usr/include/asm-generic/errno.h"]) {
    if (!existsSync(h)) continue;
    const m = readFileSync(h, "utf8").match(new RegExp(`^#define\\s+${name}\\s+(\\d+)\\b`, "m"));
    if (m) return Number(m[1]);
  }
  return undefined;
}

describe("ERRNO_NAMES", () => {
  test.each(Object.entries(ERRNO_NAMES))("%s is %s", (num, name) => {
    expect(platformErrno(name)).toBe(Number(num));
  });
  test("the table covers every errno minibox names in Errno", () => {
    for (const [name, num] of Object.entries(Errno)) {
      expect([name, ERRNO_NAMES[num]]).toEqual([name, name]);
      expect([name, platformErrno(name)]).toEqual([name, num]);
    }
  });
  test("names are unique", () => {
    const names = Object.values(ERRNO_NAMES);
    expect(new Set(names).size).toBe(names.length);
  });
  test("errnoName falls back to the number", () => {
    expect(errnoName(2)).toBe("ENOENT");
    expect(errnoName(9999)).toBe("errno 9999");
  });
});

describe("SyscallError", () => {
  test("message carries the call, the path and the code", () => {
    const e = new SyscallError("mount", Errno.EPERM, "/x/rootfs");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("SyscallError");
    expect(e.message).toBe("mount /x/rootfs: EPERM");
    expect(e.code).toBe("EPERM");
    expect(e.errno).toBe(1);
    expect(e.syscall).toBe("mount");
    expect(e.path).toBe("/x/rootfs");
  });
  test("without a path, with a detail, with an unknown errno", () => {
    expect(new SyscallError("unshare", Errno.EINVAL).message).toBe("unshare: EINVAL");
    expect(new SyscallError("open", Errno.ENOENT, "/f", "while reading").message).toBe("open /f: ENOENT (while reading)");
    const e = new SyscallError("ioctl", 4242);
    expect(e.code).toBe("errno 4242");
    expect(e.message).toContain("4242");
  });
});
