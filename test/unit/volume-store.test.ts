// The volume store on a temp dir: atomic creation, what a crash leaves behind and how the next command
// finishes or removes it, and the rmdir-then-rename fill of an existing empty volume.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VolumeStore } from "../../src/volume/store.ts";
import { NoSuchVolumeError } from "../../src/volume/errors.ts";

let root = "";
beforeEach(() => { root = mkdtempSync(join(tmpdir(), "minibox-volstore-")); });
afterEach(() => { rmSync(root, { recursive: true, force: true }); });

describe("VolumeStore", () => {
  test("create: record and data dir appear together; volumes/ is 0700, _data 0755", () => {
    const store = new VolumeStore(root);
    const { record, created } = store.create("db", { labels: { a: "b" } }, (dir) => writeFileSync(join(dir, "seed"), "x"));
    expect(created).toBe(true);
    expect(record).toMatchObject({ Name: "db", Driver: "local", Labels: { a: "b" }, Options: {}, Anonymous: false });
    expect(statSync(join(root, "volumes")).mode & 0o777).toBe(0o700);
    expect(statSync(store.dataDir("db")).mode & 0o7777).toBe(0o755);
    expect(readdirSync(store.dataDir("db"))).toEqual(["seed"]);
    expect(readdirSync(join(root, "tmp"))).toEqual([]);
    expect(store.create("db").created).toBe(false);
  });

  test("a populate that fails leaves no volume and no temp dir", () => {
    const store = new VolumeStore(root);
    expect(() => store.create("db", {}, () => { throw new Error("copy failed"); })).toThrow("copy failed");
    expect(store.exists("db")).toBe(false);
    expect(readdirSync(join(root, "tmp"))).toEqual([]);
  });

  test("a build dir of a killed command (dead pid) is removed by the next create; a live one is left alone", () => {
    mkdirSync(join(root, "tmp"), { recursive: true });
    const dead = join(root, "tmp", "volume-999999999-abc");
    const live = join(root, "tmp", `volume-${process.ppid}-abc`);
    for (const d of [dead, live]) mkdirSync(join(d, "_data"), { recursive: true });
    new VolumeStore(root).create("other");
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });

  test("a fill killed between rmdir and rename (no _data) is finished by the next load: an empty _data", () => {
    const store = new VolumeStore(root);
    store.create("db");
    rmdirSync(store.dataDir("db"));
    expect(store.load("db").Name).toBe("db");
    expect(readdirSync(store.dataDir("db"))).toEqual([]);
  });

  test("populateExisting fills an empty volume, and refuses one that got content meanwhile", () => {
    const store = new VolumeStore(root);
    store.create("db");
    expect(store.populateExisting("db", (dir) => writeFileSync(join(dir, "f"), "1"))).toBe(true);
    expect(readdirSync(store.dataDir("db"))).toEqual(["f"]);
    expect(store.populateExisting("db", (dir) => writeFileSync(join(dir, "g"), "2"))).toBe(false);
    expect(readdirSync(store.dataDir("db"))).toEqual(["f"]);
    expect(readdirSync(join(root, "tmp"))).toEqual([]);
  });

  test("remove, then load and remove say No such volume", () => {
    const store = new VolumeStore(root);
    store.create("db");
    store.remove("db");
    expect(() => store.load("db")).toThrow(NoSuchVolumeError);
    expect(() => store.remove("db")).toThrow(NoSuchVolumeError);
    expect(store.list()).toEqual([]);
  });

  test("names that are not volume names never reach the file system (.., a/b, ../containers)", () => {
    const store = new VolumeStore(root);
    mkdirSync(join(root, "containers", "x"), { recursive: true });
    writeFileSync(join(root, "containers", "x", "volume.json"), "{}");
    for (const bad of ["..", ".", "../containers/x", "a/b", ""]) {
      expect(store.exists(bad)).toBe(false);
      expect(() => store.load(bad)).toThrow(NoSuchVolumeError);
      expect(() => store.remove(bad)).toThrow(NoSuchVolumeError);
    }
    expect(existsSync(join(root, "containers", "x", "volume.json"))).toBe(true);
  });
});
