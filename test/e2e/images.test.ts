// The image commands through the compiled binary: load (docker-archive, OCI, skopeo's output, stdin),
// import, images, tag, rmi, and bad input that must fail cleanly with nothing left half-written.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { tarBytes } from "../../src/image/tar/writer.ts";
import { buildImage, dockerArchive, imageFromLayers, ociArchive, sha256 } from "../fixtures/images.ts";
import { makeSandbox, type Result, type Sandbox } from "./harness.ts";

let sb: Sandbox;
let files: string;
beforeAll(() => {
  sb = makeSandbox("minibox-e2e-images-");
  files = join(sb.root, "..", "files");
  Bun.spawnSync(["mkdir", "-p", files]);
});
afterAll(() => sb.cleanup());

function put(name: string, data: Uint8Array): string {
  const path = join(files, name);
  writeFileSync(path, data);
  return path;
}

function listDir(rel: string): string[] {
  const p = join(sb.root, rel);
  return existsSync(p) ? readdirSync(p) : [];
}

function expectOneLineError(r: Result, pattern: RegExp): void {
  expect(r.code).toBe(1);
  const lines = r.stderr.split("\n").filter((l) => l.trim());
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

async function ok(args: string[], opts?: Parameters<Sandbox["run"]>[1]): Promise<string> {
  const r = await sb.run(args, opts);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const busybox = buildImage({ layers: 3 });
const shortId = (id: string) => id.slice(7, 19);

describe("load, images, tag, rmi", () => {
  test("load a docker-archive with -i", async () => {
    const out = await ok(["load", "-i", put("busybox.tar", dockerArchive(busybox))]);
    expect(out).toBe("Loaded image: busybox:latest\n");
    const table = (await ok(["images"])).trim().split("\n");
    expect(table[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(table[1]).toMatch(new RegExp(`^busybox\\s+latest\\s+${shortId(busybox.configDigest)}\\s+\\d+ \\w+ ago\\s+[\\d.]+MB$`));
    expect(await ok(["images", "-q"])).toBe(`${shortId(busybox.configDigest)}\n`);
  });

  test("load a gzipped OCI archive from stdin", async () => {
    const image = buildImage({ gzip: true, name: "localhost:5000/tools/bb:oci", config: { Cmd: ["echo", "oci"] } });
    const out = await ok(["load"], { stdin: gzipSync(ociArchive(image)) });
    expect(out).toBe("Loaded image: localhost:5000/tools/bb:oci\n");
    expect(await ok(["images", "localhost:5000/tools/bb"])).toContain(shortId(image.configDigest));
  });

  test("load an OCI archive made by skopeo from our docker-archive", async () => {
    const image = buildImage({ name: "skopeo-src:1", config: { Cmd: ["true"] } });
    const src = put("for-skopeo.tar", dockerArchive(image));
    const dst = join(files, "skopeo-oci.tar");
    const sk = Bun.spawnSync(["skopeo", "--insecure-policy", "copy", "-q", `docker-archive:${src}`, `oci-archive:${dst}:converted/bb:sk`]);
    expect(sk.exitCode).toBe(0);
    expect(await ok(["load", "-i", dst])).toBe("Loaded image: converted/bb:sk\n");
    // skopeo gzips the layers, so the blobs differ, but the diffIDs (and image id) are ours.
    expect(await ok(["images", "-q", "--no-trunc", "converted/bb:sk"])).toBe(`${image.configDigest}\n`);
  });

  test("import a gzipped rootfs tarball", async () => {
    const rootfs = gzipSync(tarBytes([{ name: "bin", type: "dir" }, { name: "bin/hello", body: "#!/bin/sh\necho hi\n", mode: 0o755 }]));
    const out = await ok(["import", put("rootfs.tar.gz", rootfs), "imported/app:v1"]);
    expect(out).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(await ok(["images", "imported/app"])).toContain(out.slice(7, 19));
  });

  test("tag, then rmi untags and finally deletes the image and its layers", async () => {
    await ok(["tag", "busybox", "mine:v2"]);
    expect(await ok(["images", "mine"])).toMatch(new RegExp(`mine\\s+v2\\s+${shortId(busybox.configDigest)}`));
    expect(await ok(["rmi", "busybox"])).toBe("Untagged: busybox:latest\n");
    const out = (await ok(["rmi", "mine:v2"])).trim().split("\n");
    expect(out[0]).toBe("Untagged: mine:v2");
    expect(out[1]).toBe(`Deleted: ${busybox.configDigest}`);
    // The base layer is shared with the images loaded above, so only the upper two go.
    expect(out.slice(2).sort()).toEqual(busybox.diffIds.slice(1).map((d) => `Deleted: ${d}`).sort());
    expect(await ok(["images", "-q", "--no-trunc"])).not.toContain(busybox.configDigest);
  });

  test("rmi -f by id with several tags", async () => {
    await ok(["load", "-i", join(files, "busybox.tar")]);
    await ok(["tag", "busybox", "again:1"]);
    const refused = await sb.run(["rmi", shortId(busybox.configDigest)]);
    expectOneLineError(refused, /must be forced/);
    const out = await ok(["rmi", "-f", shortId(busybox.configDigest)]);
    expect(out).toContain("Untagged: again:1");
    expect(out).toContain("Untagged: busybox:latest");
    expect(out).toContain(`Deleted: ${busybox.configDigest}`);
  });

  test("rmi of an unknown image", async () => {
    expectOneLineError(await sb.run(["rmi", "nothere"]), /Unable to find image 'nothere:latest' locally/);
  });
});

describe("bad input fails with one line, exit 1 (as Docker), nothing half-written", () => {
  let fresh: Sandbox;
  beforeAll(() => { fresh = makeSandbox("minibox-e2e-badload-"); });
  afterAll(() => fresh.cleanup());

  async function expectNothingStored(): Promise<void> {
    const p = (rel: string) => join(fresh.root, rel);
    for (const dir of ["tmp", "layers", "images", "refs"]) expect(existsSync(p(dir)) ? readdirSync(p(dir)) : []).toEqual([]);
    expect((await fresh.run(["images", "-q"])).stdout).toBe("");
  }

  const small = buildImage({ name: "small:1" });

  test("missing file", async () => {
    expectOneLineError(await fresh.run(["load", "-i", join(files, "does-not-exist.tar")]), /no such file/);
    await expectNothingStored();
  });

  test("truncated tarball", async () => {
    const whole = dockerArchive(small);
    for (const size of [700, whole.length >> 1, whole.length - 1500]) {
      expectOneLineError(await fresh.run(["load", "-i", put(`trunc-${size}.tar`, whole.subarray(0, size))]), /truncated|unexpected end/);
      await expectNothingStored();
    }
  });

  test("truncated tarball on stdin", async () => {
    expectOneLineError(await fresh.run(["load"], { stdin: dockerArchive(small).subarray(0, 3000) }), /truncated|unexpected end/);
    await expectNothingStored();
  });

  test("layer digest mismatch", async () => {
    const good = imageFromLayers([tarBytes([{ name: "f", body: "x" }]), tarBytes([{ name: "g", body: "y" }])], { name: "bad:digest" });
    const bad = { ...good, blobs: [good.blobs[0]!, tarBytes([{ name: "g", body: "tampered" }])] };
    expectOneLineError(await fresh.run(["load", "-i", put("bad-digest.tar", dockerArchive(bad))]), /digest mismatch/);
    await expectNothingStored();
    const badOci = { ...good, blobDigests: [good.blobDigests[0]!, sha256("other")] };
    expectOneLineError(await fresh.run(["load", "-i", put("bad-digest-oci.tar", ociArchive(badOci))]), /digest mismatch/);
    await expectNothingStored();
  });

  test("invalid image name", async () => {
    expectOneLineError(await fresh.run(["load", "-i", put("bad-name.tar", dockerArchive(buildImage({ name: "Not/Valid:1" })))]), /invalid reference format/);
    await expectNothingStored();
    expectOneLineError(await fresh.run(["import", join(files, "rootfs.tar.gz"), "UPPER"]), /must be lowercase/);
    expectOneLineError(await fresh.run(["tag", "small:1", "x"]), /Unable to find image 'small:1' locally/);
    await expectNothingStored();
  });

  test("not an image archive", async () => {
    expectOneLineError(await fresh.run(["load", "-i", put("plain.tar", tarBytes([{ name: "readme", body: "hi" }]))]), /neither manifest.json/);
    expectOneLineError(await fresh.run(["load", "-i", put("garbage.tar", new Uint8Array(4096).fill(65))]), /invalid image archive/);
    await expectNothingStored();
  });
});
