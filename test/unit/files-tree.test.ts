// walk.ts and tree-writer.ts on real temp dirs (as root: owners, device nodes and trusted.* xattrs).
import { afterEach, describe, expect, test } from "bun:test";
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, chownSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AT, O, openat } from "../../src/sys/at.ts";
import { closeFd, lgetxattr, lsetxattr, mknod, S_IFCHR } from "../../src/sys/fs.ts";
import { walkTree, type CopyEntry } from "../../src/files/walk.ts";
import { TreeWriter } from "../../src/files/tree-writer.ts";

const temps: string[] = [];
afterEach(() => { for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true }); });
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), "minibox-tree-"));
  temps.push(d);
  return d;
}
const isRoot = process.getuid?.() === 0;

async function collect(dir: string, name: string, opts = {}): Promise<CopyEntry[]> {
  const fd = openat(AT.FDCWD, dir, O.PATH | O.CLOEXEC);
  const out: CopyEntry[] = [];
  try {
    for await (const e of walkTree(fd, name, opts)) {
      if (e.stream) { const parts: Uint8Array[] = []; for await (const p of e.stream()) parts.push(Uint8Array.from(p)); const body = Buffer.concat(parts); out.push({ ...e, stream: undefined, body }); }
      else out.push(e);
    }
  } finally { closeFd(fd); }
  return out;
}

async function extract(dest: string, entries: CopyEntry[], owner: "keep" | { uid: number; gid: number } = "keep"): Promise<void> {
  const fd = openat(AT.FDCWD, dest, O.PATH | O.DIRECTORY | O.CLOEXEC);
  const w = new TreeWriter(fd, owner);
  try { for (const e of entries) await w.write(e); } finally { w.finish(); closeFd(fd); }
}

describe("walkTree → TreeWriter", () => {
  test.skipIf(!isRoot)("round trip keeps contents, modes, owners, symlinks, hard links and mtimes; order is sorted", async () => {
    const src = temp(), dst = temp();
    mkdirSync(join(src, "t/b"), { recursive: true });
    writeFileSync(join(src, "t/z"), "zzz", { mode: 0o751 });
    writeFileSync(join(src, "t/b/a"), "aaa");
    chownSync(join(src, "t/b/a"), 12, 34);
    linkSync(join(src, "t/z"), join(src, "t/hard"));
    symlinkSync("/nowhere", join(src, "t/ln"));
    const entries = await collect(join(src, "t"), "copy");
    expect(entries.map((e) => e.name)).toEqual(["copy", "copy/b", "copy/b/a", "copy/hard", "copy/ln", "copy/z"]);
    expect(entries.find((e) => e.name === "copy/z")!.type).toBe("hardlink");
    await extract(dst, entries);
    expect(readFileSync(join(dst, "copy/b/a"), "utf8")).toBe("aaa");
    expect(statSync(join(dst, "copy/b/a")).uid).toBe(12);
    expect(statSync(join(dst, "copy/z")).mode & 0o777).toBe(0o751);
    expect(statSync(join(dst, "copy/z")).ino).toBe(statSync(join(dst, "copy/hard")).ino);
    expect(readlinkSync(join(dst, "copy/ln"))).toBe("/nowhere");
    expect(Math.trunc(statSync(join(dst, "copy/b")).mtimeMs / 1000)).toBe(Math.trunc(statSync(join(src, "t/b")).mtimeMs / 1000));
  });

  test("a fixed owner replaces the source's", async () => {
    const src = temp(), dst = temp();
    writeFileSync(join(src, "f"), "x");
    await extract(dst, await collect(join(src, "f"), "f"), { uid: 0, gid: 0 });
    expect(statSync(join(dst, "f")).uid).toBe(0);
  });

  test("entries never write through a symlink, nor above the destination with ..", async () => {
    const dst = temp(), outside = temp();
    await expect(extract(dst, [{ name: "l", type: "symlink", linkname: outside }, { name: "l/pwned", body: "x" }])).rejects.toThrow("not a directory");
    await expect(extract(dst, [{ name: "../pwned", body: "x" }])).rejects.toThrow('".." is not allowed');
    symlinkSync(join(outside, "target"), join(dst, "f"));
    await extract(dst, [{ name: "f", body: "replaced the link, not its target" }]);
    expect(lstatSync(join(dst, "f")).isFile()).toBe(true);
    expect(readdirSync(outside)).toEqual([]);
  });

  test("a directory is not replaced by a file", async () => {
    const dst = temp();
    mkdirSync(join(dst, "d"));
    await expect(extract(dst, [{ name: "d", body: "x" }])).rejects.toThrow('cannot overwrite directory "d" with non-directory');
  });

  test.skipIf(!isRoot)("overlay whiteouts and opaque dirs become .wh. entries", async () => {
    const upper = temp();
    mkdirSync(join(upper, "opaque"));
    lsetxattr(join(upper, "opaque"), "trusted.overlay.opaque", "y");
    mknod(join(upper, "gone"), S_IFCHR | 0o600, 0, 0);
    const names = (await collect(upper, "", { overlayWhiteouts: true })).map((e) => `${e.type}:${e.name}`);
    expect(names).toEqual(["file:.wh.gone", "dir:opaque", "file:opaque/.wh..wh..opq"]);
  });
});

