import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonFileLog } from "../../src/logs/json-file.ts";
import { formatEntry, logFiles, parseChunk, parseEntry, readAll, select, timeNanos, type LogEntry } from "../../src/logs/reader.ts";
import { followLog } from "../../src/logs/follow.ts";
import { parseGoDuration, parseTail, parseTimeArgument } from "../../src/logs/since.ts";

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), "minibox-logs-")); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (log: string, stream = "stdout", time = "2024-01-01T00:00:00.000000000Z") => JSON.stringify({ log, stream, time }) + "\n";
const texts = (entries: LogEntry[]) => entries.map((e) => e.log).join("");

describe("parsing", () => {
  test("entries, streams, and lines that are not entries", () => {
    expect(parseEntry(line("hi\n", "stderr"))).toEqual({ log: "hi\n", stream: "stderr", time: "2024-01-01T00:00:00.000000000Z" });
    expect(parseEntry("not json")).toBeUndefined();
    expect(parseEntry('{"stream":"stdout"}')).toBeUndefined();
    expect(parseEntry("")).toBeUndefined();
  });

  test("a line still being written is kept apart, not parsed", () => {
    const whole = line("a\n") + line("b\n");
    const { entries, rest } = parseChunk(whole + whole.slice(0, 10));
    expect(texts(entries)).toBe("a\nb\n");
    expect(rest).toBe(whole.slice(0, 10));
    expect(parseChunk("").entries).toEqual([]);
  });

  test("partial log lines (no newline) are printed as they were logged", () => {
    const entries = parseChunk(line("no newline ") + line("then the rest\n")).entries;
    expect(texts(entries)).toBe("no newline then the rest\n");
  });
});

describe("rotation", () => {
  test("rotated files come first, oldest first, then the current file", () => {
    const log = new JsonFileLog(join(dir, "c-json.log"), 200, 4);
    for (let i = 0; i < 20; i++) log.write("stdout", `line ${String(i).padStart(2, "0")}\n`);
    log.close();
    const files = logFiles(join(dir, "c-json.log"));
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(["c-json.log.3", "c-json.log.2", "c-json.log.1", "c-json.log"]);
    const got = readAll(join(dir, "c-json.log")).map((e) => e.log.trim());
    // The oldest files were dropped; what is left is in order and ends with the last line.
    expect(got.at(-1)).toBe("line 19");
    expect(got).toEqual([...got].sort());
    const first = Number(got[0]!.slice(5));
    expect(got).toEqual(Array.from({ length: 20 - first }, (_, i) => `line ${String(first + i).padStart(2, "0")}`));
  });

  test("no log at all (a foreground container) reads as empty", () => {
    expect(logFiles(join(dir, "none-json.log"))).toEqual([]);
    expect(readAll(join(dir, "none-json.log"))).toEqual([]);
  });
});

describe("selection", () => {
  const entries: LogEntry[] = [1, 2, 3, 4].map((s) => ({ log: `${s}\n`, stream: s % 2 ? "stdout" : "stderr", time: `2024-01-01T00:00:0${s}.500000000Z` }));

  test("tail counts entries from the end; 0 shows nothing", () => {
    expect(texts(select(entries, { tail: 2 }))).toBe("3\n4\n");
    expect(select(entries, { tail: 0 })).toEqual([]);
    expect(select(entries, { tail: 10 })).toHaveLength(4);
  });

  test("since includes its instant, until excludes it, to the nanosecond", () => {
    const at = (s: number) => timeNanos(`2024-01-01T00:00:0${s}.500000000Z`)!;
    expect(texts(select(entries, { since: at(3) }))).toBe("3\n4\n");
    expect(texts(select(entries, { since: at(3) + 1n }))).toBe("4\n");
    expect(texts(select(entries, { until: at(3) }))).toBe("1\n2\n");
    expect(texts(select(entries, { since: at(2), tail: 1 }))).toBe("4\n");
  });

  test("timestamps keep nanoseconds; -t puts the time and a space first", () => {
    expect(timeNanos("1970-01-01T00:00:01.000000002Z")).toBe(1_000_000_002n);
    expect(timeNanos("1970-01-01T01:00:00+01:00")).toBe(0n);
    expect(timeNanos("garbage")).toBeUndefined();
    expect(formatEntry(entries[0]!, true)).toBe("2024-01-01T00:00:01.500000000Z 1\n");
    expect(formatEntry(entries[0]!, false)).toBe("1\n");
  });
});

