// Runs as root: whiteouts are device nodes and opaque dirs are trusted.* xattrs.
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { lgetxattr } from "../../src/sys/fs.ts";
import { UnsafeLayerError } from "../../src/image/safe-path.ts";
import { ImageStore } from "../../src/image/store.ts";
import { DigestMismatchError } from "../../src/image/digest.ts";
import { unpackLayer } from "../../src/image/unpack.ts";
import { tarBytes, type TarWriteEntry } from "../../src/image/tar/writer.ts";
import { sha256 } from "../fixtures/images.ts";

const base = mkdtempSync(join(tmpdir(), "minibox-unpack-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
async function unpack(entries: TarWriteEntry[] | Uint8Array): Promise<string> {
  const dest = join(base, `l${n++}`);
  mkdirSync(dest);
  const data = entries instanceof Uint8Array ? entries : tarBytes(entries);
  await unpackLayer(new Blob([data]).stream(), dest);
  return dest;
}

describe("unpack", () => {
  test("files, dirs, modes, owners, setuid, mtimes, symlinks, hardlinks, fifos, devices, xattrs", async () => {
    const dir = await unpack([
      { name: "bin", type: "dir", mode: 0o755, mtime: 1000 },
      { name: "bin/su", body: "#!", mode: 0o4755, uid: 1000, gid: 50, mtime: 2000 },
      { name: "bin/sg", body: "", mode: 0o2711, uid: 7, gid: 8 },
      { name: "tmp", type: "dir", mode: 0o1777 },
      { name: "bin/sh", type: "symlink", linkname: "busybox", uid: 5, gid: 6, mtime: 3000 },
      { name: "bin/su2", type: "hardlink", linkname: "bin/su" },
      { name: "fifo", type: "fifo", mode: 0o640 },
      { name: "null", type: "char", devmajor: 1, devminor: 3, mode: 0o666 },
      { name: "implicit/parent/file", body: "deep" },
      { name: "cap", body: "x", xattrs: { "user.k": "v", "trusted.overlay.redirect": "/etc" } },
    ]);
    const su = statSync(join(dir, "bin/su"));
    expect(su.mode & 0o7777).toBe(0o4755);
    expect([su.uid, su.gid, su.mtimeMs]).toEqual([1000, 50, 2_000_000]);
    expect(statSync(join(dir, "bin/sg")).mode & 0o7777).toBe(0o2711);
    expect(statSync(join(dir, "tmp")).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(dir, "bin")).mtimeMs).toBe(1_000_000);
    const sh = lstatSync(join(dir, "bin/sh"));
    expect(sh.isSymbolicLink()).toBe(true);
    expect([sh.uid, sh.gid, sh.mtimeMs]).toEqual([5, 6, 3_000_000]);
    expect(readlinkSync(join(dir, "bin/sh"))).toBe("busybox");
    expect(statSync(join(dir, "bin/su2")).ino).toBe(su.ino);
    expect(su.nlink).toBe(2);
    expect(lstatSync(join(dir, "fifo")).isFIFO()).toBe(true);
    const dev = lstatSync(join(dir, "null"));
    expect(dev.isCharacterDevice()).toBe(true);
    expect(dev.rdev).toBe(0x103);
    expect(readFileSync(join(dir, "implicit/parent/file"), "utf8")).toBe("deep");
    expect(lgetxattr(join(dir, "cap"), "user.k")?.toString()).toBe("v");
    expect(lgetxattr(join(dir, "cap"), "trusted.overlay.redirect")).toBeNull();
  });

  test("whiteouts become 0:0 char devices, opaque dirs get trusted.overlay.opaque=y", async () => {
    const dir = await unpack([
      { name: "etc", type: "dir" },
      { name: "etc/.wh.motd", body: "" },
      { name: "opt", type: "dir" },
      { name: "opt/.wh..wh..opq", body: "" },
      { name: "opt/new", body: "n" },
    ]);
    const wh = lstatSync(join(dir, "etc/motd"));
    expect(wh.isCharacterDevice()).toBe(true);
    expect(wh.rdev).toBe(0);
    expect(existsSync(join(dir, "etc/.wh.motd"))).toBe(false);
    expect(lgetxattr(join(dir, "opt"), "trusted.overlay.opaque")?.toString()).toBe("y");
    expect(readdirSync(join(dir, "opt"))).toEqual(["new"]);
  });

  test("later entries replace earlier ones; a directory entry twice keeps its contents", async () => {
    const dir = await unpack([
      { name: "a", type: "dir" }, { name: "a/f", body: "1" }, { name: "a", type: "dir", mode: 0o700 },
      { name: "b", body: "file" }, { name: "b", type: "symlink", linkname: "a" },
    ]);
    expect(readFileSync(join(dir, "a/f"), "utf8")).toBe("1");
    expect(statSync(join(dir, "a")).mode & 0o777).toBe(0o700);
    expect(lstatSync(join(dir, "b")).isSymbolicLink()).toBe(true);
  });

  test("digests: blob digest of the input, diffID of the tar, for plain, gzip and zstd", async () => {
    const tar = tarBytes([{ name: "f", body: "content" }]);
    for (const input of [tar, new Uint8Array(gzipSync(tar)), new Uint8Array(zstdCompressSync(tar))]) {
      const dest = join(base, `d${n++}`);
      mkdirSync(dest);
      const got = await unpackLayer(new Blob([input]).stream(), dest);
      expect(got.diffId).toBe(sha256(tar));
      expect(got.digest).toBe(sha256(input));
      expect(readFileSync(join(dest, "f"), "utf8")).toBe("content");
    }
  });

  test("a truncated gzip layer fails", async () => {
    const gz = gzipSync(tarBytes([{ name: "f", body: "x".repeat(10000) }]));
    await expect(unpack(new Uint8Array(gz.subarray(0, gz.length - 20)))).rejects.toThrow();
  });
});

describe("malicious layers are refused and leave nothing in the store", () => {
  let root: string;
  let store: ImageStore;
  beforeEach(() => {
    root = mkdtempSync(join(base, "store-"));
    store = new ImageStore(root);
  });

  const cases: [string, TarWriteEntry[]][] = [
    ["../x", [{ name: "../x", body: "evil" }]],
    ["a/../../x", [{ name: "a", type: "dir" }, { name: "a/../../x", body: "evil" }]],
    ["/etc/x", [{ name: "/etc/x", body: "evil" }]],
    ["symlink a -> / then a/x", [{ name: "a", type: "symlink", linkname: "/" }, { name: "a/x", body: "evil" }]],
    ["symlink a -> ../.. then a/x", [{ name: "a", type: "symlink", linkname: "../.." }, { name: "a/x", body: "evil" }]],
    ["dir a replaced by symlink, then a/x", [
      { name: "a", type: "dir" }, { name: "a/ok", body: "ok" }, { name: "a", type: "symlink", linkname: "/tmp" }, { name: "a/x", body: "evil" },
    ]],
    ["hardlink to ../../etc/passwd", [{ name: "h", type: "hardlink", linkname: "../../etc/passwd" }]],
    ["hardlink to /etc/passwd", [{ name: "h", type: "hardlink", linkname: "/etc/passwd" }]],
    ["hardlink through a symlink", [{ name: "s", type: "symlink", linkname: "/etc" }, { name: "h", type: "hardlink", linkname: "s/passwd" }]],
    ["whiteout through a symlink", [{ name: "s", type: "symlink", linkname: "/tmp" }, { name: "s/.wh.x", body: "" }]],
  ];
  for (const [label, entries] of cases) {
    test(label, async () => {
      const err = await store.addLayer(new Blob([tarBytes(entries)]).stream(), {}, label).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsafeLayerError);
      expect(readdirSync(join(root, "layers"))).toEqual([]);
      expect(readdirSync(join(root, "tmp"))).toEqual([]);
    });
  }
  test("nothing escaped to the host", () => {
    expect(existsSync("/x")).toBe(false);
    expect(existsSync("/tmp/x")).toBe(false);
  });

  test("a layer whose diffID does not match is refused and removed", async () => {
    const tar = tarBytes([{ name: "f", body: "x" }]);
    const err = await store.addLayer(new Blob([tar]).stream(), { diffId: sha256("other") }, "layer").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect((err as Error).message).toContain(sha256(tar));
    expect(readdirSync(join(root, "layers"))).toEqual([]);
    expect(readdirSync(join(root, "tmp"))).toEqual([]);
  });

  test("a blob whose digest does not match is refused", async () => {
    const tar = new Uint8Array(gzipSync(tarBytes([{ name: "f", body: "x" }])));
    const err = await store.addLayer(new Blob([tar]).stream(), { digest: sha256("other") }, "layer").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(readdirSync(join(root, "layers"))).toEqual([]);
  });
});

