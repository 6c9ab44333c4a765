import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendEvent, eventLogPath, readEvents, rotatedLogPath, parseEventLines } from "../../src/events/log.ts";
import { EventTail } from "../../src/events/follow.ts";
import { makeEvent } from "../../src/events/types.ts";
import { eventMatches, parseEventFilters } from "../../src/events/filter.ts";
import { defaultEventLine, rfc3339NanoFixed } from "../../src/events/print.ts";

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const tmp = () => { const d = mkdtempSync(join(tmpdir(), "minibox-events-")); dirs.push(d); return d; };

describe("event log", () => {
  test("appends one line per event; rotation keeps the size bounded and the newest events", () => {
    const root = tmp();
    for (let i = 0; i < 200; i++) appendEvent(root, makeEvent("container", "start", `id${i}`, { name: `c${i}` }, 1e18 + i), 4096);
    expect(statSync(eventLogPath(root)).size).toBeLessThanOrEqual(4096 + 300);
    expect(existsSync(rotatedLogPath(root))).toBe(true);
    const events = readEvents(root);
    expect(events.at(-1)!.Actor.ID).toBe("id199");
    expect(events.length).toBeLessThan(200);
    expect(events.map((e) => e.timeNano)).toEqual([...events.map((e) => e.timeNano)].sort((a, b) => a - b));
  });

  test("concurrent writers never interleave lines", async () => {
    const root = tmp();
    const script = `import { appendEvent } from ${JSON.stringify(join(import.meta.dir, "../../src/events/log.ts"))};
import { makeEvent } from ${JSON.stringify(join(import.meta.dir, "../../src/events/types.ts"))};
for (let i = 0; i < 300; i++) appendEvent(process.argv[2], makeEvent("container", "x".repeat(200), String(process.pid), { i: String(i) }));`;
    const file = join(root, "writer.ts");
    await Bun.write(file, script);
    const procs = [0, 1, 2].map(() => Bun.spawn([process.execPath, file, root]));
    expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0, 0]);
    const text = readFileSync(eventLogPath(root), "utf8");
    const all = text.split("\n").filter(Boolean);
    expect(all.length).toBe(900);
    expect(parseEventLines(text).length).toBe(900);
  });

  test("a torn or foreign line is skipped", () => {
    expect(parseEventLines('{"Action":"a","timeNano":1,"Actor":{"ID":"x","Attributes":{}}}\n{"Act\nnot json\n[]\n').length).toBe(1);
  });

  test("the tail follows the file across a rotation without losing or repeating lines", () => {
    const root = tmp();
    appendEvent(root, makeEvent("image", "pull", "old", {}, 1));
    const tail = EventTail.open(root);
    try {
      expect(tail.history().map((e) => e.Actor.ID)).toEqual(["old"]);
      // Exactly one rotation between two reads (at 1 MiB and a 100 ms poll, more never happen).
      let n = 0;
      while (!existsSync(rotatedLogPath(root))) appendEvent(root, makeEvent("image", "pull", `n${n}`, {}, 2 + n++), 1024);
      for (const extra of [0, 1]) appendEvent(root, makeEvent("image", "pull", `n${n}`, {}, 2 + n++ + extra), 1024);
      expect(tail.next().map((e) => e.Actor.ID)).toEqual(Array.from({ length: n }, (_, i) => `n${i}`));
      expect(tail.next()).toEqual([]);
    } finally {
      tail.close();
    }
  });
});

describe("filters", () => {
  const ev = makeEvent("container", "exec_start: sh -c true", "abcdef0123", { name: "web", image: "busybox:latest", "com.x": "1" }, 5);
  const m = (...specs: string[]) => eventMatches(parseEventFilters(specs), ev);
  test("moby's semantics", () => {
    expect(m()).toBe(true);
    expect(m("container=abc")).toBe(true);
    expect(m("container=we")).toBe(true);
    expect(m("container=zzz")).toBe(false);
    expect(m("image=busybox")).toBe(true);
    expect(m("image=busybox:latest")).toBe(true);
    expect(m("image=alpine")).toBe(false);
    expect(m("event=exec_start")).toBe(true);
    expect(m("event=start")).toBe(false);
    expect(m("type=container", "type=image")).toBe(true);
    expect(m("type=image")).toBe(false);
    expect(m("label=com.x")).toBe(true);
    expect(m("label=com.x=1")).toBe(true);
    expect(m("label=com.x=2")).toBe(false);
    expect(m("network=zzz")).toBe(false);
    expect(() => parseEventFilters(["bogus=1"])).toThrow("invalid filter 'bogus'");
    expect(() => parseEventFilters(["type=cat"])).toThrow("invalid filter 'type=cat'");
  });
});

describe("default line", () => {
  test("RFC3339NanoFixed in the given zone and sorted attributes", () => {
    expect(rfc3339NanoFixed(1_700_000_000_000_000_123, 0)).toMatch(/^2023-11-14T22:13:20\.\d{9}Z$/);
    expect(rfc3339NanoFixed(1_700_000_000_500_000_000, 60)).toBe("2023-11-14T23:13:20.500000000+01:00");
    const line = defaultEventLine(makeEvent("network", "create", "n1", { type: "bridge", name: "net" }, 1_700_000_000_000_000_000));
    expect(line).toMatch(/ network create n1 \(name=net, type=bridge\)$/);
  });
});
