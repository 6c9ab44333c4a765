// walk.ts and tree-writer.ts on real temp dirs (as root: owners, device nodes and trusted.* xattrs).
import { afterEach, describe, expect, test } from "bun:test";
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync, chownSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AT, O, openat } from "../../src/sys/at.ts";
import { closeFd, lsetxattr, mknod, S_IFCHR } from "../../src/sys/fs.ts";
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
      if (e.stream) { const parts: Uint8Array[] = []; for await (const p of e.stream()) parts.push(p); const body = Buffer.concat(parts); out.push({ ...e, stream: undefined, body }); }
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
