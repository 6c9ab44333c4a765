// The image store against damage (issue #9): record validators, damaged images listed apart and
// removable, what a damaged record still names kept, container records that cannot be read counted as
// users, locked tmp work dirs told apart from stale ones, the store-wide lock, and system check.
import { afterAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkImageStore } from "../../src/image/check.ts";
import { containersUsing } from "../../src/image/containers-using.ts";
import { loadImages } from "../../src/image/load.ts";
import { checkLayerMeta, checkRefTarget, checkStoredImage } from "../../src/image/store-records.ts";
import { BrokenImageError, ImageStore } from "../../src/image/store.ts";
import { createWorkDir, removeStaleWorkDirs } from "../../src/image/tmp-work.ts";
import { acquireStoreLock, storeLockPath, withStoreLock } from "../../src/state/store-lock.ts";
import { tryLockExclusive, unlock } from "../../src/sys/flock.ts";
import { buildImage, dockerArchive } from "../fixtures/images.ts";

setDefaultTimeout(30_000); // loads unpack real layers on a shared machine
const base = mkdtempSync(join(tmpdir(), "minibox-integrity-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let root: string;
let store: ImageStore;
let n = 0;
beforeEach(() => {
  root = join(base, `root${n++}`);
  store = new ImageStore(root);
});

const image = buildImage({ layers: 2 });
const hex = (d: string) => d.slice(7);
async function loadFixture(): Promise<void> {
  const path = join(base, `in${n++}.tar`);
  writeFileSync(path, dockerArchive(image));
  await loadImages(store, { path });
}

describe("record validators", () => {
  const id = image.configDigest;
  const good = { id, diffIds: image.diffIds, size: 10, loaded: "2024-01-01T00:00:00Z" };
  test("an image record", () => {
    expect(checkStoredImage(JSON.stringify(good), id)).toEqual({ ok: true, value: good });
    for (const bad of ["{", "null", "[]", JSON.stringify({ ...good, id: "sha256:00" }), JSON.stringify({ ...good, diffIds: ["x"] }),
      JSON.stringify({ ...good, size: -1 }), JSON.stringify({ ...good, size: "1" }), JSON.stringify({ ...good, manifestDigest: 3 })]) {
      expect(checkStoredImage(bad, id).ok).toBe(false);
    }
  });
  test("a layer's meta.json", () => {
    const diffId = image.diffIds[0]!;
    expect(checkLayerMeta(JSON.stringify({ diffId, size: 1, digest: diffId, tarSize: 2 }), diffId).ok).toBe(true);
    for (const bad of ["", "1", JSON.stringify({ diffId: image.diffIds[1], size: 1 }), JSON.stringify({ diffId, size: 1.5 }), JSON.stringify({ diffId, size: 1, digest: "md5:x" })]) {
      expect(checkLayerMeta(bad, diffId).ok).toBe(false);
    }
  });
  test("a ref", () => {
    expect(checkRefTarget(`${image.configDigest}\n`)).toEqual({ ok: true, value: image.configDigest });
    expect(checkRefTarget("../../etc/passwd").ok).toBe(false);
  });
});

describe("damaged images", () => {
  test("a garbled config: listed apart with its tags, resolve says why, rmi -f removes it", async () => {
    await loadFixture();
    writeFileSync(join(root, "blobs/sha256", hex(image.configDigest)), "{");
    expect(await store.list()).toEqual([]);
    const { broken } = await store.listAll();
    expect(broken).toMatchObject([{ id: image.configDigest, repoTags: ["busybox:latest"], problem: "its config blob does not match its digest" }]);
    const error = await store.resolve("busybox").catch((e) => e);
    expect(error).toBeInstanceOf(BrokenImageError);
    expect(String(error.message)).toContain("rmi -f");
    const lines = await store.remove(hex(image.configDigest), { force: true });
    expect(lines).toContain(`Deleted: ${image.configDigest}`);
    expect((await store.listAll()).broken).toEqual([]);
    for (const d of image.diffIds) expect(existsSync(store.layerDir(d))).toBe(false);
  });

  test("a garbled record: its layers stay in use (named by its config) until it is removed", async () => {
    await loadFixture();
    writeFileSync(join(root, "images", `${hex(image.configDigest)}.json`), "garbage");
    expect([...store.usedLayers()].sort()).toEqual([...image.diffIds].sort());
    expect(store.discardLayers(image.diffIds)).toEqual([]);
  });

  test("a layer without meta.json is not 'there': hasLayer is false and loading again replaces it", async () => {
    await loadFixture();
    rmSync(join(store.layerDir(image.diffIds[1]!), "meta.json"));
    expect(store.hasLayer(image.diffIds[1]!)).toBe(false);
    expect(store.layerProblem(image.diffIds[1]!)).toContain("no meta.json");
    await loadFixture();
    expect(store.hasLayer(image.diffIds[1]!)).toBe(true);
    expect((await store.resolve("busybox")).id).toBe(image.configDigest);
  });

  test("putBlob replaces a stored copy that does not match its digest", () => {
    const data = new TextEncoder().encode("hello");
    const digest = store.putBlob(data, undefined, "test");
    writeFileSync(store.blobPath(digest), "hellp");
    store.putBlob(data, digest, "test");
    expect(readFileSync(store.blobPath(digest), "utf8")).toBe("hello");
  });
});

describe("containersUsing", () => {
  test("a record that cannot be read or makes no sense counts as a user; one that is not there does not", () => {
    const dir = join(base, `containers${n++}`);
    const make = (id: string, body?: string) => {
      mkdirSync(join(dir, id), { recursive: true });
      if (body !== undefined) writeFileSync(join(dir, id, "container.json"), body);
    };
    make("a", JSON.stringify({ image: "sha256:1" }));
    make("b", JSON.stringify({ image: "sha256:2" }));
    make("c", "{garbled");
    make("d", JSON.stringify({ name: "no image field" }));
    make("e"); // a create that died before writing its record
    expect(containersUsing(dir, "sha256:1").sort()).toEqual(["a", "c", "d"]);
    expect(containersUsing(join(dir, "absent"), "sha256:1")).toEqual([]);
  });
});

describe("tmp work dirs", () => {
  test("a live one (locked) is kept; a dead one (lock free or missing) and an old mkdtemp one are removed", () => {
    const tmp = join(base, `tmp${n++}`);
    mkdirSync(tmp);
    const live = createWorkDir(tmp, "layer-");
    writeFileSync(join(live.path, "data"), "x");
    mkdirSync(join(tmp, "layer-Ab12Cd")); // older minibox: no lock file
    mkdirSync(join(tmp, "input-abcdefghijkl"));
    closeSync(openSync(join(tmp, "input-abcdefghijkl.lock"), "w")); // its owner died: nobody holds it
    mkdirSync(join(tmp, "unrelated"));
    const removed = removeStaleWorkDirs(tmp);
    expect(removed.sort()).toEqual([join(tmp, "input-abcdefghijkl"), join(tmp, "layer-Ab12Cd")]);
    expect(existsSync(join(tmp, "input-abcdefghijkl.lock"))).toBe(false);
    expect(existsSync(join(live.path, "data"))).toBe(true);
    expect(existsSync(join(tmp, "unrelated"))).toBe(true);
    live.dispose();
    expect(existsSync(live.path)).toBe(false);
    expect(existsSync(`${live.path}.lock`)).toBe(false);
  });

  test("dry run reports without removing", () => {
    const tmp = join(base, `tmp${n++}`);
    mkdirSync(join(tmp, "layer-Zz99Yy"), { recursive: true });
    expect(removeStaleWorkDirs(tmp, undefined, { dryRun: true })).toEqual([join(tmp, "layer-Zz99Yy")]);
    expect(existsSync(join(tmp, "layer-Zz99Yy"))).toBe(true);
  });
});

describe("store lock", () => {
  test("nested use in one process is counted; a shared lock is never upgraded", () => {
    mkdirSync(root, { recursive: true });
    withStoreLock(root, "exclusive", () => withStoreLock(root, "exclusive", () => {}));
    const shared = acquireStoreLock(root, "shared");
    try {
      expect(() => acquireStoreLock(root, "exclusive")).toThrow(/upgrade/);
    } finally {
      shared.release();
    }
  });

  test("held exclusive, another open file cannot take it; released, it can", () => {
    const lock = acquireStoreLock(root, "exclusive");
    const fd = openSync(storeLockPath(root), "r");
    try {
      expect(tryLockExclusive(fd)).toBe(false);
      lock.release();
      expect(tryLockExclusive(fd)).toBe(true);
      unlock(fd);
    } finally {
      lock.release();
      closeSync(fd);
    }
  });
});

describe("checkImageStore", () => {
  test("a flipped byte in a layer blob: reported; repair removes blob, layer and image; clean afterwards", async () => {
    await loadFixture();
    const layer = image.diffIds[1]!;
    const blob = store.layerMeta(layer)!.digest!;
    const bytes = readFileSync(store.blobPath(blob));
    bytes[0]! ^= 1;
    writeFileSync(store.blobPath(blob), bytes);
    const found = checkImageStore(store);
    expect(found).toEqual([{ kind: "blob", id: blob, message: expect.stringContaining("does not match its digest"), repaired: false }]);
    const repaired = checkImageStore(store, { repair: true });
    expect(repaired.every((p) => p.repaired)).toBe(true);
    expect(repaired.map((p) => p.kind).sort()).toEqual(["blob", "image", "layer"]);
    expect(checkImageStore(store)).toEqual([]);
    expect(existsSync(store.layerDir(layer))).toBe(false);
  });
});

describe("refs", () => {
  test("a ref file with a bad name or content is left out of listings and reported by check", async () => {
    await loadFixture();
    writeFileSync(join(root, "refs", "NOT%20A%20REF"), `${image.configDigest}\n`);
    writeFileSync(join(root, "refs", "%E0%A4%A"), `${image.configDigest}\n`); // not decodable
    writeFileSync(join(root, "refs", encodeURIComponent("docker.io/library/junk:1")), "not an id\n");
    const [listed] = await store.list();
    expect(listed!.repoTags).toEqual(["busybox:latest"]);
    expect(checkImageStore(store).map((p) => p.kind)).toEqual(["ref", "ref", "ref"]);
    expect(checkImageStore(store, { repair: true }).every((p) => p.repaired)).toBe(true);
    expect(checkImageStore(store)).toEqual([]);
    expect((await store.resolve("busybox")).id).toBe(image.configDigest);
  });
});

describe("rmi and an unreadable container record", () => {
  test("the image counts as in use: refused, and forced only untags; layers stay", async () => {
    await loadFixture();
    mkdirSync(join(root, "containers", "c0ffee"), { recursive: true });
    writeFileSync(join(root, "containers", "c0ffee", "container.json"), "{garbled");
    const error = await store.remove("busybox").catch((e) => e);
    expect(String(error?.message)).toMatch(/c0ffee \(its record cannot be read/);
    expect(await store.remove("busybox", { force: true })).toEqual(["Untagged: busybox:latest"]);
    for (const d of image.diffIds) expect(store.hasLayer(d)).toBe(true);
  });
});

describe("a damaged layer a container uses", () => {
  test("is not replaced by a new load (its files may be mounted); the error says which container", async () => {
    await loadFixture();
    mkdirSync(join(root, "containers", "beef"), { recursive: true });
    writeFileSync(join(root, "containers", "beef", "container.json"), JSON.stringify({ image: image.configDigest }));
    const layer = image.diffIds[0]!;
    rmSync(join(store.layerDir(layer), "meta.json"));
    const error = await loadFixture().catch((e) => e);
    expect(String(error?.message)).toMatch(/container beef uses it/);
    expect(existsSync(join(store.layerPath(layer), "bin", "busybox"))).toBe(true);
    rmSync(join(root, "containers", "beef"), { recursive: true });
    await loadFixture();
    expect(store.hasLayer(layer)).toBe(true);
  });
});

describe("validators never throw on mangled input (seeded fuzz)", () => {
  test("record, meta.json, ref and registry documents", async () => {
    const { documentMediaType } = await import("../../src/image/registry/manifest.ts");
    let seed = 12345;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const id = image.configDigest;
    const samples = [
      JSON.stringify({ id, diffIds: image.diffIds, size: 10, loaded: "x" }),
      JSON.stringify({ diffId: image.diffIds[0], size: 1, digest: image.diffIds[0], tarSize: 3 }),
      JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ digest: id, size: 1 }] }),
    ];
    const alphabet = '{}[]",:0123456789abcdefnulltrue -sha256';
    for (let i = 0; i < 3000; i++) {
      const chars = [...samples[i % samples.length]!];
      for (let k = 1 + rand(4); k > 0; k--) {
        const at = rand(chars.length);
        const op = rand(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, alphabet[rand(alphabet.length)]!);
        else chars[at] = alphabet[rand(alphabet.length)]!;
      }
      const text = chars.join("");
      expect(typeof checkStoredImage(text, id).ok).toBe("boolean");
      expect(typeof checkLayerMeta(text, image.diffIds[0]!).ok).toBe("boolean");
      expect(typeof checkRefTarget(text).ok).toBe("boolean");
      let doc: unknown;
      try { doc = JSON.parse(text); } catch { continue; }
      expect(typeof documentMediaType(doc, "").ok).toBe("boolean");
    }
  });
});
