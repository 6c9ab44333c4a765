// checkContainers and the reconciliation it shares with every lookup: each kind of leftover a killed
// command can leave, built by hand in a temp store, found without repair, and put right with it.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerStore, type ContainerRecord } from "../../src/container/store.ts";
import { checkContainers } from "../../src/container/check.ts";
import { writeJournal } from "../../src/container/journal.ts";
import { claimName, listEntries, reconcile } from "../../src/container/reconcile.ts";
import { ContainerLock } from "../../src/container/lock.ts";
import { bootId } from "../../src/container/liveness.ts";
import { parseRecord, CorruptRecordError } from "../../src/container/record.ts";

const NO_PID = 0x3fffff0; // above any pid_max: never alive
let root = "";
let store: ContainerStore;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "minibox-check-"));
  store = new ContainerStore(root);
});
afterEach(() => { if (root) rmSync(root, { recursive: true, force: true }); });

const id = (n: number) => n.toString(16).padStart(64, "0");

function record(n: number, name: string, over: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id: id(n), name, image: `sha256:${"ab".repeat(32)}`, imageName: "busybox", command: ["true"],
    created: "2024-01-01T00:00:00.000Z", autoRemove: false, state: { status: "created" }, ...over,
  };
}

function make(r: ContainerRecord): void {
  store.claimName(r.name, r.id);
  store.create(r);
}

const kinds = () => checkContainers({ repair: false, store }).map((p) => `${p.kind} ${p.id}`).sort();

