import { describe, expect, test } from "bun:test";
import { readTar, TarFormatError, TruncatedTarError, type TarEntry } from "../../src/image/tar/reader.ts";
import { tarBytes, ustarBlock, writeTar, type TarWriteEntry } from "../../src/image/tar/writer.ts";
import { BLOCK, padding } from "../../src/image/tar/header.ts";

async function* chunks(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function readAll(data: Uint8Array, chunkSize = 4096): Promise<(Omit<TarEntry, "body" | "bytes"> & { content: string })[]> {
  const out = [];
  for await (const e of readTar(chunks(data, chunkSize))) {
    const { body: _b, bytes, ...rest } = e;
    out.push({ ...rest, content: new TextDecoder().decode(await bytes()) });
  }
  return out;
}

const longDir = "d".repeat(120);
const entries: TarWriteEntry[] = [
  { name: "dir", type: "dir", mode: 0o750, uid: 1, gid: 2, mtime: 1234 },
  { name: "dir/file.txt", body: "hello\n", mode: 0o4755, uid: 1000, gid: 50, mtime: 1_700_000_000, uname: "app", gname: "staff" },
  { name: `${longDir}/${"n".repeat(90)}`, body: "split into prefix" },
  { name: "x".repeat(300), body: "pax path" },
  { name: "ünïcode", body: "utf8" },
  { name: "link", type: "symlink", linkname: "t".repeat(200) },
  { name: "hard", type: "hardlink", linkname: "dir/file.txt" },
  { name: "big-ids", body: "", uid: 3_000_000, gid: 4_000_000, mtime: 12.5 },
  { name: "xattr", body: "x", xattrs: { "user.note": "hi", "security.capability": new Uint8Array([1, 0, 0, 2]) } },
  { name: "null", type: "char", devmajor: 1, devminor: 3, mode: 0o666 },
  { name: "fifo", type: "fifo" },
];

describe("tar round trip", () => {
  for (const chunkSize of [1, 7, 512, 65536]) {
    test(`chunks of ${chunkSize}`, async () => {
      const got = await readAll(tarBytes(entries), chunkSize);
      expect(got.map((e) => e.name)).toEqual(entries.map((e) => (e.type === "dir" ? `${e.name}/` : e.name)));
      const file = got[1]!;
      expect(file).toMatchObject({ type: "file", mode: 0o4755, uid: 1000, gid: 50, mtime: 1_700_000_000, uname: "app", gname: "staff", size: 6, content: "hello\n" });
      expect(got[0]).toMatchObject({ type: "dir", mode: 0o750, uid: 1, gid: 2, mtime: 1234 });
      expect(got[2]!.content).toBe("split into prefix");
      expect(got[3]!.content).toBe("pax path");
      expect(got[4]!.content).toBe("utf8");
      expect(got[5]).toMatchObject({ type: "symlink", linkname: "t".repeat(200) });
      expect(got[6]).toMatchObject({ type: "hardlink", linkname: "dir/file.txt" });
      expect(got[7]).toMatchObject({ uid: 3_000_000, gid: 4_000_000, mtime: 12.5 });
      expect(new TextDecoder().decode(got[8]!.xattrs["user.note"])).toBe("hi");
      expect([...got[8]!.xattrs["security.capability"]!]).toEqual([1, 0, 0, 2]);
      expect(got[9]).toMatchObject({ type: "char", devmajor: 1, devminor: 3, mode: 0o666 });
      expect(got[10]!.type).toBe("fifo");
    });
  }

  test("streaming writer gives the same bytes as tarBytes", async () => {
    const parts: Uint8Array[] = [];
    for await (const p of writeTar(entries)) parts.push(p);
    expect(Buffer.concat(parts)).toEqual(Buffer.from(tarBytes(entries)));
  });

  test("unread bodies are skipped", async () => {
    const names: string[] = [];
    for await (const e of readTar(chunks(tarBytes(entries), 100))) names.push(e.name);
    expect(names).toHaveLength(entries.length);
  });

  test("GNU long name and long link ('L'/'K')", async () => {
    const longName = "g".repeat(250);
    const longLink = "l".repeat(180);
    const base = { name: "././@LongLink", type: "file" as const, mode: 0o644, uid: 0, gid: 0, mtime: 0, linkname: "" };
    const data = (s: string) => {
      const b = new TextEncoder().encode(`${s}\0`);
      return [ustarBlock(base, b.length, "L", "", base.name), b, new Uint8Array(padding(b.length))];
    };
    const [lh, lb, lp] = data(longName);
    const [kh, kb, kp] = data(longLink);
    kh!.set([0x4b], 156); // flag 'K'; fix the checksum
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : kh![i]!;
    kh!.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
    const sym = tarBytes([{ name: "short", type: "symlink", linkname: "short-target" }]);
    const archive = Buffer.concat([lh!, lb!, lp!, kh!, kb!, kp!, sym]);
    const got = await readAll(archive);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ name: longName, linkname: longLink, type: "symlink" });
  });
});

describe("tar errors", () => {
  const archive = tarBytes([{ name: "a", body: "x".repeat(2000) }, { name: "b", body: "y" }]);

  test.each([100, 512, 1000, 3000, archive.length - 1024])("truncated at %d bytes", async (n) => {
    await expect(readAll(archive.subarray(0, n))).rejects.toBeInstanceOf(TruncatedTarError);
  });

  test("a corrupted header fails its checksum", async () => {
    const bad = archive.slice();
    bad[10] = 0x41;
    await expect(readAll(bad)).rejects.toThrow("checksum");
  });

  test("garbage is not a tar", async () => {
    await expect(readAll(new Uint8Array(1024).fill(7))).rejects.toBeInstanceOf(TarFormatError);
  });

  test("an empty input is an empty archive", async () => {
    expect(await readAll(new Uint8Array(0))).toEqual([]);
  });
});
