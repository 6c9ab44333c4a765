import { afterAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DigestMismatchError } from "../../src/image/digest.ts";
import { importRootfs } from "../../src/image/import.ts";
import { loadImages, loadedLines } from "../../src/image/load.ts";
import { InvalidReferenceError } from "../../src/image/reference.ts";
import { ImageNotFoundError, ImageStore } from "../../src/image/store.ts";
import { tarBytes } from "../../src/image/tar/writer.ts";
import { lgetxattr } from "../../src/sys/fs.ts";
import { buildImage, dockerArchive, dockerArchiveWithOciLayout, imageFromLayers, ociArchive, sha256 } from "../fixtures/images.ts";

// Loads unpack real layers; on a machine shared with other test runs 5 s is too tight (seen: 5.0 s).
setDefaultTimeout(30_000);
const base = mkdtempSync(join(tmpdir(), "minibox-store-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

let root: string;
let store: ImageStore;
let n = 0;
beforeEach(() => {
  root = join(base, `root${n++}`);
  store = new ImageStore(root);
});

function file(data: Uint8Array): string {
  const path = join(base, `in${n++}.tar`);
  writeFileSync(path, data);
  return path;
}

function expectEmptyStore(): void {
  for (const dir of ["layers", "images", "refs", "tmp", "blobs/sha256"]) {
    const p = join(root, dir);
    expect(existsSync(p) ? readdirSync(p) : []).toEqual([]);
  }
}

const busybox = buildImage({ layers: 3 });

describe("load", () => {
  test("docker-archive: image, record, layers shared, whiteouts", async () => {
    const loaded = await loadImages(store, { path: file(dockerArchive(busybox)) });
    expect(loadedLines(loaded)).toEqual(["Loaded image: busybox:latest"]);
    const image = await store.resolve("busybox");
    expect(image.id).toBe(busybox.configDigest);
    expect(image.repoTags).toEqual(["busybox:latest"]);
    expect(image.layers.map((l) => l.diffId)).toEqual(busybox.diffIds);
    expect(image.layers[0]!.path).toBe(join(root, "layers", busybox.diffIds[0]!.slice(7), "fs"));
    expect(image.config.config?.Cmd).toEqual(["sh"]);
    expect(image.created).toBe("2024-01-01T00:00:00Z");
    expect(image.size).toBeGreaterThan(1_000_000);
    const [l1, l2, l3] = image.layers.map((l) => l.path);
    expect(lstatSync(join(l1!, "bin/sh")).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(l1!, "tmp")).mode & 0o7777).toBe(0o1777);
    expect(readFileSync(join(l1!, "etc/group"), "utf8")).toContain("staff:x:50:app");
    expect(lstatSync(join(l2!, "usr/bin/hello-link")).nlink).toBe(2);
    expect(lstatSync(join(l3!, "etc/motd")).isCharacterDevice()).toBe(true);
    expect(lgetxattr(join(l3!, "opt"), "trusted.overlay.opaque")?.toString()).toBe("y");
    expect(readdirSync(join(root, "tmp"))).toEqual([]);
  });

  test("OCI archive, gzip layers, gzipped outer archive", async () => {
    const image = buildImage({ gzip: true, name: "localhost:5000/bb:oci" });
    const loaded = await loadImages(store, { path: file(new Uint8Array(gzipSync(ociArchive(image)))) });
    expect(loaded).toEqual([{ id: image.configDigest, tags: ["localhost:5000/bb:oci"] }]);
    expect((await store.resolve("localhost:5000/bb:oci")).id).toBe(image.configDigest);
    expect(readdirSync(join(root, "tmp"))).toEqual([]);
  });

  test("docker-archive with an OCI layout (Docker 25+), layer blob digests checked", async () => {
    const image = buildImage({ layers: 2, name: "newer:25" });
    expect(loadedLines(await loadImages(store, { path: file(dockerArchiveWithOciLayout(image)) }))).toEqual(["Loaded image: newer:25"]);
    expect((await store.resolve("newer:25")).layers).toHaveLength(2);
    const root2 = new ImageStore(join(base, `root${n++}`));
    const bad = { ...image, blobDigests: [image.blobDigests[0]!, sha256("x")] };
    await expect(loadImages(root2, { path: file(dockerArchiveWithOciLayout(bad)) })).rejects.toBeInstanceOf(DigestMismatchError);
    expect(readdirSync(join(root2.root, "layers"))).toEqual([]);
  });

  test("OCI archive with only a containerd name annotation", async () => {
    const image = buildImage({ name: "named:x" });
    const archive = dockerArchiveWithOciLayout(image);
    // Without manifest.json the OCI index is what is read.
    const { readTar } = await import("../../src/image/tar/reader.ts");
    const { writeTar } = await import("../../src/image/tar/writer.ts");
    const entries = [];
    for await (const e of readTar(new Blob([archive]).stream())) {
      if (e.name !== "manifest.json") entries.push({ name: e.name, type: e.type, body: await e.bytes() });
    }
    const parts: Uint8Array[] = [];
    for await (const p of writeTar(entries)) parts.push(p);
    expect(loadedLines(await loadImages(store, { path: file(Buffer.concat(parts)) }))).toEqual(["Loaded image: named:x"]);
  });

  test("from a stream (stdin), untagged", async () => {
    const image = buildImage({ name: null });
    const loaded = await loadImages(store, { stream: new Blob([dockerArchive(image)]).stream(), label: "stdin" });
    expect(loadedLines(loaded)).toEqual([`Loaded image ID: ${image.configDigest}`]);
    expect((await store.list()).map((i) => i.repoTags)).toEqual([[]]);
  });

  test("loading twice and a second image sharing the base layer", async () => {
    await loadImages(store, { path: file(dockerArchive(busybox)) });
    await loadImages(store, { path: file(dockerArchive(busybox)) });
    const other = buildImage({ name: "other:1", config: { Cmd: ["echo", "hi"] } });
    await loadImages(store, { path: file(ociArchive(other)) });
    expect(readdirSync(join(root, "layers")).length).toBe(3);
    expect((await store.list()).length).toBe(2);
  });
});

describe("load refuses bad input and leaves nothing behind", () => {
  const small = buildImage();

  test("diffID mismatch (config says another layer)", async () => {
    const layers = [tarBytes([{ name: "f", body: "x" }])];
    const good = imageFromLayers(layers);
    const config = JSON.parse(new TextDecoder().decode(good.config));
    config.rootfs.diff_ids = [sha256("not this")];
    const bytes = new TextEncoder().encode(JSON.stringify(config));
    const bad = { ...good, config: bytes, configDigest: sha256(bytes) };
    const err = await loadImages(store, { path: file(dockerArchive(bad)) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expectEmptyStore();
  });

  test("second layer bad: the first layer is rolled back too", async () => {
    const good = buildImage({ layers: 2 });
    const bad = { ...good, blobs: [good.blobs[0]!, tarBytes([{ name: "tampered", body: "!" }])] };
    await expect(loadImages(store, { path: file(dockerArchive(bad)) })).rejects.toBeInstanceOf(DigestMismatchError);
    expectEmptyStore();
  });

  test("config content does not match its digest name", async () => {
    const config = JSON.parse(new TextDecoder().decode(small.config));
    config.config.Cmd = ["evil"];
    const bad = { ...small, config: new TextEncoder().encode(JSON.stringify(config)) };
    await expect(loadImages(store, { path: file(dockerArchive(bad)) })).rejects.toBeInstanceOf(DigestMismatchError);
    expectEmptyStore();
  });

  test("OCI layer blob does not match its descriptor", async () => {
    const bad = { ...small, blobDigests: [sha256("something else")] };
    await expect(loadImages(store, { path: file(ociArchive(bad)) })).rejects.toThrow("digest");
    expectEmptyStore();
  });

  test("invalid tag name", async () => {
    const bad = buildImage({ name: "BusyBox:latest" });
    await expect(loadImages(store, { path: file(dockerArchive(bad)) })).rejects.toBeInstanceOf(InvalidReferenceError);
    expectEmptyStore();
  });

  test.each([10, 600, 5000, 500_000])("truncated archive (%d bytes)", async (size) => {
    const err = await loadImages(store, { path: file(dockerArchive(small).subarray(0, size)) }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/invalid image archive|truncated|unexpected end/);
    expectEmptyStore();
  });

  test("truncated gzip archive", async () => {
    const gz = gzipSync(dockerArchive(small));
    await expect(loadImages(store, { path: file(new Uint8Array(gz.subarray(0, gz.length >> 1))) })).rejects.toThrow();
    expectEmptyStore();
  });

  test("missing file", async () => {
    await expect(loadImages(store, { path: join(base, "nope.tar") })).rejects.toThrow("no such file");
  });
});

describe("resolve, tag, remove", () => {
  beforeEach(async () => {
    await loadImages(store, { path: file(dockerArchive(busybox)) });
  });

  test("resolve by name, full id, short id, prefix, digest", async () => {
    const id = busybox.configDigest;
    for (const q of ["busybox", "busybox:latest", "docker.io/library/busybox:latest", id, id.slice(7), id.slice(7, 19), id.slice(0, 12), `busybox@${id}`]) {
      expect((await store.resolve(q)).id).toBe(id);
    }
    await expect(store.resolve("nothere")).rejects.toThrow("Unable to find image 'nothere:latest' locally");
    await expect(store.resolve("busybox:other")).rejects.toBeInstanceOf(ImageNotFoundError);
    await expect(store.resolve("Nope")).rejects.toBeInstanceOf(InvalidReferenceError);
  });

  test("tag, then rmi by name untags only until the last tag", async () => {
    await store.tag("busybox", "localhost:5000/mine:v1");
    expect((await store.resolve("busybox")).repoTags).toEqual(["busybox:latest", "localhost:5000/mine:v1"]);
    expect(await store.remove("busybox")).toEqual(["Untagged: busybox:latest"]);
    const lines = await store.remove("localhost:5000/mine:v1");
    expect(lines[0]).toBe("Untagged: localhost:5000/mine:v1");
    expect(lines[1]).toBe(`Deleted: ${busybox.configDigest}`);
    expect(lines.slice(2).sort()).toEqual([...busybox.diffIds].sort().map((d) => `Deleted: ${d}`));
    expectEmptyStore();
  });

  test("rmi by id with several tags needs force", async () => {
    await store.tag("busybox", "copy");
    await expect(store.remove(busybox.configDigest.slice(7, 19))).rejects.toThrow("must be forced");
    const lines = await store.remove(busybox.configDigest.slice(7, 19), { force: true });
    expect(lines.filter((l) => l.startsWith("Untagged"))).toHaveLength(2);
    expectEmptyStore();
  });

  test("an image a container uses is kept (tags only go with force)", async () => {
    mkdirSync(join(root, "containers/c0ffee"), { recursive: true });
    writeFileSync(join(root, "containers/c0ffee/container.json"), JSON.stringify({ image: busybox.configDigest }));
    await expect(store.remove("busybox")).rejects.toThrow("container c0ffee is using");
    expect(await store.remove("busybox", { force: true })).toEqual(["Untagged: busybox:latest"]);
    expect((await store.resolve(busybox.configDigest)).repoTags).toEqual([]);
    expect(readdirSync(join(root, "layers")).length).toBe(3);
  });

  test("a shared layer survives removing one of its images", async () => {
    const other = buildImage({ name: "other:1", config: { Cmd: ["true"] } });
    await loadImages(store, { path: file(dockerArchive(other)) });
    const lines = await store.remove("busybox");
    expect(lines).not.toContain(`Deleted: ${busybox.diffIds[0]}`);
    expect(existsSync((await store.resolve("other:1")).layers[0]!.path)).toBe(true);
  });

  test("import: single-layer image from a rootfs tarball", async () => {
    const rootfs = new Uint8Array(gzipSync(tarBytes([{ name: "bin", type: "dir" }, { name: "bin/x", body: "x", mode: 0o755 }])));
    const id = await importRootfs(store, { path: file(rootfs) }, "imported:v1");
    const image = await store.resolve("imported:v1");
    expect(image.id).toBe(id);
    expect(image.layers).toHaveLength(1);
    expect(readFileSync(join(image.layers[0]!.path, "bin/x"), "utf8")).toBe("x");
    await expect(importRootfs(store, { path: file(rootfs) }, "Bad Name")).rejects.toBeInstanceOf(InvalidReferenceError);
  });
});
