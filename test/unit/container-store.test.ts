import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { UserError } from "../../src/errors.ts";
import { ContainerStore, type ContainerRecord } from "../../src/container/store.ts";

let root = "";
let store: ContainerStore;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "minibox-store-"));
  store = new ContainerStore(root);
});
afterEach(() => { if (root) rmSync(root, { recursive: true, force: true }); });

function record(id: string, name: string, over: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id, name, image: `sha256:${"ab".repeat(32)}`, imageName: "busybox:latest", command: ["sh", "-c", "echo hi"],
    created: "2024-01-01T00:00:00.000Z", autoRemove: false, state: { status: "created" }, ...over,
  };
}

describe("ContainerStore names", () => {
  test("claimName is exclusive; the conflict names the owner; release frees it", () => {
    store.claimName("web", "id-1");
    let err: unknown;
    try { store.claimName("web", "id-2"); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(125);
    expect((err as UserError).message).toContain('"/web"');
    expect((err as UserError).message).toContain("id-1");
    expect(readFileSync(join(store.namesDir, "web"), "utf8")).toBe("id-1");
    store.releaseName("web");
    store.claimName("web", "id-2");
    expect(readFileSync(join(store.namesDir, "web"), "utf8")).toBe("id-2");
    store.releaseName("never-claimed"); // no throw
  });

  test("20 processes claiming one name at once: exactly one wins", async () => {
    const modulePath = resolve(import.meta.dir, "../../src/container/store.ts");
    const script = join(root, "claim.ts");
    writeFileSync(script, [
      `import { ContainerStore } from ${JSON.stringify(modulePath)};`,
      `const [storeRoot, id] = process.argv.slice(2);`,
      // Start together: every child blocks reading stdin until the parent closes it.
      `await Bun.stdin.text();`,
      `try { new ContainerStore(storeRoot!).claimName("contested", id!); console.log("won"); }`,
      `catch (e) { console.log((e as Error).name === "UserError" ? "lost" : "error " + String(e)); }`,
    ].join("\n"));
    const procs = Array.from({ length: 20 }, (_, i) =>
      Bun.spawn([process.execPath, script, root, `id-${i}`], { stdin: "pipe", stdout: "pipe", stderr: "pipe" }));
    try {
      for (const p of procs) p.stdin.end();
      const results = await Promise.all(procs.map(async (p) => {
        const [out, errText, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
        return { out: out.trim(), err: errText, code };
      }));
      expect(results.filter((r) => r.code !== 0)).toEqual([]);
      expect(results.filter((r) => r.out === "won")).toHaveLength(1);
      expect(results.filter((r) => r.out === "lost")).toHaveLength(19);
      const winner = results.findIndex((r) => r.out === "won");
      expect(readFileSync(join(store.namesDir, "contested"), "utf8")).toBe(`id-${winner}`);
    } finally {
      for (const p of procs) if (p.exitCode === null) p.kill();
    }
  }, 30_000);
});

describe("ContainerStore records", () => {
  test("create makes the directories and saves; load returns the same record", () => {
    const r = record("c1", "one");
    const dir = store.create(r);
    expect(dir).toBe(join(root, "containers", "c1"));
    for (const sub of ["rootfs", "upper", "work"]) expect(existsSync(join(dir, sub))).toBe(true);
    expect(store.load("c1")).toEqual(r);
    // Atomic write leaves no temp files behind.
    expect(readdirSync(dir).sort()).toEqual(["container.json", "rootfs", "upper", "work"]);
  });

  test("save replaces the state", () => {
    const r = record("c1", "one");
    store.create(r);
    store.save({ ...r, state: { status: "exited", exitCode: 3, restartCount: 2, finishedAt: "2024-01-01T00:00:01.000Z" } });
    expect(store.load("c1").state).toEqual({ status: "exited", exitCode: 3, restartCount: 2, finishedAt: "2024-01-01T00:00:01.000Z" });
  });

  test("load of an unknown id throws", () => {
    expect(() => store.load("nope")).toThrow();
  });

  test("list: empty store, several records, skips broken directories", () => {
    expect(store.list()).toEqual([]);
    store.create(record("a", "n-a"));
    store.create(record("b", "n-b", { command: ["x"] }));
    writeFileSync(join(store.containersDir, "junk-file"), "x");
    store.create(record("broken", "n-c"));
    writeFileSync(join(store.dir("broken"), "container.json"), "{not json");
    const ids = store.list().map((r) => r.id).sort();
    expect(ids).toEqual(["a", "b"]);
  });

  test("remove deletes the directory and releases the name", () => {
    const r = record("c1", "web");
    store.claimName("web", "c1");
    store.create(r);
    store.remove(r);
    expect(existsSync(store.dir("c1"))).toBe(false);
    expect(existsSync(join(store.namesDir, "web"))).toBe(false);
    expect(store.list()).toEqual([]);
    store.claimName("web", "c2"); // reusable
  });
});