describe("--since / --tail arguments", () => {
  const now = Date.UTC(2024, 0, 1, 12, 0, 0);
  const nowNs = BigInt(now) * 1_000_000n;
  test("Go durations are relative to now", () => {
    expect(parseGoDuration("10m")).toBe(600_000_000_000n);
    expect(parseGoDuration("1h30m")).toBe(5_400_000_000_000n);
    expect(parseGoDuration("1.5h")).toBe(5_400_000_000_000n);
    expect(parseGoDuration("300ms")).toBe(300_000_000n);
    expect(parseGoDuration("10")).toBeUndefined();
    expect(parseTimeArgument("10m", "since", now)).toBe(nowNs - 600_000_000_000n);
  });

  test("unix seconds, RFC 3339 and dates", () => {
    expect(parseTimeArgument("1700000000", "since", now)).toBe(1_700_000_000_000_000_000n);
    expect(parseTimeArgument("1700000000.25", "since", now)).toBe(1_700_000_000_250_000_000n);
    expect(parseTimeArgument("2024-01-01T11:00:00Z", "since", now)).toBe(nowNs - 3_600_000_000_000n);
    expect(parseTimeArgument("2024-01-01T11:00:00.5+00:00", "since", now)).toBe(nowNs - 3_599_500_000_000n);
    expect(parseTimeArgument("2024-01-01T13:00:00+02:00", "since", now)).toBe(nowNs - 3_600_000_000_000n);
    // Without a zone: local time, as Docker reads it.
    expect(parseTimeArgument("2024-01-01", "since", now)).toBe(BigInt(new Date(2024, 0, 1).getTime()) * 1_000_000n);
  });

  test("anything else is refused with Docker's message", () => {
    expect(() => parseTimeArgument("yesterday", "since", now)).toThrow('invalid value for "since": failed to parse value as time or duration: "yesterday"');
    expect(() => parseTimeArgument("2024-13-45", "since", now)).toThrow();
  });

  test("--tail: all, numbers, negative as all", () => {
    expect(parseTail(undefined)).toBeUndefined();
    expect(parseTail("all")).toBeUndefined();
    expect(parseTail("5")).toBe(5);
    expect(parseTail("-1")).toBeUndefined();
    expect(() => parseTail("five")).toThrow();
  });
});

describe("follow", () => {
  test("prints what is there, then appended lines across a rotation, and ends when told", async () => {
    const path = join(dir, "f-json.log");
    writeFileSync(`${path}.1`, line("old\n"));
    writeFileSync(path, line("one\n") + line("two\n"));
    const got: string[] = [];
    let finished = false;
    const done = followLog(path, { selection: { tail: 2 }, intervalMs: 5, finished: () => finished, emit: (e) => got.push(...e.map((x) => x.log)) });
    await Bun.sleep(30);
    expect(got).toEqual(["one\n", "two\n"]);
    // Half a line, then its end: printed once whole.
    const three = line("three\n");
    appendFileSync(path, three.slice(0, 7));
    await Bun.sleep(30);
    appendFileSync(path, three.slice(7));
    // Rotation as json-file does it: the current file renamed, a new one started.
    appendFileSync(path, line("four\n"));
    renameSync(path, `${path}.1`);
    writeFileSync(path, line("five\n"));
    await Bun.sleep(30);
    finished = true;
    await done;
    expect(got).toEqual(["one\n", "two\n", "three\n", "four\n", "five\n"]);
  });

  test("a log that appears later is followed from its start", async () => {
    const path = join(dir, "late-json.log");
    const got: string[] = [];
    let finished = false;
    const done = followLog(path, { selection: {}, intervalMs: 5, finished: () => finished, emit: (e) => got.push(...e.map((x) => x.log)) });
    await Bun.sleep(20);
    writeFileSync(path, line("late\n"));
    await Bun.sleep(30);
    finished = true;
    await done;
    expect(got).toEqual(["late\n"]);
  });
});
