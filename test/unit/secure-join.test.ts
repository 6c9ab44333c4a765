// openInRoot/walkInRoot on a real directory tree (no privileges needed): every result is an fd whose
// object lies inside the root, whatever links the tree holds. Both resolutions are run: openat2
// (RESOLVE_IN_ROOT) and the O_NOFOLLOW walk used when openat2 is ENOSYS; they must agree.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openInRoot, type InRootOptions } from "../../src/init/secure-join.ts";
import { realSyscalls } from "../../src/sys/init-syscalls.ts";
import { AT, O, openat, openat2 } from "../../src/sys/at.ts";
import { closeFd } from "../../src/sys/fs.ts";
import { Errno, SyscallError } from "../../src/sys/errno.ts";

let root = "";
let rootFd = -1;
let outside = "";
beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "minibox-sj-")));
  outside = realpathSync(mkdtempSync(join(tmpdir(), "minibox-sj-outside-")));
  mkdirSync(join(root, "etc"));
  mkdirSync(join(root, "usr/lib"), { recursive: true });
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
  rootFd = openat(AT.FDCWD, root, O.PATH | O.DIRECTORY | O.CLOEXEC);
});
afterEach(() => {
  closeFd(rootFd);
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/** Whether this kernel (and any seccomp profile around us) has openat2; without it that half is skipped. */
const HAVE_OPENAT2 = (() => {
  try {
    closeFd(openat2(AT.FDCWD, "/", O.PATH | O.CLOEXEC, 0));
    return true;
  } catch (e) {
    if (e instanceof SyscallError && e.errno === Errno.ENOSYS) return false;
    throw e;
  }
})();
if (!HAVE_OPENAT2) console.warn("secure-join.test.ts: openat2 is ENOSYS here; only the fallback walk is tested");

for (const mode of ["openat2", "walk"] as const) {
  const resolve = (path: string, opts: InRootOptions = {}): string => {
    const fd = openInRoot(realSyscalls, rootFd, path, { ...opts, walkOnly: mode === "walk" });
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } finally {
      closeFd(fd);
    }
  };
  const errnoOf = (path: string, opts: InRootOptions = {}): number | undefined => {
    try {
      resolve(path, opts);
      return undefined;
    } catch (e) {
      if (!(e instanceof SyscallError)) throw e;
      expect(e.message).toContain(path);
      return e.errno;
    }
  };

  describe.skipIf(mode === "openat2" && !HAVE_OPENAT2)(`openInRoot (${mode})`, () => {
    test("plain paths; '.', '//' and a trailing slash", () => {
      expect(resolve("/etc/passwd")).toBe(join(root, "etc/passwd"));
      expect(resolve("etc//./passwd")).toBe(join(root, "etc/passwd"));
      expect(resolve("/")).toBe(root);
      expect(resolve("")).toBe(root);
    });

    test("'..' at the root stays at the root", () => {
      expect(resolve("/../../..")).toBe(root);
      expect(resolve("../etc/../../etc/passwd")).toBe(join(root, "etc/passwd"));
    });

    test("absolute links restart at the container root", () => {
      symlinkSync("/", join(root, "a"));
      symlinkSync("/etc/passwd", join(root, "usr/lib/pw"));
      expect(resolve("/a/etc")).toBe(join(root, "etc"));
      expect(resolve("/usr/lib/pw")).toBe(join(root, "etc/passwd"));
    });

    test("relative links climbing out are clamped at the root", () => {
      symlinkSync("../../..", join(root, "usr/lib/up"));
      symlinkSync("../../../../../../../../etc", join(root, "esc"));
      expect(resolve("/usr/lib/up/etc/passwd")).toBe(join(root, "etc/passwd"));
      expect(errnoOf("/esc/shadow")).toBe(Errno.ENOENT);
    });

    test("a link to a host path is resolved inside the root", () => {
      writeFileSync(join(outside, "secret"), "host\n");
      symlinkSync(outside, join(root, "host"));
      expect(errnoOf("/host/secret")).toBe(Errno.ENOENT);
      symlinkSync(root, join(root, "self"));
      expect(errnoOf("/self/etc")).toBe(Errno.ENOENT);
    });

    test("'..' after a link goes up from the link's target", () => {
      symlinkSync("/usr/lib", join(root, "ul"));
      expect(resolve("/ul/..")).toBe(join(root, "usr"));
    });

    test("link loops are ELOOP", () => {
      symlinkSync("loop2", join(root, "loop1"));
      symlinkSync("loop1", join(root, "loop2"));
      symlinkSync("grow/x", join(root, "grow"));
      for (const p of ["/loop1", "/loop2/x", "/grow"]) expect(errnoOf(p)).toBe(Errno.ELOOP);
    });

    test("noSymlinks refuses any link on the way", () => {
      symlinkSync("/etc", join(root, "e"));
      expect(errnoOf("/e/passwd", { noSymlinks: true })).toBe(Errno.ELOOP);
      expect(resolve("/etc/passwd", { noSymlinks: true })).toBe(join(root, "etc/passwd"));
    });

    test("a file in the middle is ENOTDIR", () => {
      expect(errnoOf("/etc/passwd/x")).toBe(Errno.ENOTDIR);
    });

    test("create: missing directories are made inside the root, following links inside it", () => {
      symlinkSync(outside, join(root, "host"));
      expect(resolve("/no/such/dir", { create: "dir" })).toBe(join(root, "no/such/dir"));
      expect(lstatSync(join(root, "no/such/dir")).isDirectory()).toBe(true);
      expect(resolve("/host/made", { create: "dir" })).toBe(join(root, outside, "made"));
      expect(existsSync(join(outside, "made"))).toBe(false);
    });

    test("create file: an empty file, never truncating, never through a link to the host", () => {
      writeFileSync(join(outside, "f"), "host\n");
      symlinkSync(join(outside, "f"), join(root, "etc/hostfile"));
      expect(resolve("/etc/new", { create: "file" })).toBe(join(root, "etc/new"));
      expect(lstatSync(join(root, "etc/new")).isFile()).toBe(true);
      expect(resolve("/etc/passwd", { create: "file" })).toBe(join(root, "etc/passwd"));
      expect(resolve("/etc/hostfile", { create: "file" })).toBe(join(root, outside, "f"));
      expect(lstatSync(join(outside, "f")).size).toBe(5);
    });

    test("create through a dangling link makes its target inside the root", () => {
      symlinkSync("/nowhere/deep", join(root, "dangling"));
      expect(resolve("/dangling/f", { create: "dir" })).toBe(join(root, "nowhere/deep/f"));
    });
  });
}
