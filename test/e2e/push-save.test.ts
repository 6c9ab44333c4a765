// push and save checked by an independent tool: skopeo reads what minibox pushes and saves, and what
// minibox saves loads back with the same image id; image inspect and prune.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildImage, dockerArchive, imageFromLayers } from "../fixtures/images.ts";
import { makeSandbox, type Sandbox } from "./harness.ts";
import { skopeo, skopeoPush, startRegistry, type Registry } from "./registry.ts";
import { busyboxTar, pushLayers, randomLayerTar } from "./registry-images.ts";

setDefaultTimeout(60_000);
let sb: Sandbox;
let reg: Registry;
let files: string;
const fixture = buildImage({ layers: 3, gzip: true, name: "busybox:latest", config: { Cmd: ["echo", "saved"] } });

beforeAll(async () => {
  sb = makeSandbox("minibox-e2e-push-save-");
  reg = await startRegistry();
  files = join(sb.root, "..", "files");
  mkdirSync(files, { recursive: true });
  writeFileSync(join(files, "src.tar"), dockerArchive(fixture));
  await skopeoPush(join(files, "src.tar"), `${reg.host}/src/busybox:1`);
}, 60_000);
afterAll(async () => {
  await reg?.stop();
  sb?.cleanup();
}, 30_000);

