// json-file logs from raw container output: characters split across reads, the 16 KiB line limit counted
// in bytes, and bytes that are not UTF-8 (U+FFFD, as Docker's json-file writes them).
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonFileLog } from "../../src/logs/json-file.ts";
import { readAll } from "../../src/logs/reader.ts";

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), "minibox-loglines-")); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const utf8 = (s: string) => new TextEncoder().encode(s);

let files = 0;
function logged(chunks: [("stdout" | "stderr"), Uint8Array][]): { log: string; stream: string }[] {
  const path = join(dir, `c${++files}-json.log`);
  const log = new JsonFileLog(path);
  for (const [stream, chunk] of chunks) log.write(stream, chunk);
  log.close();
  return readAll(path).map(({ log, stream }) => ({ log, stream }));
}

describe("json-file: decoding container output", () => {
  test("a character split across two reads stays whole", () => {
    const e = utf8("é€😀\n");
    // every possible cut of the line into two reads
    for (let cut = 1; cut < e.length; cut++) {
      expect(logged([["stdout", e.subarray(0, cut)], ["stdout", e.subarray(cut)]])).toEqual([{ log: "é€😀\n", stream: "stdout" }]);
    }
  });

  test("the streams do not mix their partial characters", () => {
    const a = utf8("ä\n"), b = utf8("ö\n");
    const got = logged([["stdout", a.subarray(0, 1)], ["stderr", b.subarray(0, 1)], ["stdout", a.subarray(1)], ["stderr", b.subarray(1)]]);
    expect(got).toEqual([{ log: "ä\n", stream: "stdout" }, { log: "ö\n", stream: "stderr" }]);
  });

  test("bytes that are not UTF-8 are written as U+FFFD", () => {
    expect(logged([["stdout", Uint8Array.from([0x61, 0xff, 0x62, 0x0a])]])).toEqual([{ log: "a\ufffdb\n", stream: "stdout" }]);
    // a truncated sequence at the end of the output, flushed at exit
    expect(logged([["stdout", Uint8Array.from([0x61, 0xe2, 0x82])]]).map((e) => e.log).join("")).toMatch(/^a\ufffd+$/);
  });

  test("the 16 KiB line limit counts bytes and never cuts a character", () => {
    const text = "é".repeat(10_000) + "\n"; // 20,001 bytes, 10,001 UTF-16 units
    const got = logged([["stdout", utf8(text)]]);
    expect(got.length).toBe(2);
    for (const e of got) {
      expect(utf8(e.log).length).toBeLessThanOrEqual(16 * 1024);
      expect(e.log).not.toContain("\ufffd");
    }
    expect(got.map((e) => e.log).join("")).toBe(text);
  });

  test("a long line of 3-byte characters fed in odd-sized reads", () => {
    const text = "€".repeat(12_000); // 36,000 bytes, no newline: split at the limit, rest flushed at close
    const bytes = utf8(text);
    const chunks: [("stdout"), Uint8Array][] = [];
    for (let i = 0; i < bytes.length; i += 1_000) chunks.push(["stdout", bytes.subarray(i, i + 1_000)]);
    const got = logged(chunks);
    expect(got.map((e) => e.log).join("")).toBe(text);
    for (const e of got) expect(utf8(e.log).length).toBeLessThanOrEqual(16 * 1024);
  });
});