// files-finish: extended attributes. Only what Docker and podman carry in layers: user.* and
// security.capability (a v3 capability is written as v2, as Docker does: its root id means nothing elsewhere).
describe("walkTree → TreeWriter: extended attributes", () => {
  const capV2 = (permitted: number) => {
    const b = new Uint8Array(20);
    new DataView(b.buffer).setUint32(0, 0x02000001, true); // VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE
    new DataView(b.buffer).setUint32(4, permitted, true);
    return b;
  };

  test.skipIf(!isRoot)("user.* and security.capability of files and directories survive a round trip; trusted.* and security.selinux do not", async () => {
    const src = temp(), dst = temp();
    mkdirSync(join(src, "t"));
    writeFileSync(join(src, "t/bin"), "ELF", { mode: 0o755 });
    chownSync(join(src, "t/bin"), 5, 6); // before the capability: a chown removes it
    lsetxattr(join(src, "t/bin"), "security.capability", capV2(1 << 10));
    lsetxattr(join(src, "t/bin"), "user.note", "hello");
    lsetxattr(join(src, "t/bin"), "trusted.secret", "no");
    lsetxattr(join(src, "t"), "user.dir", "d");
    lsetxattr(join(src, "t"), "trusted.overlay.opaque", "y");
    const entries = await collect(join(src, "t"), "t");
    const bin = entries.find((e) => e.name === "t/bin")!;
    expect(Object.keys(bin.xattrs ?? {}).sort()).toEqual(["security.capability", "user.note"]);
    expect([...(bin.xattrs!["security.capability"] as Uint8Array)]).toEqual([...capV2(1 << 10)]);
    expect(Object.keys(entries.find((e) => e.name === "t")!.xattrs ?? {})).toEqual(["user.dir"]);
    await extract(dst, entries);
    // written after the chown (which drops a file capability) and after the body (a write drops it too)
    expect([...lgetxattr(join(dst, "t/bin"), "security.capability")!]).toEqual([...capV2(1 << 10)]);
    expect(lgetxattr(join(dst, "t/bin"), "user.note")?.toString()).toBe("hello");
    expect(lgetxattr(join(dst, "t/bin"), "trusted.secret")).toBeNull();
    expect(lgetxattr(join(dst, "t"), "user.dir")?.toString()).toBe("d");
    expect(lgetxattr(join(dst, "t"), "trusted.overlay.opaque")).toBeNull();
    expect(statSync(join(dst, "t/bin")).uid).toBe(5);
  });

  test.skipIf(!isRoot)("a v3 capability is archived as v2; a fixed owner keeps the capability", async () => {
    const src = temp(), dst = temp();
    writeFileSync(join(src, "f"), "x");
    const v3 = new Uint8Array(24);
    v3.set(capV2(1 << 12));
    new DataView(v3.buffer).setUint32(0, 0x03000001, true);
    lsetxattr(join(src, "f"), "security.capability", v3);
    const [entry] = await collect(join(src, "f"), "f");
    expect([...(entry!.xattrs!["security.capability"] as Uint8Array)]).toEqual([...capV2(1 << 12)]);
    await extract(dst, [entry!], { uid: 1000, gid: 1000 });
    expect([...lgetxattr(join(dst, "f"), "security.capability")!]).toEqual([...capV2(1 << 12)]);
  });

  test("entries from a tar: only user.* and security.capability are written", async () => {
    const dst = temp();
    await extract(dst, [{ name: "f", body: "x", xattrs: { "user.a": "1", "trusted.overlay.redirect": "/etc", "security.selinux": "x", "system.posix_acl_access": "junk" } }]);
    expect(lgetxattr(join(dst, "f"), "user.a")?.toString()).toBe("1");
    expect(lgetxattr(join(dst, "f"), "trusted.overlay.redirect")).toBeNull();
    expect(lgetxattr(join(dst, "f"), "security.selinux")).toBeNull();
  });
});

// files-finish: packTar writes the same bytes as writeTar, read straight into ~1 MiB pieces that are each
// a whole buffer (transferable to the unpack worker without a copy).
describe("packTar", () => {
  test("the same archive as writeTar of the same walk; every piece but the last is exactly the target size and a whole buffer", async () => {
    const { packTar } = await import("../../src/files/pack.ts");
    const { writeTar } = await import("../../src/image/tar/writer.ts");
    const src = temp();
    mkdirSync(join(src, "t/sub"), { recursive: true });
    let seed = 7;
    for (const [name, size] of [["a", 0], ["b", 1], ["c", 511], ["d", 512], ["e", 513], ["sub/f", 5000], ["sub/g", 12_345], ["h", 4096 * 3]] as const) {
      writeFileSync(join(src, "t", name), Uint8Array.from({ length: size }, () => (seed = (seed * 31 + 11) % 251)));
    }
    symlinkSync("a", join(src, "t/link"));
    if (isRoot) lsetxattr(join(src, "t/b"), "user.k", "v");
    const fd = openat(AT.FDCWD, join(src, "t"), O.PATH | O.CLOEXEC);
    try {
      const plain: Uint8Array[] = [];
      for await (const p of writeTar(walkTree(fd, "t"))) plain.push(Uint8Array.from(p));
      const pieces: Uint8Array[] = [];
      for await (const p of packTar(walkTree(fd, "t"), 4096)) pieces.push(p);
      expect(Buffer.concat(pieces)).toEqual(Buffer.concat(plain));
      expect(pieces.length).toBeGreaterThan(3);
      for (const p of pieces.slice(0, -1)) {
        expect(p.length).toBe(4096);
        expect(p.byteOffset === 0 && p.byteLength === p.buffer.byteLength).toBe(true);
      }
    } finally {
      closeFd(fd);
    }
  });
});