// files-finish: which extended attributes an image may set. Docker writes only security.capability into
// layers, podman also user.*; an image must not set trusted.* (overlayfs's own metadata, root-only
// namespaces) nor LSM labels (security.selinux, security.ima, …), which are host policy.
describe("xattrs from a layer", () => {
  test("user.* and security.capability are applied to files and directories; trusted.* and other security.* are not", async () => {
    const cap = new Uint8Array(20);
    new DataView(cap.buffer).setUint32(0, 0x02000001, true);
    new DataView(cap.buffer).setUint32(4, 1 << 10, true);
    const hostile = { "trusted.evil": "1", "trusted.overlay.metacopy": "", "security.selinux": "system_u:object_r:shadow_t:s0", "security.ima": "x" };
    const dir = await unpack([
      { name: "d", type: "dir", xattrs: { "user.d": "dir", ...hostile } },
      { name: "d/ping", body: "ELF", mode: 0o755, xattrs: { "security.capability": cap, "user.f": "file", ...hostile } },
    ]);
    expect([...lgetxattr(join(dir, "d/ping"), "security.capability")!]).toEqual([...cap]);
    expect(lgetxattr(join(dir, "d/ping"), "user.f")?.toString()).toBe("file");
    expect(lgetxattr(join(dir, "d"), "user.d")?.toString()).toBe("dir");
    for (const key of Object.keys(hostile)) {
      expect(lgetxattr(join(dir, "d/ping"), key)).toBeNull();
      expect(lgetxattr(join(dir, "d"), key)).toBeNull();
    }
  });
});
