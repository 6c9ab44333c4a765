import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secureJoin } from "../../src/init/secure-join.ts";
import { Errno, SyscallError } from "../../src/sys/errno.ts";

let root = "";
beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "minibox-sj-")));
  mkdirSync(join(root, "etc"));
  mkdirSync(join(root, "usr/lib"), { recursive: true });
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
});
afterEach(() => { if (root) rmSync(root, { recursive: true, force: true }); });

const inside = (p: string) => p === root || p.startsWith(`${root}/`);

describe("secureJoin", () => {
  test("plain paths; '.', '//' and a trailing slash are normalised", () => {
    expect(secureJoin(root, "/etc/passwd")).toBe(join(root, "etc/passwd"));
    expect(secureJoin(root, "etc//./passwd/")).toBe(join(root, "etc/passwd"));
    expect(secureJoin(root, "/")).toBe(root);
    expect(secureJoin(root, "")).toBe(root);
  });

  test("'..' at the root stays at the root", () => {
    expect(secureJoin(root, "/../../..")).toBe(root);
    expect(secureJoin(root, "../etc/../../etc/passwd")).toBe(join(root, "etc/passwd"));
  });

  test("absolute link a -> / : a/etc is the root's etc", () => {
    symlinkSync("/", join(root, "a"));
    expect(secureJoin(root, "/a/etc")).toBe(join(root, "etc"));
    expect(secureJoin(root, "/a")).toBe(root);
  });

  test("absolute link deep in the tree restarts at the container root", () => {
    symlinkSync("/etc/passwd", join(root, "usr/lib/pw"));
    expect(secureJoin(root, "/usr/lib/pw")).toBe(join(root, "etc/passwd"));
  });

  test("relative link climbing out (../../..) is clamped at the root", () => {
    symlinkSync("../../..", join(root, "usr/lib/up"));
    expect(secureJoin(root, "/usr/lib/up/etc/passwd")).toBe(join(root, "etc/passwd"));
    symlinkSync("../../../../../../../../etc", join(root, "esc"));
    const r = secureJoin(root, "/esc/shadow");
    expect(r).toBe(join(root, "etc/shadow"));
  });

  test("a relative link resolves against its own directory", () => {
    symlinkSync("../etc", join(root, "usr/e"));
    expect(secureJoin(root, "/usr/e/passwd")).toBe(join(root, "etc/passwd"));
    symlinkSync("lib", join(root, "usr/l"));
    expect(secureJoin(root, "/usr/l")).toBe(join(root, "usr/lib"));
  });

  test("'..' after a link goes up from the link's target, not from the link", () => {
    symlinkSync("/usr/lib", join(root, "ul"));
    expect(secureJoin(root, "/ul/..")).toBe(join(root, "usr"));
  });

  test("chained links", () => {
    symlinkSync("/b", join(root, "a"));
    symlinkSync("c/", join(root, "b"));
    symlinkSync("../../../", join(root, "c"));
    expect(secureJoin(root, "/a/etc/passwd")).toBe(join(root, "etc/passwd"));
    symlinkSync("/usr", join(root, "u1"));
    symlinkSync("/u1/lib", join(root, "u2"));
    expect(secureJoin(root, "/u2/x")).toBe(join(root, "usr/lib/x"));
  });

  test("a link whose target is the host's real root path stays inside", () => {
    symlinkSync(root, join(root, "self"));
    const r = secureJoin(root, "/self/etc");
    expect(inside(r)).toBe(true);
    expect(r).toBe(join(root, root, "etc"));
  });

  test("link loops are ELOOP", () => {
    symlinkSync("loop2", join(root, "loop1"));
    symlinkSync("loop1", join(root, "loop2"));
    symlinkSync("self", join(root, "self"));
    for (const p of ["/loop1", "/loop2/x", "/self"]) {
      let err: unknown;
      try { secureJoin(root, p); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(SyscallError);
      expect((err as SyscallError).errno).toBe(Errno.ELOOP);
      expect((err as SyscallError).code).toBe("ELOOP");
      expect((err as SyscallError).message).toContain(p);
    }
  });

  test("a growing link (a -> a/x) is ELOOP, not a hang", () => {
    symlinkSync("grow/x", join(root, "grow"));
    expect(() => secureJoin(root, "/grow")).toThrow(SyscallError);
  });

  test("nonexistent tails are joined as given", () => {
    expect(secureJoin(root, "/no/such/dir")).toBe(join(root, "no/such/dir"));
    expect(secureJoin(root, "/no/such/../dir")).toBe(join(root, "no/dir"));
    symlinkSync("/etc", join(root, "e"));
    expect(secureJoin(root, "/e/new/file")).toBe(join(root, "etc/new/file"));
  });

  test("a file in the middle of the path does not throw", () => {
    expect(secureJoin(root, "/etc/passwd/x")).toBe(join(root, "etc/passwd/x"));
  });

  test("a dangling link is followed inside the root", () => {
    symlinkSync("/nowhere/deep", join(root, "dangling"));
    expect(secureJoin(root, "/dangling/f")).toBe(join(root, "nowhere/deep/f"));
  });

  test("results always stay inside the root", () => {
    symlinkSync("/../../..", join(root, "x"));
    symlinkSync("../x/../../y", join(root, "etc/y"));
    for (const p of ["/x", "/x/..", "/etc/y", "/etc/y/../../..", "../../x/etc/y"]) expect(inside(secureJoin(root, p))).toBe(true);
  });
});
