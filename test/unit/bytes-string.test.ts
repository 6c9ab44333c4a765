import { describe, expect, test } from "bun:test";
import { decodeBytes, encodeBytes, fsPath, hasEscapedBytes } from "../../src/oci/bytes-string.ts";

const b = (...xs: number[]) => Uint8Array.from(xs);

describe("bytes-string (surrogateescape)", () => {
  test("valid UTF-8 decodes to itself, and encodes back to the same bytes", () => {
    for (const text of ["", "plain", "é", "日本語", "😀", "\u{10080}", "a\u0000b"]) {
      const bytes = new TextEncoder().encode(text);
      expect(decodeBytes(bytes)).toBe(text);
      expect([...encodeBytes(text)]).toEqual([...bytes]);
      expect(hasEscapedBytes(text)).toBe(false);
    }
  });

  test("each byte that is not UTF-8 becomes U+DC00+byte", () => {
    expect(decodeBytes(b(0xff, 0xfe))).toBe("\udcff\udcfe");
    expect(decodeBytes(b(0x61, 0xc3))).toBe("a\udcc3"); // truncated sequence
    expect(decodeBytes(b(0xed, 0xb2, 0x80))).toBe("\udced\udcb2\udc80"); // an encoded surrogate is not UTF-8
    expect(decodeBytes(b(0xc0, 0xaf))).toBe("\udcc0\udcaf"); // overlong
    expect(decodeBytes(b(0xc3, 0xa9, 0xff))).toBe("é\udcff");
    expect(hasEscapedBytes("é\udcff")).toBe(true);
  });

  test("encode(decode(bytes)) is the identity on random byte strings", () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 8) & 0xff;
    for (let round = 0; round < 3000; round++) {
      const bytes = Uint8Array.from({ length: rand() % 24 }, () => (rand() % 3 === 0 ? 0x80 | rand() : rand()));
      const text = decodeBytes(bytes);
      expect([...encodeBytes(text)]).toEqual([...bytes]);
      // and through JSON, as in config.json
      expect([...encodeBytes(JSON.parse(JSON.stringify(text)) as string)]).toEqual([...bytes]);
    }
  });

  test("JSON holds the escape as ASCII; plain strings are written as they are", () => {
    expect(JSON.stringify(decodeBytes(b(0x4b, 0x3d, 0xff)))).toBe('"K=\\udcff"');
    expect(JSON.stringify("K=é")).toBe('"K=é"');
  });

  test("an astral character next to an escape stays whole", () => {
    const bytes = b(0xf0, 0x90, 0x82, 0x80, 0xff, 0xf0, 0x9f, 0x98, 0x80);
    expect([...encodeBytes(decodeBytes(bytes))]).toEqual([...bytes]);
  });

  test("fsPath: plain paths stay strings, escaped ones become their bytes", () => {
    expect(fsPath("/tmp/x")).toBe("/tmp/x");
    const p = fsPath("/tmp/\udcff");
    expect(Buffer.isBuffer(p)).toBe(true);
    expect([...(p as Buffer)]).toEqual([...Buffer.from("/tmp/"), 0xff]);
  });
});