describe("checkContainers", () => {
  test("a clean store has no problems", () => {
    make(record(1, "one"));
    expect(checkContainers({ repair: false, store })).toEqual([]);
  });

  test("a create killed before its record: found, then rolled back with its name", () => {
    mkdirSync(store.dir(id(2)), { recursive: true });
    writeJournal(store.dir(id(2)), { op: "create", name: "half" });
    store.claimName("half", id(2));
    expect(kinds()).toEqual([`unfinished-change ${id(2)}`]);
    expect(existsSync(store.dir(id(2)))).toBe(true); // not repaired without repair
    const problems = checkContainers({ repair: true, store });
    expect(problems.map((p) => p.repaired)).toEqual([true]);
    expect(existsSync(store.dir(id(2)))).toBe(false);
    expect(store.nameTarget("half")).toBeUndefined();
    expect(checkContainers({ repair: false, store })).toEqual([]);
  });

  test("a create in progress (lock held) is left alone", () => {
    mkdirSync(store.dir(id(3)), { recursive: true });
    writeJournal(store.dir(id(3)), { op: "create", name: "busy" });
    const lock = ContainerLock.tryAcquireIn(store.dir(id(3)), id(3))!;
    try {
      expect(checkContainers({ repair: true, store })).toEqual([]);
      expect(reconcile(store, id(3))).toBeUndefined();
      expect(existsSync(store.dir(id(3)))).toBe(true);
    } finally {
      lock.release();
    }
  });

  test("a rename killed after switching the record: the old name is released", () => {
    const r = record(4, "new-name");
    make(r);
    store.claimName("old-name", r.id);
    writeJournal(store.dir(r.id), { op: "rename", from: "old-name", to: "new-name" });
    expect(kinds()).toEqual([`unfinished-change ${r.id}`]);
    checkContainers({ repair: true, store });
    expect(store.nameTarget("old-name")).toBeUndefined();
    expect(store.nameTarget("new-name")).toBe(r.id);
  });

  test("a rename killed before switching the record: the new name is released", () => {
    const r = record(5, "kept");
    make(r);
    store.claimName("wanted", r.id);
    writeJournal(store.dir(r.id), { op: "rename", from: "kept", to: "wanted" });
    expect(reconcile(store, r.id)?.record?.name).toBe("kept");
    expect(store.nameTarget("wanted")).toBeUndefined();
    expect(store.nameTarget("kept")).toBe(r.id);
  });

  test("a rename in progress (lock held) keeps the container visible; nothing is released", () => {
    const r = record(18, "current");
    make(r);
    store.claimName("next", r.id);
    writeJournal(store.dir(r.id), { op: "rename", from: "current", to: "next" });
    const lock = ContainerLock.tryAcquireIn(store.dir(r.id), r.id)!;
    try {
      expect(reconcile(store, r.id)?.record?.name).toBe("current");
      expect(store.nameTarget("next")).toBe(r.id);
      expect(checkContainers({ repair: true, store })).toEqual([]);
    } finally {
      lock.release();
    }
  });

  test("a corrupt record is reported, never repaired away", () => {
    make(record(6, "bad"));
    writeFileSync(join(store.dir(id(6)), "container.json"), '{"state":null}');
    const problems = checkContainers({ repair: true, store });
    expect(problems.map((p) => [p.kind, p.repaired])).toEqual([["corrupt-record", false]]);
    expect(existsSync(store.dir(id(6)))).toBe(true);
    expect(store.nameTarget("bad")).toBe(id(6));
    // Listed as broken, and its name stays taken.
    expect(listEntries(store).map((e) => (e.record ? "ok" : "broken"))).toEqual(["broken"]);
    expect(() => claimName(store, "bad", id(7))).toThrow(/already in use/);
  });

  test("an exit lost with its parent is recorded as -1 (unknown); a --rm one is removed", () => {
    const dead = { pid: NO_PID, startTime: 1, bootId: bootId() };
    make(record(8, "lost", { state: { status: "running", process: dead, parent: dead } }));
    make(record(9, "lost-rm", { autoRemove: true, state: { status: "running", process: dead, parent: dead } }));
    expect(kinds()).toEqual([`lost-exit ${id(8)}`, `lost-exit ${id(9)}`]);
    checkContainers({ repair: true, store });
    expect(store.load(id(8)).state).toMatchObject({ status: "exited", exitCode: -1 });
    expect(existsSync(store.dir(id(9)))).toBe(false);
    expect(store.keptExit(id(9))).toBe(-1);
    expect(store.nameTarget("lost-rm")).toBeUndefined();
  });

  test("a running record whose parent lives on is not touched", () => {
    const parent = { pid: process.pid, startTime: Number(require("node:fs").readFileSync(`/proc/${process.pid}/stat`, "utf8").split(") ")[1].split(" ")[19]), bootId: bootId() };
    make(record(10, "parented", { state: { status: "running", process: { pid: NO_PID, startTime: 1, bootId: bootId() }, parent } }));
    expect(checkContainers({ repair: true, store })).toEqual([]);
    expect(store.load(id(10)).state.status).toBe("running");
  });

  test("orphan names and stale temp files are removed; the name is claimable again", () => {
    store.claimName("orphan", id(11)); // no such container
    writeFileSync(join(store.namesDir, `.claim-${id(12)}-${NO_PID}`), id(12));
    make(record(13, "live"));
    writeFileSync(join(store.dir(id(13)), `.container.json.${NO_PID}.abc123`), "{");
    mkdirSync(join(store.tmpDir, `new-${NO_PID}-${id(14)}`), { recursive: true });
    expect(kinds()).toEqual([
      `orphan-name orphan`, `stale-temp ${join(id(13), `.container.json.${NO_PID}.abc123`)}`,
      `stale-temp ${join("names", `.claim-${id(12)}-${NO_PID}`)}`, `stale-temp ${join("tmp", `new-${NO_PID}-${id(14)}`)}`,
    ].sort());
    expect(checkContainers({ repair: true, store }).every((p) => p.repaired)).toBe(true);
    expect(checkContainers({ repair: false, store })).toEqual([]);
    claimName(store, "live2", id(15));
    expect(store.nameTarget("live2")).toBe(id(15));
  });

  test("claimName frees a name left by a dead create (no directory) on collision", () => {
    store.claimName("taken", id(16));
    claimName(store, "taken", id(17));
    expect(store.nameTarget("taken")).toBe(id(17));
  });
});

describe("parseRecord", () => {
  const good = JSON.stringify(record(1, "x"));
  test("accepts a valid record", () => {
    expect(parseRecord(good, id(1)).name).toBe("x");
  });
  for (const [what, text] of [
    ["empty", ""], ["garbage", "{not json"], ["array", "[]"], ["null state", '{"state":null}'],
    ["wrong id", good.replace(id(1), id(2))], ["bad status", good.replace('"created"}', '"zombie"}')],
    ["bad process", JSON.stringify(record(1, "x", { state: { status: "running", process: { pid: -1, startTime: 0, bootId: "" } } }))],
    ["command not strings", JSON.stringify({ ...record(1, "x"), command: [1] })],
  ] as const) {
    test(`rejects ${what}`, () => {
      expect(() => parseRecord(text, id(1))).toThrow(CorruptRecordError);
    });
  }
});
