// The executor's file handling without containers: the layered view (whiteouts, opaque directories,
// symlinks kept inside the root), COPY planning (Docker's destination rules, .dockerignore, the
// context's confinement), and cache keys (the upper dir → layer conversion is files' walk, tested there).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LayeredFs, PathNotFoundError } from "../../src/build/executor/layered-fs.ts";
import { planCopy, planDigest, type CopyRequest, type PlannedEntry } from "../../src/build/executor/copy-plan.ts";
import { BuildCache, stepKey } from "../../src/build/cache.ts";
import { parseDockerignore } from "../../src/build/context/dockerignore.ts";
import { parseChown } from "../../src/build/executor/owner.ts";
import { BuildError } from "../../src/build/errors.ts";
import { ImageStore } from "../../src/image/store.ts";
import { lsetxattr, mknod, S_IFCHR } from "../../src/sys/fs.ts";

const isRoot = process.getuid?.() === 0;
let tmp: string;
let lower: string;
let upper: string;
let ctx: string;

function files(root: string, spec: Record<string, string | null>): void {
  for (const [name, body] of Object.entries(spec)) {
    const path = join(root, name);
    if (body === null) { mkdirSync(path, { recursive: true }); continue; }
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, body);
  }
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "minibox-build-unit-"));
  lower = join(tmp, "l1");
  upper = join(tmp, "l2");
  ctx = join(tmp, "ctx");
  files(lower, {
    "etc/passwd": "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n", "etc/group": "root:x:0:\nstaff:x:50:\n",
    "opt/a.txt": "a", "opt/sub/b.txt": "b", "gone.txt": "g", "data/old.txt": "old", app: null,
  });
  chmodSync(join(lower, "app"), 0o750);
  symlinkSync("/opt", join(lower, "optlink"));
  symlinkSync("../../../../etc", join(lower, "escape"));
  files(upper, { "data/new.txt": "new", "opt/c.txt": "c" });
  if (isRoot) {
    mknod(join(upper, "gone.txt"), S_IFCHR, 0, 0);
    lsetxattr(join(upper, "data"), "trusted.overlay.opaque", "y");
  }
  files(ctx, { "a.txt": "A", "b.md": "B", "dir/x.txt": "X", "dir/skip.log": "L", "dir/sub/y.txt": "Y" });
  symlinkSync("a.txt", join(ctx, "inside-link"));
  symlinkSync("/etc/passwd", join(ctx, "abs-link"));
  symlinkSync("../outside", join(ctx, "up-link"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("LayeredFs", () => {
  test.skipIf(!isRoot)("whiteouts hide, opaque directories stop the lower layers (needs root for mknod/trusted xattrs)", () => {
    const fs = new LayeredFs([lower, upper]);
    expect(fs.lookupExact(["gone.txt"])).toBeNull();
    expect(fs.readdir(["data"])).toEqual(["new.txt"]);
    expect(fs.lookupExact(["data", "old.txt"])).toBeNull();
    expect(fs.readdir(["opt"])).toEqual(["a.txt", "c.txt", "sub"]);
    expect(fs.readdir([])).toContain("etc");
    expect(fs.readdir([])).not.toContain("gone.txt");
  });
  test("symlinks are followed inside the root: absolute and climbing links are clamped at it", () => {
    const fs = new LayeredFs([lower, upper]);
    expect(fs.resolve("/optlink/a.txt", { followLast: true })?.path).toBe("opt/a.txt");
    expect(fs.resolve("/escape/passwd", { followLast: true })?.hostPath).toBe(join(lower, "etc/passwd"));
    expect(fs.resolve("/optlink", { followLast: false })?.stat.isSymbolicLink()).toBe(true);
    expect(fs.resolve("/nothere", { followLast: true })).toBeNull();
    expect(() => fs.resolve("/nothere/x", { followLast: true })).toThrow(PathNotFoundError);
  });
  test("with confinement (the build context), leaving the root is an error", () => {
    const fs = new LayeredFs([ctx], false);
    const confine = () => new BuildError("outside");
    expect(fs.resolve("/inside-link", { followLast: true, confine })?.path).toBe("a.txt");
    expect(() => fs.resolve("/abs-link", { followLast: true, confine })).toThrow("outside");
    expect(() => fs.resolve("/up-link", { followLast: true, confine })).toThrow("outside");
  });
});

describe("planCopy", () => {
  const plan = (over: Partial<CopyRequest>): Promise<PlannedEntry[]> => planCopy({
    kind: "COPY", sources: [], dest: "/", heredocs: new Map(),
    source: { fs: new LayeredFs([ctx], false), context: true, ignore: parseDockerignore("**/*.log\n"), preserveOwner: false },
    target: new LayeredFs([lower]), ...over,
  });
  const names = (entries: PlannedEntry[]) => entries.map((e) => `${e.name}${e.type === "dir" ? "/" : ""}`);

  test("a file to a name, into a directory (trailing slash or existing), a directory's contents", async () => {
    expect(names(await plan({ sources: ["a.txt"], dest: "/new.txt" }))).toEqual(["new.txt"]);
    expect(names(await plan({ sources: ["a.txt"], dest: "/newdir/" }))).toEqual(["newdir/", "newdir/a.txt"]);
    expect(names(await plan({ sources: ["a.txt"], dest: "/app" }))).toEqual(["app/", "app/a.txt"]);
    expect(names(await plan({ sources: ["dir"], dest: "/d" }))).toEqual(["d/", "d/sub/", "d/sub/y.txt", "d/x.txt"]);
  });
  test("existing parents keep their metadata; new ones are created (with --chown)", async () => {
    const entries = await plan({ sources: ["a.txt"], dest: "/app/x/", chown: { uid: 5, gid: 6 } });
    expect(entries.find((e) => e.name === "app")).toMatchObject({ mode: 0o750, uid: 0, gid: 0 });
    expect(entries.find((e) => e.name === "app/x")).toMatchObject({ type: "dir", mode: 0o755, uid: 5, gid: 6 });
    expect(entries.find((e) => e.name === "app/x/a.txt")).toMatchObject({ uid: 5, gid: 6, mode: 0o644 });
  });
  test("wildcards, several sources need a directory destination", async () => {
    expect(names(await plan({ sources: ["*.txt", "*.md"], dest: "/w/" }))).toEqual(["w/", "w/a.txt", "w/b.md"]);
    await expect(plan({ sources: ["a.txt", "b.md"], dest: "/w" })).rejects.toThrow("the destination must be a directory and end with a /");
    await expect(plan({ sources: ["*.none"], dest: "/w/" })).rejects.toThrow("no source files were specified");
  });
  test(".dockerignore'd files are absent, sources leaving the context are refused", async () => {
    expect(names(await plan({ sources: ["dir"], dest: "/d/" }))).not.toContain("d/skip.log");
    await expect(plan({ sources: ["dir/skip.log"], dest: "/" })).rejects.toThrow('"/dir/skip.log": not found');
    await expect(plan({ sources: ["../x"], dest: "/" })).rejects.toThrow("forbidden path outside the build context: ../x");
    await expect(plan({ sources: ["abs-link"], dest: "/" })).rejects.toThrow("forbidden path outside the build context");
  });
  test("--chmod applies to files and directories; URLs are refused", async () => {
    const entries = await plan({ sources: ["dir"], dest: "/d", chmod: 0o700 });
    expect(entries.filter((e) => e.name.startsWith("d")).every((e) => e.mode === 0o700)).toBe(true);
    const file = await plan({ sources: ["a.txt"], dest: "/newdir/", chmod: 0o640 });
    expect(file.map((e) => [e.name, e.mode])).toEqual([["newdir", 0o755], ["newdir/a.txt", 0o640]]);
    await expect(plan({ kind: "ADD", sources: ["https://example.com/x.tar"], dest: "/" })).rejects.toThrow("not supported");
  });
  test("--exclude leaves out what its patterns match, relative to each source", async () => {
    expect(names(await plan({ sources: ["dir"], dest: "/d/", excludes: parseDockerignore("sub\n") }))).toEqual(["d/", "d/x.txt"]);
    expect(names(await plan({ sources: ["*.txt", "*.md"], dest: "/w/", excludes: parseDockerignore("*.md\n") }))).toEqual(["w/", "w/a.txt"]);
    expect(names(await plan({ sources: ["dir"], dest: "/d/", excludes: parseDockerignore("**/*.txt\n!sub/y.txt\n") }))).toEqual(["d/", "d/sub/", "d/sub/y.txt"]);
  });
  test("--parents keeps each source's path from the context root, or from a /./ pivot", async () => {
    expect(names(await plan({ sources: ["dir/sub/y.txt", "a.txt"], dest: "/p/", parents: true }))).toEqual(["p/", "p/a.txt", "p/dir/", "p/dir/sub/", "p/dir/sub/y.txt"]);
    expect(names(await plan({ sources: ["dir/./sub/y.txt"], dest: "/p/", parents: true }))).toEqual(["p/", "p/sub/", "p/sub/y.txt"]);
    expect(names(await plan({ sources: ["dir/sub"], dest: "/p", parents: true }))).toEqual(["p/", "p/dir/", "p/dir/sub/", "p/dir/sub/y.txt"]);
    expect(names(await plan({ sources: ["d*/s*/*.txt"], dest: "/p/", parents: true }))).toEqual(["p/", "p/dir/", "p/dir/sub/", "p/dir/sub/y.txt"]);
  });
  test("a destination under a symlinked directory of the image lands where the link points", async () => {
    expect(names(await plan({ sources: ["a.txt"], dest: "/optlink/" }))).toEqual(["opt/", "opt/a.txt"]);
  });
  test("COPY --from keeps owners, a file over a non-directory is refused", async () => {
    const from = { fs: new LayeredFs([lower]), context: false, ignore: [], preserveOwner: true };
    const entries = await plan({ sources: ["/opt/a.txt"], dest: "/x", source: from });
    expect(entries).toHaveLength(1);
    await expect(plan({ sources: ["a.txt"], dest: "/gone.txt/y" })).rejects.toThrow("/gone.txt: not a directory");
  });
});

describe("content digests and cache keys", () => {
  test("the plan digest follows content, mode and owner, not mtimes", async () => {
    const req = (chmod?: number): CopyRequest => ({
      kind: "COPY", sources: ["a.txt"], dest: "/x", heredocs: new Map(), target: new LayeredFs([lower]),
      source: { fs: new LayeredFs([ctx], false), context: true, ignore: [], preserveOwner: false }, ...(chmod !== undefined && { chmod }),
    });
    const first = await planDigest(await planCopy(req()));
    utimesSync(join(ctx, "a.txt"), 1000, 1000);
    expect(await planDigest(await planCopy(req()))).toBe(first);
    expect(await planDigest(await planCopy(req(0o600)))).not.toBe(first);
    writeFileSync(join(ctx, "a.txt"), "changed");
    expect(await planDigest(await planCopy(req()))).not.toBe(first);
    writeFileSync(join(ctx, "a.txt"), "A");
  });
  test("step keys chain parent, instruction and content", () => {
    const k = stepKey("p", "RUN x", "");
    expect(stepKey("p", "RUN x", "")).toBe(k);
    expect(stepKey("q", "RUN x", "")).not.toBe(k);
    expect(stepKey("p", "RUN y", "")).not.toBe(k);
    expect(stepKey("p", "RUN x", "c")).not.toBe(k);
    expect(stepKey("p", "RUN x\u0000", "")).not.toBe(stepKey("p", "RUN x", "\u0000"));
  });
  test("a cache entry whose layers are gone is a miss; a damaged one too", () => {
    const store = new ImageStore(join(tmp, "store"));
    const cache = new BuildCache(store);
    const config = { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] as string[] } };
    cache.put("k1", config);
    expect(cache.get("k1")).toEqual(config);
    cache.put("k2", { ...config, rootfs: { type: "layers", diff_ids: [`sha256:${"0".repeat(64)}`] } });
    expect(cache.get("k2")).toBeNull();
    writeFileSync(join(store.root, "build-cache", "k3.json"), "{not json");
    expect(cache.get("k3")).toBeNull();
    expect(cache.get("absent")).toBeNull();
  });
});

describe("--chown", () => {
  test("names from the stage's /etc/passwd and /etc/group, numbers as given", () => {
    const fs = new LayeredFs([lower]);
    expect(parseChown("app", fs)).toEqual({ uid: 1000, gid: 1001 });
    expect(parseChown("app:staff", fs)).toEqual({ uid: 1000, gid: 50 });
    expect(parseChown("10", fs)).toEqual({ uid: 10, gid: 10 });
    expect(parseChown("10:20", fs)).toEqual({ uid: 10, gid: 20 });
    expect(() => parseChown("nobody", fs)).toThrow("can't find uid for user nobody");
    expect(() => parseChown("app:nogroup", fs)).toThrow("can't find gid for group nogroup");
  });
});
