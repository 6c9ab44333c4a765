// RUN --mount: BuildKit's option syntax parsed into typed mounts (defaults, aliases, refusals), and the
// cleanup of work dirs a build killed with -9 left (their lock free): mounts detached, dirs removed,
// while a live build's work dir (lock held) is left alone.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRunMount } from "../../src/build/executor/run-mount-spec.ts";
import { removeStaleMountDirs } from "../../src/build/executor/run-mounts.ts";
import { tryLockExclusive } from "../../src/sys/flock.ts";

describe("parseRunMount", () => {
  test("cache: defaults, id from the target, octal mode, relative target under WORKDIR", () => {
    expect(parseRunMount("type=cache,target=/root/.cache", "/")).toEqual({
      type: "cache", target: "/root/.cache", id: "/root/.cache", sharing: "shared", uid: 0, gid: 0, mode: 0o755, readonly: false,
    });
    expect(parseRunMount("type=cache,dst=cache,id=x,sharing=locked,uid=1000,gid=100,mode=0700,ro", "/app")).toEqual({
      type: "cache", target: "/app/cache", id: "x", sharing: "locked", uid: 1000, gid: 100, mode: 0o700, readonly: true,
    });
  });
  test("bind: the default type, read-only unless rw, source and from", () => {
    expect(parseRunMount("target=/m", "/")).toEqual({ type: "bind", target: "/m", source: "/", readonly: true });
    expect(parseRunMount("type=bind,src=sub,from=build,destination=/m,rw", "/")).toEqual({ type: "bind", target: "/m", source: "sub", from: "build", readonly: false });
    expect(parseRunMount("type=bind,target=/m,readwrite=true", "/")).toMatchObject({ readonly: false });
  });
  test("tmpfs with a size", () => {
    expect(parseRunMount("type=tmpfs,target=/t,size=1048576", "/")).toEqual({ type: "tmpfs", target: "/t", sizeBytes: 1048576 });
  });
  test("refusals, each with a clear message", () => {
    expect(() => parseRunMount("type=secret,id=x", "/")).toThrow("RUN --mount=type=secret is not supported by minibox build");
    expect(() => parseRunMount("type=ssh", "/")).toThrow("type=ssh is not supported");
    expect(() => parseRunMount("type=cache,target=/c,mode=999", "/")).toThrow("invalid value for mode: 999");
    expect(() => parseRunMount("type=cache,target=/c,sharing=maybe", "/")).toThrow('unsupported sharing value "maybe"');
    expect(() => parseRunMount("type=tmpfs,target=/t,source=x", "/")).toThrow("unexpected key 'source'");
    expect(() => parseRunMount("type=bind,target=/", "/")).toThrow("cannot mount on /");
    expect(() => parseRunMount("type=bind,target=/m,rw=perhaps", "/")).toThrow("invalid value for rw: perhaps");
  });
});

describe("removeStaleMountDirs", () => {
  const isRoot = process.getuid?.() === 0;
  let tmp: string;
  beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), "minibox-run-mounts-")); });
  afterAll(() => {
    for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n").reverse()) {
      const at = line.split(" ")[4];
      if (at?.startsWith(tmp)) Bun.spawnSync(["umount", "-l", at]);
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  test.skipIf(!isRoot)("a dead build's work dir is unmounted and removed; a live one's is kept (needs root to mount)", () => {
    const dead = join(tmp, "build-mount-0123456789abcdef");
    mkdirSync(join(dead, "m0", "merged"), { recursive: true });
    mkdirSync(join(dead, "m1"), { recursive: true }); // a mount that never happened
    writeFileSync(`${dead}.lock`, "");
    const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "none", join(dead, "m0", "merged")]);
    expect(mounted.exitCode).toBe(0);
    const live = join(tmp, "build-mount-fedcba9876543210");
    mkdirSync(join(live, "m0", "merged"), { recursive: true });
    const fd = openSync(`${live}.lock`, "w");
    try {
      expect(tryLockExclusive(fd)).toBe(true);
      expect(removeStaleMountDirs(tmp)).toBe(1);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(`${dead}.lock`)).toBe(false);
      expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(dead);
      expect(existsSync(live)).toBe(true);
    } finally {
      closeSync(fd);
    }
  });
});