async function ok(args: string[], env?: Record<string, string>): Promise<string> {
  const r = await sb.run(args, { ...(env && { env }), timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

describe("push", () => {
  test("a pulled image pushed under a new name keeps its manifest digest", async () => {
    await ok(["pull", "-q", `${reg.host}/src/busybox:1`]);
    const source = JSON.parse((await skopeo(["inspect", "--tls-verify=false", `docker://${reg.host}/src/busybox:1`])).stdout);
    await ok(["tag", `${reg.host}/src/busybox:1`, `${reg.host}/dst/busybox:copy`]);
    const out = await ok(["push", `${reg.host}/dst/busybox:copy`]);
    expect(out).toBe(`copy: digest: ${source.Digest} size: ${out.match(/size: (\d+)/)![1]}\n`);
    const pushed = await skopeo(["inspect", "--tls-verify=false", `docker://${reg.host}/dst/busybox:copy`]);
    expect(JSON.parse(pushed.stdout).Digest).toBe(source.Digest);
    // And skopeo can copy it out again, whole.
    const copy = await skopeo(["copy", "-q", "--src-tls-verify=false", `docker://${reg.host}/dst/busybox:copy`, `oci-archive:${join(files, "back.tar")}`]);
    expect(copy.code).toBe(0);
  });

  test("a loaded image is pushed with an OCI manifest over its own blobs; pulling it back gives the same id", async () => {
    // Layers of its own (a store already holding a layer keeps the blob it first had for it).
    const image = imageFromLayers([randomLayerTar(20_000, 5), randomLayerTar(30_000, 6)], { name: "loaded/app:v1" });
    writeFileSync(join(files, "loaded.tar"), dockerArchive(image));
    await ok(["load", "-i", join(files, "loaded.tar")]);
    await ok(["tag", "loaded/app:v1", `${reg.host}/loaded/app:v1`]);
    const first = await sb.run(["push", `${reg.host}/loaded/app:v1`]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/Pushed/);
    // compat-cli: the final digest line once, on stdout (issue #13: it was printed on both streams)
    expect(`${first.stdout}${first.stderr}`.match(/digest: sha256:/g)).toHaveLength(1);
    expect(first.stdout).toMatch(/^v1: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
    const raw = JSON.parse((await skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${reg.host}/loaded/app:v1`])).stdout);
    expect(raw.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(raw.config.digest).toBe(image.configDigest);
    expect(raw.layers.map((l: { digest: string }) => l.digest)).toEqual(image.blobDigests);
    const again = await sb.run(["push", `${reg.host}/loaded/app:v1`]);
    expect(again.stderr.match(/Layer already exists/g)?.length).toBe(3);
    const other = join(sb.root, "..", "other-root");
    await ok(["pull", "-q", `${reg.host}/loaded/app:v1`], { MINIBOX_ROOT: other });
    expect(await ok(["images", "-q", "--no-trunc"], { MINIBOX_ROOT: other })).toBe(`${image.configDigest}\n`);
  });
});

// image-store (#9): a blob damaged in the store is caught before it is uploaded.
describe("push of a damaged blob", () => {
  test("fails with one line naming the stored blob; the registry never gets it", async () => {
    const image = imageFromLayers([randomLayerTar(20_000, 21)], { name: "damaged/app:v1" });
    writeFileSync(join(files, "damaged.tar"), dockerArchive(image));
    await ok(["load", "-i", join(files, "damaged.tar")]);
    const blob = join(sb.root, "blobs/sha256", image.blobDigests[0]!.slice(7));
    const bytes = readFileSync(blob);
    bytes[600]! ^= 0x80;
    writeFileSync(blob, bytes);
    await ok(["tag", "damaged/app:v1", `${reg.host}/damaged/app:v1`]);
    const r = await sb.run(["push", `${reg.host}/damaged/app:v1`]);
    expect(r.code).toBe(1);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("minibox:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`stored blob ${image.blobDigests[0]}`);
    const head = await fetch(`http://${reg.host}/v2/damaged/app/blobs/${image.blobDigests[0]}`, { method: "HEAD" });
    expect(head.status).toBe(404);
  });
});

describe("save", () => {
  test("docker-archive: skopeo reads it, and it loads back with the same id and diffIDs", async () => {
    const out = join(files, "saved-docker.tar");
    await ok(["save", "-o", out, `${reg.host}/src/busybox:1`]);
    const listing = Bun.spawnSync(["tar", "tf", out]).stdout.toString().split("\n");
    for (const name of ["manifest.json", "index.json", "oci-layout", "repositories"]) expect(listing).toContain(name);
    for (const d of fixture.diffIds) expect(listing).toContain(`blobs/sha256/${d.slice(7)}`);
    const inspect = await skopeo(["inspect", `docker-archive:${out}`]);
    expect(inspect.code).toBe(0);
    expect(JSON.parse(inspect.stdout).Layers).toEqual(fixture.diffIds); // uncompressed: blob digest = diffID
    const other = join(sb.root, "..", "load-root");
    expect(await ok(["load", "-i", out], { MINIBOX_ROOT: other })).toBe(`Loaded image: ${reg.host}/src/busybox:1\n`);
    expect(await ok(["images", "-q", "--no-trunc"], { MINIBOX_ROOT: other })).toBe(`${fixture.configDigest}\n`);
  });

  test("oci-archive: the compressed blobs as pulled; skopeo copies it; it loads back", async () => {
    const out = join(files, "saved-oci.tar");
    await ok(["save", "--format", "oci-archive", "-o", out, `${reg.host}/src/busybox:1`]);
    const copy = await skopeo(["copy", "-q", `oci-archive:${out}:${reg.host}/src/busybox:1`, `docker-archive:${join(files, "via-skopeo.tar")}:x/y:z`]);
    expect(copy.code).toBe(0);
    const manifest = JSON.parse((await skopeo(["inspect", "--raw", `oci-archive:${out}`])).stdout);
    expect(manifest.layers.every((l: { mediaType: string }) => l.mediaType.endsWith("+gzip"))).toBe(true);
    const other = join(sb.root, "..", "load-oci-root");
    await ok(["load", "-i", out], { MINIBOX_ROOT: other });
    expect(await ok(["images", "-q", "--no-trunc"], { MINIBOX_ROOT: other })).toBe(`${fixture.configDigest}\n`);
  });

  test("a missing image fails without leaving a file", async () => {
    const out = join(files, "never.tar");
    const r = await sb.run(["save", "-o", out, "no/such:image"]);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });
});

describe("image inspect and prune", () => {
  test("inspect prints Docker's shape with the config", async () => {
    const [info] = JSON.parse(await ok(["image", "inspect", `${reg.host}/src/busybox:1`]));
    expect(info.Id).toBe(fixture.configDigest);
    expect(info.Config.Cmd).toEqual(["echo", "saved"]);
    expect(info.RootFS.Layers).toEqual(fixture.diffIds);
    expect(info.RepoDigests).toContainEqual(expect.stringMatching(new RegExp(`^${reg.host}/src/busybox@sha256:[0-9a-f]{64}$`)));
    const missing = await sb.run(["image", "inspect", "nope:1"]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe("[]\n");
  });

  test("prune removes untagged images and their layers and blobs, and keeps tagged ones", async () => {
    const img = await pushLayers(reg.host, "prune/me", null, [busyboxTar(), randomLayerTar(50_000, 99)]);
    await ok(["pull", "-q", `${reg.host}/prune/me@${img.manifestDigest}`]);
    const layerDir = join(sb.root, "layers", img.diffIds[1]!.slice(7));
    expect(existsSync(layerDir)).toBe(true);
    const out = await ok(["image", "prune", "-f"]);
    expect(out).toContain(`deleted: ${img.configDigest}`);
    expect(out).toMatch(/Total reclaimed space: [\d.]+[kM]B/);
    expect(existsSync(layerDir)).toBe(false);
    for (const d of [img.manifestDigest, img.layerDigests[1]!, img.configDigest]) {
      expect(existsSync(join(sb.root, "blobs/sha256", d.slice(7)))).toBe(false);
    }
    expect(await ok(["images", "-q", "--no-trunc", `${reg.host}/src/busybox:1`])).toBe(`${fixture.configDigest}\n`);
    expect(readdirSync(join(sb.root, "layers")).length).toBeGreaterThan(0);
  });
});
